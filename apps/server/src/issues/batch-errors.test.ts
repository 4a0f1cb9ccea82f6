import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LogEntry, TraceSpan } from "@syntra/contracts";
import { errorEventFixture, serviceOfNewOrg } from "../testing/error-fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { ingestBatchErrors } from "./batch-errors";

let t: TestApp;
let org: Awaited<ReturnType<typeof serviceOfNewOrg>>;
let stranger: Awaited<ReturnType<typeof serviceOfNewOrg>>;

before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  org = await serviceOfNewOrg(t, "batch@example.com");
  stranger = await serviceOfNewOrg(t, "stranger@example.com");
});
after(() => t.close());

const span = (serviceId: string): TraceSpan => ({
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  span_id: "00f067aa0ba902b7",
  service_id: serviceId,
  deployment_id: "8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d",
  operation_name: "GET /orders",
  span_kind: "server",
  start_time_ns: 1_738_318_530_123_000_000,
  duration_ns: 1_000_000,
  status: { code: "error" },
  attributes: {},
  events: [
    {
      name: "exception",
      timestamp_ns: 1_738_318_530_124_000_000,
      attributes: { "exception.type": "SpanError", "exception.message": "from a span" },
    },
  ],
});
const log = (serviceId: string): LogEntry => ({
  timestamp: "2025-01-31T10:15:30.171Z",
  service_id: serviceId,
  deployment_id: "8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d",
  level: "error",
  message: "failed",
  attributes: { "exception.type": "LogError", "exception.message": "from a log record" },
  source: "sdk",
});

test("a batch's errors, span exceptions and exception log records become issues; other servers' services are refused", async () => {
  const batch = {
    errors: [errorEventFixture(org.serviceId), errorEventFixture(stranger.serviceId)],
    traces: [span(org.serviceId)],
    logs: [log(org.serviceId), { ...log(org.serviceId), attributes: {} }],
  };
  const result = await ingestBatchErrors(t.deps, { serverId: org.serverId }, batch);
  assert.deepEqual(result, { accepted: 3, duplicates: 0, refused: 1 });
  const issues = await t.call("GET", `/api/v1/projects/${org.projectId}/issues`, { as: org.owner });
  assert.deepEqual(issues.body.data.map((i: { exception_type: string }) => i.exception_type).sort(), [
    "LogError",
    "SpanError",
    "TypeError",
  ]);
  const theirs = await t.call("GET", `/api/v1/projects/${stranger.projectId}/issues`, { as: stranger.owner });
  assert.deepEqual(theirs.body.data, [], "an agent cannot report errors for another server's service");

  // The agent re-sends the batch after a reconnect: nothing is stored twice.
  assert.deepEqual(await ingestBatchErrors(t.deps, { serverId: org.serverId }, batch), {
    accepted: 0,
    duplicates: 3,
    refused: 1,
  });
  // A key's scope is its service.
  const direct = await ingestBatchErrors(
    t.deps,
    { serviceId: org.serviceId },
    { errors: [], traces: [], logs: [log(stranger.serviceId)] },
  );
  assert.deepEqual(direct, { accepted: 0, duplicates: 0, refused: 1 });
});
