import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { encodeTelemetryBatchFrame, envelope, TELEMETRY_BINARY_CAPABILITY } from "@syntra/contracts";
import { compressBatch, encodeBatchBody, rpcStatusType } from "@syntra/otlp";
import { eq } from "drizzle-orm";
import { sdkRequests } from "../../../../../packages/otlp/src/testing/sdk-requests";
import { servers } from "../../db/schema";
import { AgentPeer } from "../../testing/agent-peer";
import { imageServiceBody } from "../../testing/fixtures";
import { createTestApp, type TestApp } from "../../testing/harness";
import { ingestTelemetryBatch } from "./batch-ingest";

async function serviceWithKey(t: TestApp) {
  const owner = await t.signup(`owner-${randomUUID()}@example.com`, { orgName: "Acme" });
  const server = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s1" } });
  const project = await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "p" } });
  const service = await t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: owner,
    body: imageServiceBody("api", server.body.data.server_id),
  });
  const ingest = await t.call("GET", `/api/v1/services/${service.body.data.id}/ingest`, { as: owner });
  const [row] = await t.deps.db
    .select({ orgId: servers.orgId })
    .from(servers)
    .where(eq(servers.id, server.body.data.server_id));
  const orgId = row?.orgId ?? "";
  return {
    owner,
    serverId: server.body.data.server_id as string,
    serviceId: service.body.data.id as string,
    projectId: project.body.data.id as string,
    key: ingest.body.data.key as string,
    agentToken: server.body.data.token as string,
    orgId,
  };
}

function post(t: TestApp, url: string, body: Buffer | string, headers: Record<string, string>) {
  return t.app.inject({ method: "POST", url, payload: body, headers });
}

test("direct OTLP/HTTP: the official SDK's protobuf is stored for the key's service; refusals speak OTLP", async (ctx) => {
  const t = await createTestApp({ SYNTRA_OTLP_MAX_BODY_MB: "1" });
  ctx.after(() => t.close());
  const { serviceId, projectId, key, owner } = await serviceWithKey(t);
  const sdk = await sdkRequests();
  const proto = { "content-type": "application/x-protobuf" };

  const ok = await post(t, "/v1/traces", Buffer.from(sdk.traces), { ...proto, authorization: `Bearer ${key}` });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.headers["content-type"], "application/x-protobuf");
  const trace = await t.call("GET", `/api/v1/traces/${sdk.traceId}`, { as: owner });
  const spans = trace.body.data.spans ?? trace.body.data;
  assert.equal(spans.length, 2);
  assert.equal(spans[0].service_id, serviceId);
  assert.equal((await post(t, "/v1/logs", Buffer.from(sdk.logs), { ...proto, "x-syntra-key": key })).statusCode, 200);
  // The child span's exception event became an issue of the service (the errors domain's hook).
  const issues = await t.call("GET", `/api/v1/projects/${projectId}/issues`, { as: owner });
  assert.equal(issues.status, 200);
  assert.ok(
    JSON.stringify(issues.body.data).includes("TypeError"),
    `an issue for the span's exception: ${JSON.stringify(issues.body.data)}`,
  );
  assert.equal(
    (await post(t, "/v1/metrics", Buffer.from(sdk.metrics), { ...proto, "x-syntra-key": key })).statusCode,
    200,
  );
  const json = await post(t, "/v1/traces", Buffer.from(sdk.tracesJson), {
    "content-type": "application/json",
    "x-syntra-key": key,
  });
  assert.equal(json.statusCode, 200);
  assert.deepEqual(json.json(), {});

  const noKey = await post(t, "/v1/traces", Buffer.from(sdk.traces), proto);
  assert.equal(noKey.statusCode, 401);
  const status = rpcStatusType().decode(noKey.rawPayload) as unknown as { code: number; message: string };
  assert.equal(status.code, 16);
  assert.match(status.message, /ingest key/);
  assert.equal((await post(t, "/v1/traces", "x", { ...proto, "x-syntra-key": "syn_ing_wrong" })).statusCode, 401);
  const bad = await post(t, "/v1/traces", "{", { "content-type": "application/json", "x-syntra-key": key });
  assert.equal(bad.statusCode, 400);
  assert.equal(typeof bad.json().message, "string");
  assert.equal(
    (await post(t, "/v1/traces", "x", { "content-type": "text/plain", "x-syntra-key": key })).statusCode,
    415,
  );
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  const refused = await post(t, "/v1/traces", bomb, { ...proto, "content-encoding": "gzip", "x-syntra-key": key });
  assert.equal(refused.statusCode, 413);
  assert.equal(
    (await post(t, "/v1/traces", Buffer.alloc(2 * 1024 * 1024), { ...proto, "x-syntra-key": key })).statusCode,
    413,
  );
  // /v1 is OTLP's, never the dashboard's.
  const get = await t.app.inject({ method: "GET", url: "/v1/traces" });
  assert.equal(get.statusCode, 405);
  assert.equal((await t.app.inject({ method: "GET", url: "/v1/other" })).statusCode, 404);
});

