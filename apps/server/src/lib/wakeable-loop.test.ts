import assert from "node:assert/strict";
import { test } from "node:test";
import { wakeableLoop } from "./wakeable-loop";

/** The loop's timers are unref'd (they never keep a stopping process alive): this keeps the test's process up. */
function keepAlive(): () => void {
  const timer = setInterval(() => {}, 60_000);
  return () => clearInterval(timer);
}

/** A pass the test releases by hand, counting its runs; `next` is what each pass answers. */
function gatedPass(next: number | null) {
  const runs: Array<() => void> = [];
  let started: (() => void) | undefined;
  return {
    runs,
    /** Resolves when the next pass starts. */
    nextStart: () =>
      new Promise<void>((resolve) => {
        started = resolve;
      }),
    pass: () =>
      new Promise<number | null>((resolve) => {
        runs.push(() => resolve(next));
        started?.();
        started = undefined;
      }),
  };
}

test("a loop runs a pass at once, then only when woken within its long wait; a wake during a pass runs one more", async () => {
  const release = keepAlive();
  const gate = gatedPass(null);
  const loop = wakeableLoop({ pass: gate.pass, maxWaitMs: 3_600_000, onError: (err) => assert.fail(String(err)) });
  await gate.nextStart();
  assert.equal(gate.runs.length, 1);
  // Two wakes while the first pass runs: one more pass after it, not two.
  loop.wake();
  loop.wake();
  const second = gate.nextStart();
  gate.runs[0]?.();
  await second;
  assert.equal(gate.runs.length, 2);
  const third = gate.nextStart();
  gate.runs[1]?.();
  // Nothing is due for an hour: only a wake starts the third pass.
  loop.wake();
  await third;
  assert.equal(gate.runs.length, 3);
  gate.runs[2]?.();
  await loop.stop();
  loop.wake();
  assert.equal(gate.runs.length, 3, "a stopped loop runs nothing");
  release();
});

test("a loop sleeps until the work its pass names is due, at least its shortest wait, and survives a failed pass", async () => {
  const release = keepAlive();
  let calls = 0;
  let failed: (err: unknown) => void = () => {};
  const failure = new Promise<unknown>((resolve) => {
    failed = resolve;
  });
  let thirdPass: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    thirdPass = resolve;
  });
  const loop = wakeableLoop({
    maxWaitMs: 3_600_000,
    minWaitMs: 5,
    onError: (err) => failed(err),
    pass: async () => {
      calls++;
      if (calls === 1) return -1_000; // due already (another replica holds it): tried again after the shortest wait
      if (calls === 2) throw new Error("store down");
      thirdPass();
      return null;
    },
  });
  // The second pass fails: its error is reported, and only a wake runs the third before the hour is up.
  assert.equal(((await failure) as Error).message, "store down");
  assert.equal(calls, 2);
  loop.wake();
  await done;
  assert.equal(calls, 3);
  await loop.stop();
  release();
});
