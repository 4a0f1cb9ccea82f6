import assert from "node:assert/strict";
import { test } from "node:test";
import { type SendResult, Transport, type TransportConfig } from "./transport";
import type { SyntraEvent } from "./types";

// The transport's own rules (batching, retries, bounds), driven by a sender that answers as told. The same rules
// against a real control plane (its 429s, being down and back) are in test/transport.test.ts.

function event(n: number): SyntraEvent {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    timestamp: new Date().toISOString(),
    type: "Error",
    message: `event ${n}`,
    stack_trace: [],
    breadcrumbs: [],
    context: { environment: "test", release: "", tags: {}, extra: {} },
    fingerprint: [],
    level: "error",
    handled: true,
  };
}

/** A sender answering with the given statuses in turn (the last one repeats), recording each body. */
function answering(statuses: (number | Error | SendResult)[]) {
  const bodies: { errors: SyntraEvent[] }[] = [];
  let i = 0;
  const send = async (body: string): Promise<SendResult> => {
    bodies.push(JSON.parse(body));
    const answer = statuses[Math.min(i++, statuses.length - 1)];
    if (answer instanceof Error) throw answer;
    return typeof answer === "number" ? { status: answer } : (answer as SendResult);
  };
  return { send, bodies };
}

const fast: Partial<TransportConfig> = { batchDelayMs: 1, initialBackoffMs: 2, maxBackoffMs: 10 };

test("events captured together leave in one request, at most batchSize per request, in order", async () => {
  const { send, bodies } = answering([200]);
  const t = new Transport({ send, maxQueueSize: 100, batchSize: 4, ...fast });
  for (let n = 0; n < 10; n++) t.enqueue(event(n));
  assert.equal(await t.flush(5000), true);
  assert.deepEqual(
    bodies.map((b) => b.errors.length),
    [4, 4, 2],
  );
  assert.deepEqual(
    bodies.flatMap((b) => b.errors.map((e) => e.message)),
    Array.from({ length: 10 }, (_, n) => `event ${n}`),
  );
  assert.deepEqual(t.stats(), { sent: 10, retried: 0, queued: 0, dropped: t.stats().dropped });
});

test("5xx, 429, 408 and network errors are retried with backoff until delivered; Retry-After is obeyed", async () => {
  const { send, bodies } = answering([503, new Error("ECONNREFUSED"), { status: 429, retryAfterMs: 5 }, 408, 200]);
  const t = new Transport({ send, maxQueueSize: 10, ...fast });
  t.enqueue(event(1));
  assert.equal(await t.flush(5000), true);
  assert.equal(bodies.length, 5, "the same batch, five times");
  assert.equal(t.stats().retried, 4);
  assert.equal(t.stats().sent, 1);
});

test("a 4xx refusal drops the batch at once; endless failures drop it after maxRetries; both are counted", async () => {
  const refused = answering([400]);
  const t1 = new Transport({ send: refused.send, maxQueueSize: 10, ...fast });
  t1.enqueue(event(1));
  t1.enqueue(event(2));
  assert.equal(await t1.flush(5000), true);
  assert.equal(refused.bodies.length, 1);
  assert.equal(t1.stats().dropped.rejected, 2);

  const down = answering([500]);
  const t2 = new Transport({ send: down.send, maxQueueSize: 10, maxRetries: 3, ...fast });
  t2.enqueue(event(1));
  assert.equal(await t2.flush(5000), true);
  assert.equal(down.bodies.length, 4, "the first try and three retries");
  assert.equal(t2.stats().dropped.retries_exhausted, 1);
});

test("the queue is bounded: past maxQueueSize events are dropped, counted, and reported with the next event sent", async () => {
  const { send, bodies } = answering([200]);
  const t = new Transport({ send, maxQueueSize: 3, batchDelayMs: 50 });
  const accepted = [1, 2, 3, 4, 5].map((n) => t.enqueue(event(n)));
  assert.deepEqual(accepted, [true, true, true, false, false]);
  t.recordDrop("sample_rate", 2);
  assert.equal(await t.flush(5000), true);
  assert.deepEqual(bodies[0]?.errors[0]?.context.extra.sdk, { dropped_events: { queue_full: 2, sample_rate: 2 } });
  assert.equal(bodies[0]?.errors[1]?.context.extra.sdk, undefined, "only on the first event of the batch");
  t.enqueue(event(6));
  assert.equal(await t.flush(5000), true);
  assert.equal(bodies[1]?.errors[0]?.context.extra.sdk, undefined, "reported once");
  assert.equal(t.stats().dropped.queue_full, 2);
});

test("flush gives up at its timeout without throwing; close refuses new events; a throwing sender never escapes", async () => {
  const { send } = answering([new Error("boom")]);
  const t = new Transport({ send, maxQueueSize: 10, initialBackoffMs: 60_000, batchDelayMs: 1 });
  t.enqueue(event(1));
  assert.equal(await t.flush(50), false);
  assert.equal(await t.close(10), false);
  assert.equal(t.enqueue(event(2)), false);
  assert.equal(t.stats().dropped.closed, 1);
});

test("drainWith hands the queue to a synchronous sender (sendBeacon), leaves the batch in flight, keeps what it refused", () => {
  const t = new Transport({ send: () => new Promise(() => {}), maxQueueSize: 10, batchSize: 2, batchDelayMs: 10_000 });
  // Two events fill a batch, which leaves at once (and never comes back here): events 0 and 1 are in flight.
  for (let n = 0; n < 5; n++) t.enqueue(event(n));
  const taken: string[][] = [];
  t.drainWith((body) => {
    if (taken.length === 1) return false;
    taken.push((JSON.parse(body) as { errors: SyntraEvent[] }).errors.map((e) => e.message));
    return true;
  });
  assert.deepEqual(taken, [["event 2", "event 3"]]);
  assert.equal(t.stats().queued, 3, "the two in flight and the one refused");
  assert.equal(t.stats().sent, 2);
});
