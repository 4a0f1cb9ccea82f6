import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { Syntra } from "../src/node/index";
import { type ControlPlane, newService, startControlPlane } from "./control-plane";

// Traces and logs the SDK sends over OTLP arrive in the control plane's telemetry store (the control plane's direct
// OTLP/HTTP receiver, /v1/traces and /v1/logs): HTTP server and client spans from the OTel instrumentations, a span
// of startSpan, console output as log records with their trace, and the error linked to the same trace.

let cp: ControlPlane;
let app: http.Server;
let appUrl: string;

before(async () => {
  cp = await startControlPlane();
  app = http.createServer(async (req, res) => {
    if (req.url === "/backend") return void res.end("ok");
    // A client call inside the request: the fetch span is a child of the server span.
    await fetch(`${appUrl}/backend`).then((r) => r.text());
    console.info("rendering %s", req.url);
    res.end("page");
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
after(async () => {
  await Syntra.close();
  app.close();
  await cp.close();
});

async function receivesOtlp(): Promise<boolean> {
  const res = await fetch(`${cp.base}/v1/traces`, {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json" },
  });
  return res.status !== 404;
}

test("spans, log records and the error of one request share its trace in the store", async (t) => {
  if (!(await receivesOtlp())) {
    t.skip("this control plane has no OTLP/HTTP receiver (/v1/traces) yet");
    return;
  }
  const s = await newService(cp, "telemetry@example.com");
  Syntra.init({ dsn: s.dsn, logs: true, serviceName: "shop-web" });
  const traceId = await Syntra.startSpan("checkout", async (span) => {
    await fetch(`${appUrl}/cart`).then((r) => r.text());
    Syntra.captureMessage("checkout finished with a warning", "warning");
    return span.spanContext().traceId;
  });
  assert.equal(await Syntra.flush(10_000), true);

  const trace = await s.api("GET", `/api/v1/traces/${traceId}`);
  const names = (trace.data.spans as { operation_name: string }[]).map((span) => span.operation_name).sort();
  assert.ok(names.includes("checkout"), names.join(", "));
  assert.ok(names.filter((n) => n.startsWith("GET")).length >= 3, `client and server spans: ${names.join(", ")}`);
  const logs = await s.api("GET", `/api/v1/services/${s.serviceId}/logs?search=rendering`);
  assert.ok(
    logs.data.some((l: { trace_id?: string }) => l.trace_id === traceId),
    JSON.stringify(logs.data),
  );
  const [issue] = await s.issues();
  const [event] = await s.events(issue.id);
  assert.equal(event.trace_id, traceId);
});
