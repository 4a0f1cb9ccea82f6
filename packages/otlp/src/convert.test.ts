import assert from "node:assert/strict";
import { test } from "node:test";
import { logEntry, metricPoint, traceSpan } from "@syntra/contracts";
import { convertLogs } from "./convert-logs";
import { convertMetrics } from "./convert-metrics";
import { convertTraces } from "./convert-traces";
import { countOtlpItems } from "./count";
import { decodeOtlp, decodeOtlpJson, encodeOtlp, otlpJsonToProtobuf } from "./decode";
import { OtlpInputError } from "./errors";
import { sdkRequests } from "./testing/sdk-requests";

const serviceId = "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9";
const deploymentId = "7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f";

test("spans the JS SDK encoded decode into contract spans with parent links, kinds, status, events and resource", async () => {
  const sdk = await sdkRequests({ "deployment.id": deploymentId });
  const { spans, rejected } = convertTraces(decodeOtlp("traces", sdk.traces), { serviceId });
  assert.equal(rejected, 0);
  assert.equal(spans.length, 2);
  for (const span of spans) assert.ok(traceSpan.safeParse(span).success, JSON.stringify(span));
  const root = spans.find((s) => s.span_id === sdk.rootSpanId);
  const child = spans.find((s) => s.span_id !== sdk.rootSpanId);
  assert.ok(root && child);
  assert.equal(root.trace_id, sdk.traceId);
  assert.equal(root.parent_span_id, undefined);
  assert.equal(child.parent_span_id, root.span_id);
  assert.equal(root.span_kind, "server");
  assert.equal(child.span_kind, "client");
  assert.deepEqual(child.status, { code: "error", message: "no such order" });
  assert.equal(child.events[0]?.name, "exception");
  assert.equal(child.events[0]?.attributes["exception.type"], "TypeError");
  assert.equal(root.attributes["http.response.status_code"], 500);
  assert.equal(root.attributes["service.name"], "checkout");
  assert.equal(root.attributes["otel.scope.name"], "test-scope");
  assert.equal(root.deployment_id, deploymentId);
  assert.equal(root.service_id, serviceId);
  // Times are the SDK's (within a minute of now, at nanosecond scale) and the root encloses its child.
  assert.ok(Math.abs(root.start_time_ns / 1e6 - Date.now()) < 60_000);
  assert.ok(root.start_time_ns <= child.start_time_ns && root.duration_ns >= child.duration_ns);
});

test("OTLP/JSON (hex ids, lowerCamelCase) decodes to the same spans as protobuf", async () => {
  const sdk = await sdkRequests();
  const fromJson = convertTraces(decodeOtlpJson("traces", sdk.tracesJson), { serviceId, deploymentId }).spans;
  const fromProto = convertTraces(decodeOtlp("traces", sdk.traces), { serviceId, deploymentId }).spans;
  assert.deepEqual(fromJson, fromProto);
  assert.equal(fromJson[0]?.deployment_id, deploymentId);
  // Re-encoded to protobuf (what the agent forwards), it decodes to the same again.
  const reencoded = otlpJsonToProtobuf("traces", sdk.tracesJson);
  assert.deepEqual(convertTraces(decodeOtlp("traces", reencoded), { serviceId, deploymentId }).spans, fromProto);
});

test("log records and metrics convert to contract entries and points", async () => {
  const sdk = await sdkRequests();
  const logs = convertLogs(decodeOtlp("logs", sdk.logs), { serviceId, deploymentId });
  assert.equal(logs.length, 1);
  const [log] = logs;
  assert.ok(log && logEntry.safeParse(log).success);
  assert.equal(log.level, "warn");
  assert.equal(log.message, "order 17 not found");
  assert.equal(log.attributes["order.id"], 17);
  assert.equal(log.trace_id, sdk.traceId);
  assert.equal(log.source, "sdk");

  const { points, rejected } = convertMetrics(decodeOtlp("metrics", sdk.metrics), { serviceId });
  assert.equal(rejected, 0);
  for (const point of points) assert.ok(metricPoint.safeParse(point).success, JSON.stringify(point));
  const counter = points.find((p) => p.name === "orders_total");
  assert.deepEqual([counter?.type, counter?.value, counter?.labels], ["counter", 3, { status: "500" }]);
  const histogram = points.find((p) => p.name === "latency_ms");
  assert.equal(histogram?.type, "histogram");
  assert.equal(histogram?.value, 5105);
  assert.deepEqual(histogram?.histogram_buckets, [
    { le: 10, count: 1 },
    { le: 100, count: 3 },
    { le: 1000, count: 3 },
  ]);
});

test("items are counted without decoding, and broken protobuf is refused", async () => {
  const sdk = await sdkRequests();
  assert.equal(countOtlpItems("traces", sdk.traces), 2);
  assert.equal(countOtlpItems("logs", sdk.logs), 1);
  assert.equal(countOtlpItems("metrics", sdk.metrics), 2);
  assert.equal(countOtlpItems("traces", new Uint8Array()), 0);
  const cut = sdk.traces.subarray(0, sdk.traces.length - 7);
  assert.throws(() => countOtlpItems("traces", cut), OtlpInputError);
  assert.throws(
    () => decodeOtlp("traces", cut),
    (err: OtlpInputError) => err.status === 400,
  );
  assert.throws(() => decodeOtlp("traces", Buffer.from("definitely not protobuf")), OtlpInputError);
});

test("bad OTLP/JSON is refused with 400: not JSON, not an object, bad hex ids", () => {
  for (const body of [
    "{",
    "[]",
    "42",
    JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "xyz" }] }] }] }),
  ]) {
    assert.throws(
      () => decodeOtlpJson("traces", body),
      (err: OtlpInputError) => err.status === 400,
      body,
    );
  }
  // Unknown keys are ignored, as the OTLP specification asks.
  const ok = decodeOtlpJson("traces", JSON.stringify({ resourceSpans: [], somethingNew: 1 }));
  assert.equal(encodeOtlp("traces", ok).length, 0);
});

test("spans without valid ids are rejected one by one, for a partial success", async () => {
  const message = decodeOtlpJson(
    "traces",
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "5b8efff798038103d269b633813fc60c",
                  spanId: "eee19b7ec3c1b174",
                  name: "ok",
                  startTimeUnixNano: "1700000000000000000",
                  endTimeUnixNano: "1700000000500000000",
                },
                { traceId: "00000000000000000000000000000000", spanId: "eee19b7ec3c1b174", name: "zero trace id" },
                { spanId: "eee19b7ec3c1b174", name: "no trace id" },
                { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b175", name: "no start time" },
              ],
            },
          ],
        },
      ],
    }),
  );
  const { spans, rejected, error } = convertTraces(message, { serviceId });
  assert.equal(spans.length, 1);
  assert.equal(spans[0]?.duration_ns, 500_000_000);
  assert.equal(spans[0]?.start_time_ns, 1.7e18);
  assert.equal(rejected, 3);
  assert.match(error ?? "", /trace id/);
});
