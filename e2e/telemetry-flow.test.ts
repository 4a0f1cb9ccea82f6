// Telemetry end to end: the official OpenTelemetry JS SDK sends to a real agent process over OTLP/gRPC, OTLP/HTTP
// protobuf and OTLP/JSON; the agent buffers, batches and ships it over its WebSocket; the control plane stores it in
// chDB; the query API answers it with the right service, deployment, parent links, attributes and timestamps.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { imageServiceBody } from "../apps/server/src/testing/fixtures";
import {
  exportCounter,
  exportLog,
  exportSpans,
  type RecordedTrace,
  recordTrace,
  someDeploymentId,
  succeeded,
  type Transport,
} from "../packages/otlp/src/testing/otel-sdk";
import { type Stack, startStack } from "./stack";

/** Waits for `check` to hold (see `eventually`), with what to show when it does not. */
function waitFor(check: () => Promise<boolean>, timeoutMs: number, diagnostic: () => string): Promise<boolean> {
  return eventually(check, { timeoutMs, diagnostic });
}

let stack: Stack;
let serviceId: string;
let key: string;

before(async () => {
  stack = await startStack();
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "telemetry" } });
  const service = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: stack.owner,
    body: imageServiceBody("shop", stack.serverId),
  });
  serviceId = service.body.data.id;
  const ingest = await stack.t.call("GET", `/api/v1/services/${serviceId}/ingest`, { as: stack.owner });
  key = ingest.body.data.key;
  // The agent learns the new service's key with the next ingest_keys list (each sweep, every second here).
  await waitFor(
    async () => (await postOtlp("/v1/traces", key, "{}")).status === 200,
    30_000,
    () => stack.agent.output(),
  );
});

after(() => stack?.close());

function postOtlp(path: string, ingestKey: string | null, body: string | Buffer, type = "application/json") {
  return fetch(`${stack.otlp.httpUrl}${path}`, {
    method: "POST",
    headers: { "content-type": type, ...(ingestKey ? { "x-syntra-key": ingestKey } : {}) },
    body,
  });
}

/** The trace's spans once `count` of them are stored. */
function spansWhenStored(traceId: string, count: number): Promise<Record<string, unknown>[]> {
  return eventually(
    async () => {
      const spans = await spansOf(traceId);
      return spans.length === count && spans;
    },
    { diagnostic: () => stack.agent.output() },
  );
}

async function spansOf(traceId: string): Promise<Record<string, unknown>[]> {
  const res = await stack.t.call("GET", `/api/v1/traces/${traceId}`, { as: stack.owner });
  return res.status === 200 ? (res.body.data.spans ?? res.body.data) : [];
}

test("spans from the official JS SDK over gRPC, HTTP protobuf and OTLP/JSON are answered by the query API", async () => {
  const deploymentId = someDeploymentId();
  const recorded: RecordedTrace[] = [];
  for (const transport of ["grpc", "http/protobuf", "http/json"] satisfies Transport[]) {
    const trace = await recordTrace(transport.replace("/", "-"), { "deployment.id": deploymentId });
    const result = await exportSpans(transport, stack.otlp, key, trace.spans);
    assert.ok(succeeded(result), `${transport}: ${result.error?.message}`);
    recorded.push(trace);
  }
  for (const trace of recorded) {
    const spans = await spansWhenStored(trace.traceId, 2);
    const root = spans.find((s) => s.span_id === trace.rootSpanId);
    const child = spans.find((s) => s.span_id === trace.childSpanId);
    assert.ok(root && child, JSON.stringify(spans));
    assert.equal(root.parent_span_id, null);
    assert.equal(child.parent_span_id, trace.rootSpanId);
    for (const span of [root, child]) {
      assert.equal(span.service_id, serviceId);
      assert.equal(span.deployment_id, deploymentId);
      assert.equal(span.trace_id, trace.traceId);
    }
    assert.equal(root.span_kind, "server");
    assert.equal(child.status_code, "error");
    assert.equal(child.status_message, "connection reset");
    const attributes = root.attributes as Record<string, string>;
    assert.equal(attributes["http.response.status_code"], "502");
    assert.equal(attributes["service.name"], "shop");
    // The SDK's own start time, to the millisecond.
    const sdkRoot = trace.spans.find((s) => s.spanContext().spanId === trace.rootSpanId);
    assert.ok(sdkRoot);
    const sdkStartMs = sdkRoot.startTime[0] * 1000 + Math.floor(sdkRoot.startTime[1] / 1e6);
    assert.equal(Date.parse(root.start_time as string), sdkStartMs);
  }
});

