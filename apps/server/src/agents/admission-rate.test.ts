import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { AdmissionRate, admissionBacklogLimit, saveAdmissionRate, savedAdmissionRate } from "./admission-rate";

// The admission rate sizes the agents' reconnect spread and the 503 backlog (hub.ts): agents admitted per second of
// the event loop's busy time, from storms only. The test drives its own clock and busy time.

function rate(initialPerSecond = 500) {
  const clock = { now: 0, busy: 0 };
  const r = new AdmissionRate({ initialPerSecond, min: 1, now: () => clock.now, busyMs: () => clock.busy });
  /** `admitted` agents let in `ms` later, the loop busy `busyShare` of that time. */
  const admit = (admitted: number, ms: number, busyShare: number) => {
    clock.now += ms;
    clock.busy += ms * busyShare;
    r.record(admitted);
  };
  return { r, admit };
}

test("a storm measures agents per busy second of the event loop; the first measurement replaces the guess", () => {
  const { r, admit } = rate();
  admit(0, 0, 0); // the window opens
  // 10 batches of 30 over one second, the loop busy all the time: 300 per second.
  for (let i = 0; i < 10; i++) admit(30, 100, 1);
  assert.equal(r.samples, 1);
  assert.equal(r.perSecond, 300);
  // The same 300 in a second in which the loop was busy 60% of the time (on a machine it shares): it could admit
  // 500 a second; the estimate moves part of the way (weight 0.3): 300 * 0.7 + 500 * 0.3.
  for (let i = 0; i < 10; i++) admit(30, 100, 0.6);
  assert.equal(r.samples, 2);
  assert.equal(Math.round(r.perSecond), 360);
});

test("a trickle measures nothing: few agents, or a loop mostly idle or busy with other work", () => {
  const { r, admit } = rate(500);
  admit(0, 0, 0);
  admit(5, 1000, 1); // 5 agents in a busy second: too few to say anything
  for (let i = 0; i < 10; i++) admit(10, 100, 0.2); // 100 agents, loop busy 20%: arrivals, not capacity
  assert.equal(r.samples, 0);
  assert.equal(r.perSecond, 500, "still the configured guess");
  admit(100, 400, 1); // short of a window: nothing yet
  assert.equal(r.samples, 0);
});

test("the estimate stays within its bounds", () => {
  const clock = { now: 0, busy: 0 };
  const r = new AdmissionRate({ initialPerSecond: 1_000_000, now: () => clock.now, busyMs: () => clock.busy });
  assert.equal(r.perSecond, 5000);
  r.record(0);
  clock.now = clock.busy = 10_000;
  r.record(25); // 2.5 per second measured
  assert.equal(r.perSecond, 20);
});

test("the backlog limit is what the rate admits in the budget, within its floor and the configured maximum", () => {
  assert.equal(admissionBacklogLimit(400, 5, 50, 5000), 2000);
  assert.equal(admissionBacklogLimit(4, 5, 50, 5000), 50, "a slow estimate still lets a few wait");
  assert.equal(admissionBacklogLimit(4000, 5, 50, 5000), 5000, "never past the configured maximum");
  assert.equal(admissionBacklogLimit(400, 5, 50, 40), 40, "a configured maximum below the floor wins");
});

test("a process leaves its measured rate to the next on the same data directory; a broken file is no rate", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-rate-"));
  try {
    assert.equal(await savedAdmissionRate(dir), null, "nothing saved yet");
    const unmeasured = new AdmissionRate({ initialPerSecond: 500 });
    await saveAdmissionRate(dir, unmeasured);
    assert.equal(await savedAdmissionRate(dir), null, "a guess is not saved as a measurement");
    const { r, admit } = rate();
    admit(0, 0, 0);
    for (let i = 0; i < 10; i++) admit(8, 100, 1); // 80 per second, on a busy machine
    await saveAdmissionRate(dir, r);
    const saved = await savedAdmissionRate(dir);
    assert.equal(saved, 80);
    const next = new AdmissionRate({ initialPerSecond: 500 });
    next.resume(saved ?? 0);
    assert.equal(next.perSecond, 80, "the next process starts from it");
    await fs.writeFile(path.join(dir, "agent-admission-rate"), "fast\n");
    assert.equal(await savedAdmissionRate(dir), null);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