test("direct OTLP/HTTP: a key over its rate gets 429 with Retry-After, others are not affected", async (ctx) => {
  const t = await createTestApp({ SYNTRA_OTLP_RATE_PER_KEY: "1", SYNTRA_OPEN_SIGNUP: "true" });
  ctx.after(() => t.close());
  const a = await serviceWithKey(t);
  const b = await serviceWithKey(t);
  // 200 spans in one request at 1 item/s: the first empties the bucket (a request larger than the burst passes
  // when it is full), the next has to wait minutes, whatever time this machine takes between the two.
  const spans = Array.from({ length: 200 }, (_, i) => ({
    traceId: "5b8efff798038103d269b633813fc60c",
    spanId: (i + 1).toString(16).padStart(16, "0"),
    name: "burst",
    startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
    endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
  }));
  const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
  const headers = (key: string) => ({ "content-type": "application/json", "x-syntra-key": key });
  assert.equal((await post(t, "/v1/traces", body, headers(a.key))).statusCode, 200);
  const limited = await post(t, "/v1/traces", body, headers(a.key));
  assert.equal(limited.statusCode, 429);
  assert.ok(Number(limited.headers["retry-after"]) >= 60);
  assert.equal((await post(t, "/v1/traces", body, headers(b.key))).statusCode, 200);
});

test("a telemetry batch is stored once however often it is sent; unusable ones are rejected; other orgs' services dropped", async (ctx) => {
  const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  ctx.after(() => t.close());
  const mine = await serviceWithKey(t);
  const theirs = await serviceWithKey(t);
  const sdk = await sdkRequests();
  const body = encodeBatchBody({
    head: {
      errors: [],
      traces: [],
      logs: [],
      metrics: [],
      health_checks: [
        { service_id: mine.serviceId, timestamp: new Date().toISOString(), is_healthy: true, response_time_ms: 3 },
      ],
      otlp: [
        { service_id: mine.serviceId, signal: "traces", items: 2, bytes: sdk.traces.length },
        { service_id: theirs.serviceId, signal: "logs", items: 1, bytes: sdk.logs.length },
      ],
    },
    payloads: [sdk.traces, sdk.logs],
  });
  const { compression, data } = await compressBatch(body);
  const batch = {
    batch_id: randomUUID(),
    agent_id: "agt_benchagent1",
    compression,
    format: "json+otlp" as const,
    raw_bytes: body.length,
    data: data.toString("base64"),
  };
  const deps = { db: t.deps.db, telemetry: t.deps.telemetry, logger: t.deps.logger, now: () => new Date() };
  const source = { serverId: mine.serverId, orgId: mine.orgId };
  assert.deepEqual(await ingestTelemetryBatch(deps, source, batch), { batch_id: batch.batch_id, status: "stored" });
  assert.equal((await ingestTelemetryBatch(deps, source, batch)).status, "stored");
  const spans = await t.deps.telemetry.getTrace(mine.orgId, sdk.traceId);
  assert.equal(spans.length, 2, "stored once although sent twice");
  const theirLogs = await t.deps.telemetry.searchLogs(
    { orgId: mine.orgId, serviceId: theirs.serviceId },
    { from: new Date(0), to: new Date(Date.now() + 60_000), limit: 10 },
  );
  assert.equal(theirLogs.items.length, 0, "another organization's service gets nothing from this agent");
  const health = await t.call("GET", `/api/v1/services/${mine.serviceId}`, { as: mine.owner });
  assert.equal(health.status, 200);

  const corrupt = { ...batch, batch_id: randomUUID(), data: Buffer.from("not zstd").toString("base64") };
  assert.equal((await ingestTelemetryBatch(deps, source, corrupt)).status, "rejected");
  const lying = { ...batch, batch_id: randomUUID(), raw_bytes: 512 * 1024 * 1024 };
  assert.equal((await ingestTelemetryBatch(deps, source, lying)).status, "rejected");
});