test("log records and metrics from the JS SDK land in the service's logs and metrics", async () => {
  const deploymentId = someDeploymentId();
  const trace = await recordTrace("logs", { "deployment.id": deploymentId });
  assert.ok(succeeded(await exportLog(stack.otlp.httpUrl, key, trace, { "deployment.id": deploymentId })));
  assert.ok(succeeded(await exportCounter(stack.otlp.httpUrl, key, "payments_total", {})));
  let entry: Record<string, unknown> | undefined;
  await waitFor(
    async () => {
      const res = await stack.t.call("GET", `/api/v1/services/${serviceId}/logs?search=payment%20provider`, {
        as: stack.owner,
      });
      entry = res.body.data?.[0];
      return entry !== undefined;
    },
    30_000,
    () => stack.agent.output(),
  );
  assert.equal(entry?.level, "error");
  assert.equal(entry?.message, "payment provider unreachable");
  assert.equal(entry?.trace_id, trace.traceId);
  assert.equal(entry?.deployment_id, deploymentId);
  let series: { name: string; labels: Record<string, string>; points: { value: number }[] }[] = [];
  await waitFor(
    async () => {
      const res = await stack.t.call(
        "GET",
        `/api/v1/services/${serviceId}/metrics?metrics=payments_total&interval=1m`,
        {
          as: stack.owner,
        },
      );
      series = res.body.data ?? [];
      return series.length > 0;
    },
    30_000,
    () => stack.agent.output(),
  );
  assert.equal(series[0]?.name, "payments_total");
  assert.deepEqual(series[0]?.labels, { route: "/pay" });
});

