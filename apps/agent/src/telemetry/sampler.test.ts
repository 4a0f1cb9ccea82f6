import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adjustedCount,
  decodeOtlpJson,
  type ExportTraceServiceRequest,
  sampleWeightOf,
  thresholdOf,
} from "@syntra/otlp";
import { AdaptiveSampler } from "./sampler";

const T0 = 1_700_000_000_000;

/** A request of `traces` traces with `spansPerTrace` spans each; trace ids spread evenly over the id space. */
function request(
  traces: number,
  spansPerTrace: number,
  opts: { errorTrace?: number; slowTrace?: number; offset?: number } = {},
) {
  const spans = [];
  for (let t = 0; t < traces; t++) {
    // The last 7 bytes are the randomness: spread them evenly so the kept share is predictable.
    const randomness = Math.floor(((t + (opts.offset ?? 0)) / traces) * 2 ** 56)
      .toString(16)
      .padStart(14, "0");
    const traceId = `0123456789abcdef01${randomness}`;
    for (let s = 0; s < spansPerTrace; s++) {
      const slow = t === opts.slowTrace && s === 0;
      spans.push({
        traceId,
        spanId: (t * 100 + s + 1).toString(16).padStart(16, "0"),
        name: "GET /items",
        startTimeUnixNano: "1700000000000000000",
        endTimeUnixNano: slow ? "1700000009000000000" : "1700000000010000000",
        status: t === opts.errorTrace && s === spansPerTrace - 1 ? { code: 2 } : {},
      });
    }
  }
  return decodeOtlpJson("traces", JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
}

function spansOf(req: ExportTraceServiceRequest | null) {
  return (req?.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

function traceIds(req: ExportTraceServiceRequest | null): Set<string> {
  return new Set(spansOf(req).map((s) => Buffer.from(s.traceId).toString("hex")));
}

test("below its budget a service is not sampled at all", () => {
  const sampler = new AdaptiveSampler({ spanBudgetPerSecond: 1000, now: () => T0 });
  sampler.observe("svc", 5000); // 500 spans/s over the 10 s window
  assert.equal(sampler.probability("svc"), 1);
  const outcome = sampler.sample("svc", request(50, 4));
  assert.deepEqual([outcome.kept, outcome.dropped], [200, 0]);
  assert.equal(
    spansOf(outcome.request).every((s) => thresholdOf(s.traceState ?? "") === undefined),
    true,
  );
});

test("above its budget whole traces are kept at budget/rate, with the weight in the tracestate", () => {
  const sampler = new AdaptiveSampler({ spanBudgetPerSecond: 1000, now: () => T0 });
  sampler.observe("svc", 40_000); // 4000 spans/s: a quarter is kept
  assert.equal(sampler.probability("svc"), 0.25);
  const outcome = sampler.sample("svc", request(400, 5));
  // Whole traces: every kept trace has all 5 of its spans.
  const kept = spansOf(outcome.request);
  const perTrace = new Map<string, number>();
  for (const s of kept)
    perTrace.set(
      Buffer.from(s.traceId).toString("hex"),
      (perTrace.get(Buffer.from(s.traceId).toString("hex")) ?? 0) + 1,
    );
  assert.ok([...perTrace.values()].every((n) => n === 5));
  assert.equal(perTrace.size, 100);
  assert.equal(outcome.kept + outcome.dropped, 2000);
  // Each kept span stands for four: the scaled count is the true count.
  assert.ok(kept.every((s) => Math.abs(sampleWeightOf(s.traceState ?? "") - 4) < 1e-9));
  assert.equal(Math.round(kept.reduce((n, s) => n + sampleWeightOf(s.traceState ?? ""), 0)), 2000);
});

test("the decision is by trace id: services on the same server keep the same traces (a subset when sampled harder)", () => {
  const now = () => T0;
  const sampler = new AdaptiveSampler({ spanBudgetPerSecond: 1000, now });
  sampler.observe("api", 20_000); // p = 0.5
  sampler.observe("db", 80_000); // p = 0.125
  const api = traceIds(sampler.sample("api", request(400, 1)).request);
  const db = traceIds(sampler.sample("db", request(400, 1)).request);
  assert.equal(api.size, 200);
  assert.equal(db.size, 50);
  for (const id of db) assert.ok(api.has(id), "every trace the db service kept, the api service kept too");
  // The same again later: the same decision.
  assert.deepEqual(traceIds(sampler.sample("api", request(400, 1)).request), api);
});

test("traces with an error or an unusually slow span are kept whole, and stay kept for their later spans", () => {
  const sampler = new AdaptiveSampler({ spanBudgetPerSecond: 100, now: () => T0 });
  sampler.observe("svc", 100_000); // p = 0.001: almost nothing is kept by chance
  // Teach it what this operation usually takes.
  for (let i = 0; i < 3; i++) sampler.sample("svc", request(100, 1));
  const withError = sampler.sample("svc", request(100, 3, { errorTrace: 7 }));
  const errorTraceId = [...traceIds(request(100, 3))][7];
  assert.ok(errorTraceId && traceIds(withError.request).has(errorTraceId));
  assert.equal(
    spansOf(withError.request).filter((s) => Buffer.from(s.traceId).toString("hex") === errorTraceId).length,
    3,
  );
  const withSlow = sampler.sample("svc", request(100, 2, { slowTrace: 42 }));
  const slowTraceId = [...traceIds(request(100, 2))][42];
  assert.ok(slowTraceId && traceIds(withSlow.request).has(slowTraceId));
  // A later span of the error trace (from another service on this server) is kept too.
  const later = sampler.sample("other", request(100, 1));
  sampler.observe("other", 100_000);
  const laterAgain = sampler.sample("other", request(100, 1));
  assert.ok(traceIds(laterAgain.request).has(errorTraceId));
  assert.equal(later.dropped, 0);
  // Kept by the rule, they carry no threshold: they stand for themselves.
  const ruleKept = spansOf(withError.request).find((s) => Buffer.from(s.traceId).toString("hex") === errorTraceId);
  assert.equal(sampleWeightOf(ruleKept?.traceState ?? ""), 1);
});

test("the rate follows the window: a service that slows down stops being sampled", () => {
  let now = T0;
  const sampler = new AdaptiveSampler({ spanBudgetPerSecond: 1000, windowSeconds: 10, now: () => now });
  sampler.observe("svc", 50_000);
  assert.equal(sampler.probability("svc"), 0.2);
  now += 11_000;
  sampler.observe("svc", 100);
  assert.equal(sampler.probability("svc"), 1);
  assert.equal(adjustedCount("c0000000000000"), 4);
});
