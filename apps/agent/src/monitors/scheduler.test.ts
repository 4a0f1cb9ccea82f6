import assert from "node:assert/strict";
import { mock, test } from "node:test";
import type { MonitorResultsPayload, MonitorSpec } from "@syntra/contracts";
import pino from "pino";
import { MonitorScheduler } from "./scheduler";

// The scheduler's clock is Node's mocked timers and Date: time moves only when the test ticks it, so what ran (and
// what did not) is exact, without waiting.
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test("monitors run at their interval; results wait for the connection in a bounded buffer whose drops are reported", async (t) => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: Date.parse("2026-12-05T08:00:00Z") });
  t.after(() => mock.timers.reset());
  const sent: MonitorResultsPayload[] = [];
  const channel = {
    ready: false,
    send: (_type: "monitor_results", payload: MonitorResultsPayload) => sent.push(payload),
  };
  const ran: string[] = [];
  const check = async (spec: MonitorSpec["check"]) => {
    ran.push(spec.type);
    return { is_up: spec.type === "tcp", latency_ms: 3, ...(spec.type === "tcp" ? {} : { error: "refused" }) };
  };
  const scheduler = new MonitorScheduler(channel, pino({ level: "silent" }), check, 3);
  t.after(() => scheduler.stop());
  const tcp: MonitorSpec = {
    id: crypto.randomUUID(),
    interval_seconds: 30,
    timeout_seconds: 5,
    check: { type: "tcp", host: "db.internal", port: 5432 },
  };
  const tick = async (ms: number) => {
    mock.timers.tick(ms);
    await settle();
  };

  assert.deepEqual(scheduler.configure([tcp]), { monitors: 1 });
  await tick(10_000); // the first run comes within min(interval, 10 s)
  assert.equal(ran.length, 1);
  for (let i = 0; i < 4; i++) await tick(30_000);
  assert.equal(ran.length, 5, "then once per interval");
  assert.equal(sent.length, 0, "nothing is sent while disconnected");

  channel.ready = true;
  await tick(5_000);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.dropped, 2, "the two oldest results did not fit the buffer of 3 and are counted");
  assert.equal(sent[0]?.results.length, 3);
  const times = sent[0]?.results.map((r) => Date.parse(r.checked_at)) ?? [];
  assert.deepEqual(
    times.map((ms) => ms - (times[0] ?? 0)),
    [0, 30_000, 60_000],
    "the newest three, oldest first",
  );
  assert.ok(sent[0]?.results.every((r) => r.monitor_id === tcp.id && r.is_up));

  // A changed monitor is rescheduled with its new settings; a removed one stops.
  const changed = {
    ...tcp,
    check: {
      type: "http" as const,
      url: "https://shop.example.com/",
      method: "GET" as const,
      expected_status: [],
      keyword_absent: false,
    },
  };
  scheduler.configure([changed]);
  await tick(10_000);
  assert.deepEqual(ran.slice(5), ["http"]);
  scheduler.configure([]);
  await tick(10 * 30_000);
  assert.equal(ran.length, 6, "a removed monitor runs no more");
  assert.equal(sent.length, 2, "the http result was sent, and nothing after");
  assert.deepEqual([sent[1]?.results[0]?.error, sent[1]?.dropped], ["refused", 0]);
});