test("the agent refuses wrong keys, bad bodies and bombs with OTLP's statuses and stays up", async () => {
  const noKey = await postOtlp("/v1/traces", null, "{}");
  assert.equal(noKey.status, 401);
  assert.match(((await noKey.json()) as { message: string }).message, /ingest key/);
  assert.equal((await postOtlp("/v1/traces", "syn_ing_00000000000000000000000000000000", "{}")).status, 401);
  const wrongKey = await exportSpans("grpc", stack.otlp, "syn_ing_nope", (await recordTrace("nokey", {})).spans);
  assert.equal(succeeded(wrongKey), false);
  assert.match(String(wrongKey.error?.message), /UNAUTHENTICATED|unknown ingest key/);
  assert.equal((await postOtlp("/v1/traces", key, "{not json")).status, 400);
  const garbage = await postOtlp("/v1/traces", key, Buffer.from("this is not protobuf"), "application/x-protobuf");
  assert.equal(garbage.status, 400);
  assert.equal((await postOtlp("/v1/traces", key, "{}", "text/plain")).status, 415);
  assert.equal((await postOtlp("/v1/nothing", key, "{}")).status, 404);
  // 100 MiB of zeros, gzipped to about 100 KiB: refused past the decompressed limit, never inflated in full.
  const { gzipSync } = await import("node:zlib");
  const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024), { level: 9 });
  const refused = await fetch(`${stack.otlp.httpUrl}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "gzip", "x-syntra-key": key },
    body: bomb,
  });
  assert.equal(refused.status, 413);
  // Still serving.
  assert.equal((await postOtlp("/v1/traces", key, "{}")).status, 200);
  // The refusals are counted and reach the API with the next batch.
  await waitFor(
    async () => {
      const res = await stack.t.call("GET", `/api/v1/servers/${stack.serverId}/telemetry`, { as: stack.owner });
      return (res.body.data?.refused_requests ?? 0) >= 6;
    },
    30_000,
    () => stack.agent.output(),
  );
});

test("a deployed container's stdout and stderr are searchable within seconds, once each, across an agent kill", async () => {
  const { webappImage } = await import("@syntra/testing/images");
  const { deployAndWait } = await import("./stack");
  const Dockerode = (await import("dockerode")).default;
  await webappImage("v1");
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "logs" } });
  const created = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: stack.owner,
    body: { ...imageServiceBody("web", stack.serverId), source_config: { image: "syntra-test/webapp", tag: "v1" } },
  });
  const webId: string = created.body.data.id;
  const deployment = await deployAndWait(stack, webId, {});
  assert.equal(deployment.status, "running", deployment.error_message ?? "");
  const search = async (text: string) => {
    const res = await stack.t.call(
      "GET",
      `/api/v1/services/${webId}/logs?search=${encodeURIComponent(text)}&limit=100`,
      {
        as: stack.owner,
      },
    );
    return (res.body.data ?? []) as { message: string; level: string; source: string; deployment_id: string }[];
  };
  const found = async (text: string) => {
    const lines = await search(text);
    return lines.length > 0 && lines;
  };
  const diagnostic = () => stack.agent.output();
  const started = await eventually(() => found("webapp v1 starting"), { diagnostic });
  assert.deepEqual(
    started.map((l) => [l.source, l.level, l.deployment_id]),
    [["stdout", "info", deployment.id]],
  );
  const stderr = await eventually(() => found("stderr line"), { diagnostic });
  assert.equal(stderr[0]?.source, "stderr");

  // Killed and started again, the agent resumes where it was: new lines arrive, old ones are not repeated.
  await stack.agent.kill();
  stack.agent = stack.startAgent();
  const [container] = await new Dockerode().listContainers({ filters: { label: [`dev.syntra.service_id=${webId}`] } });
  // Containers publish no port (Caddy reaches them on their project network): the app is called at its address.
  const address = Object.values(container?.NetworkSettings.Networks ?? {})[0]?.IPAddress;
  assert.ok(address, "the container has an address on its project network");
  const port: number = created.body.data.port;
  await waitFor(
    async () => {
      // busybox httpd -v logs each request as "<client>: response:<status>".
      await fetch(`http://${address}:${port}/after-restart`).catch(() => undefined);
      return (await search("response:404")).length > 0;
    },
    60_000,
    () => stack.agent.output(),
  );
  assert.equal((await search("webapp v1 starting")).length, 1);
  assert.equal((await search("stderr line")).length, 1);
});

test("the official Python SDK's traces (gRPC and HTTP) and metrics arrive with their service and deployment", async () => {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const { existsSync } = await import("node:fs");
  const path = await import("node:path");
  const python = path.resolve(import.meta.dirname, "../.test-services/python/otel/bin/python");
  assert.ok(existsSync(python), "run `bash scripts/services/python.sh start` (scripts/test.sh does) to make the venv");
  const deploymentId = someDeploymentId();
  const { stdout } = await promisify(execFile)(
    python,
    [
      path.join(import.meta.dirname, "fixtures/otel_app.py"),
      stack.otlp.grpcAddress,
      stack.otlp.httpUrl,
      key,
      deploymentId,
    ],
    { timeout: 60_000 },
  );
  const sent = JSON.parse(stdout) as Record<string, { trace_id: string; root: string; child: string }>;
  for (const [transport, ids] of Object.entries(sent)) {
    const spans = await spansWhenStored(ids.trace_id, 2);
    const child = spans.find((s) => s.span_id === ids.child);
    assert.equal(child?.parent_span_id, ids.root, transport);
    assert.equal(child?.service_id, serviceId);
    assert.equal(child?.deployment_id, deploymentId);
    const attributes = (child?.attributes ?? {}) as Record<string, string>;
    assert.equal(attributes["py.answer"], "42");
    assert.equal(attributes["telemetry.sdk.language"], "python");
  }
  await waitFor(
    async () => {
      const res = await stack.t.call(
        "GET",
        `/api/v1/services/${serviceId}/metrics?metrics=py_orders_total&interval=1m`,
        {
          as: stack.owner,
        },
      );
      return (res.body.data ?? []).some((s: { labels: Record<string, string> }) => s.labels.shop === "py");
    },
    30_000,
    () => stack.agent.output(),
  );
});