test("a batch as a binary frame over the agent socket is stored and acknowledged; a bad frame gets an error reply", async (ctx) => {
  const t = await createTestApp();
  ctx.after(() => t.close());
  const mine = await serviceWithKey(t);
  const sdk = await sdkRequests();
  const { peer, ack } = await AgentPeer.online(await t.agentUrl(), mine.agentToken, mine.serverId);
  ctx.after(() => peer.close());
  assert.ok(ack.accepted && ack.capabilities?.includes(TELEMETRY_BINARY_CAPABILITY), "hello_ack offers binary frames");
  const traces = { service_id: mine.serviceId, signal: "traces" as const, items: 2, bytes: sdk.traces.length };
  const none = { errors: [], traces: [], logs: [], metrics: [], health_checks: [] };
  const body = encodeBatchBody({ head: { ...none, otlp: [traces] }, payloads: [sdk.traces] });
  const { compression, data } = await compressBatch(body);
  const head = (batchId: string, dataBytes = data.length) =>
    envelope("telemetry_batch", {
      batch_id: batchId,
      agent_id: "agt_benchagent1",
      compression,
      format: "json+otlp" as const,
      raw_bytes: body.length,
      data_bytes: dataBytes,
    });
  const batchId = randomUUID();
  peer.sendRaw(encodeTelemetryBatchFrame(head(batchId), data));
  const stored = await peer.next("telemetry_ack", (m) => m.payload.batch_id === batchId);
  assert.equal(stored.payload.status, "stored");
  const spans = await t.deps.telemetry.getTrace(mine.orgId, sdk.traceId);
  assert.deepEqual(spans.map((s) => s.service_id).sort(), [mine.serviceId, mine.serviceId]);

  // Data of another length than declared: refused as a frame (an error reply), the connection stays.
  const lying = head(randomUUID(), data.length + 1);
  peer.sendRaw(encodeTelemetryBatchFrame(lying, data));
  const error = await peer.next("error");
  assert.equal(error.payload.code, "INVALID_MESSAGE");
  assert.match(error.payload.message, /data bytes, not the \d+ declared/);
  // Well framed but not what it says (not zstd/gzip data): the batch is rejected, as in the JSON form.
  const corruptId = randomUUID();
  const junk = Buffer.from("not compressed at all");
  peer.sendRaw(encodeTelemetryBatchFrame(head(corruptId, junk.length), junk));
  const rejected = await peer.next("telemetry_ack", (m) => m.payload.batch_id === corruptId);
  assert.equal(rejected.payload.status, "rejected");
  assert.ok(t.deps.agents.isOnline(mine.serverId));
});

test("a service's Prometheus scraping is a setting of its own, validated, and travels in its deploy payload", async (ctx) => {
  const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  ctx.after(() => t.close());
  const { owner, serviceId } = await serviceWithKey(t);
  const set = await t.call("PATCH", `/api/v1/services/${serviceId}`, {
    as: owner,
    body: { metrics_scrape: { port: 9100 } },
  });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body.data.metrics_scrape, { path: "/metrics", port: 9100, interval_seconds: 30 });
  const bad = await t.call("PATCH", `/api/v1/services/${serviceId}`, {
    as: owner,
    body: { metrics_scrape: { path: "metrics", interval_seconds: 1 } },
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path).sort(), [
    "body.metrics_scrape.interval_seconds",
    "body.metrics_scrape.path",
  ]);
  const cleared = await t.call("PATCH", `/api/v1/services/${serviceId}`, { as: owner, body: { metrics_scrape: null } });
  assert.equal(cleared.body.data.metrics_scrape, null);
});
