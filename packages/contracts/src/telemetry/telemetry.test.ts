import assert from "node:assert/strict";
import { test } from "node:test";
import type { z } from "zod";
import { telemetryBatchPayload, telemetryData } from "./batch";
import { errorEvent } from "./error-events";
import { exampleTelemetryData } from "./examples";
import { healthCheckResult } from "./health";
import { logEntry } from "./logs";
import { metricPoint } from "./metrics";
import { traceSpan } from "./traces";

// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary fields to corrupt them
const copy = (): any => structuredClone(exampleTelemetryData);

function issuePaths(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  assert.equal(result.success, false, "expected the value to be rejected");
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
}

test("the example TelemetryData and each of its items are accepted", () => {
  assert.ok(telemetryData.safeParse(exampleTelemetryData).success);
  const data = copy();
  assert.ok(errorEvent.safeParse(data.errors[0]).success);
  assert.ok(traceSpan.safeParse(data.traces[0]).success);
  assert.ok(logEntry.safeParse(data.logs[0]).success);
  for (const point of data.metrics) assert.ok(metricPoint.safeParse(point).success);
  assert.ok(healthCheckResult.safeParse(data.health_checks[0]).success);
});

test("trace and span ids are lowercase hex of the right length", () => {
  const span = copy().traces[0];
  assert.deepEqual(issuePaths(traceSpan, { ...span, trace_id: span.trace_id.toUpperCase() }), ["trace_id"]);
  assert.deepEqual(issuePaths(traceSpan, { ...span, trace_id: `${span.trace_id}00` }), ["trace_id"]);
  assert.deepEqual(issuePaths(traceSpan, { ...span, span_id: "00f067aa0ba902b" }), ["span_id"]);
  assert.deepEqual(issuePaths(traceSpan, { ...span, parent_span_id: "xyz" }), ["parent_span_id"]);
  assert.deepEqual(issuePaths(logEntry, { ...copy().logs[0], trace_id: "abc" }), ["trace_id"]);
});

test("nanosecond timestamps beyond 2^53 are accepted, fractions and negatives are not", () => {
  const span = copy().traces[0];
  assert.ok(traceSpan.safeParse({ ...span, start_time_ns: 1.7383185301234568e18 }).success);
  assert.deepEqual(issuePaths(traceSpan, { ...span, duration_ns: 1.5 }), ["duration_ns"]);
  assert.deepEqual(issuePaths(traceSpan, { ...span, duration_ns: -1 }), ["duration_ns"]);
});

test("enums are exactly the spec's", () => {
  const data = copy();
  assert.deepEqual(issuePaths(traceSpan, { ...data.traces[0], span_kind: "SERVER" }), ["span_kind"]);
  assert.deepEqual(issuePaths(logEntry, { ...data.logs[0], level: "warning" }), ["level"]);
  assert.deepEqual(issuePaths(logEntry, { ...data.logs[0], source: "file" }), ["source"]);
  assert.deepEqual(
    issuePaths(errorEvent, { ...data.errors[0], breadcrumbs: [{ ...data.errors[0].breadcrumbs[0], level: "warn" }] }),
    ["breadcrumbs.0.level"],
  );
});

test("metric points: buckets belong to histograms and are ordered", () => {
  const [counter, histogram] = copy().metrics;
  assert.deepEqual(issuePaths(metricPoint, { ...counter, value: -1 }), ["value"]);
  assert.deepEqual(issuePaths(metricPoint, { ...counter, histogram_buckets: [] }), ["histogram_buckets"]);
  assert.deepEqual(issuePaths(metricPoint, { ...histogram, histogram_buckets: undefined }), ["histogram_buckets"]);
  const unordered = [histogram.histogram_buckets[1], histogram.histogram_buckets[0]];
  assert.deepEqual(issuePaths(metricPoint, { ...histogram, histogram_buckets: unordered }), ["histogram_buckets.1"]);
  assert.ok(metricPoint.safeParse({ ...counter, type: "gauge", value: -3.5 }).success);
});

test("health check results: status codes are HTTP codes, times are non-negative", () => {
  const result = copy().health_checks[0];
  assert.deepEqual(issuePaths(healthCheckResult, { ...result, status_code: 42 }), ["status_code"]);
  assert.deepEqual(issuePaths(healthCheckResult, { ...result, response_time_ms: -1 }), ["response_time_ms"]);
});

test("a telemetry batch's data must match its compression", () => {
  const base = { batch_id: "b-1", agent_id: "agt_V1StGXR8_Z5jdHi6B" };
  assert.ok(telemetryBatchPayload.safeParse({ ...base, compression: "none", data: exampleTelemetryData }).success);
  assert.ok(telemetryBatchPayload.safeParse({ ...base, compression: "zstd", data: "KLUv/QBYaQAAe30=" }).success);
  assert.deepEqual(issuePaths(telemetryBatchPayload, { ...base, compression: "zstd", data: exampleTelemetryData }), [
    "data",
  ]);
  assert.deepEqual(issuePaths(telemetryBatchPayload, { ...base, compression: "none", data: "KLUv/QBYaQAAe30=" }), [
    "data",
  ]);
  assert.deepEqual(issuePaths(telemetryBatchPayload, { ...base, compression: "brotli", data: "" }), ["compression"]);
});
