import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
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

test("spans, log records and the error of one request share its trace in the store", async () => {
  const s = await newService(cp, "telemetry@example.com");
  Syntra.init({ dsn: s.dsn, logs: true, serviceName: "shop-web" });
  const traceId = await Syntra.startSpan("checkout", async (span) => {
    await fetch(`${appUrl}/cart`).then((r) => r.text());
    Syntra.captureMessage("checkout finished with a warning", "warning");
    return span.spanContext().traceId;
  });
  assert.equal(await Syntra.flush(30_000), true);

  // The control plane answers OTLP once the data is queued for the store, which writes it a moment later.
  const names = await eventually(
    async () => {
      const trace = await s.api("GET", `/api/v1/traces/${traceId}`);
      const all = (trace.data.spans as { operation_name: string }[]).map((span) => span.operation_name).sort();
      return all.includes("checkout") && all.filter((n) => n.startsWith("GET")).length >= 3 && all;
    },
    { what: "the request's spans (checkout, client and server GETs) stored" },
  );
  assert.ok(names.length >= 4, names.join(", "));
  await eventually(
    async () => {
      const logs = await s.api("GET", `/api/v1/services/${s.serviceId}/logs?search=rendering`);
      return logs.data.some((l: { trace_id?: string }) => l.trace_id === traceId);
    },
    { what: "the console log record stored with the request's trace id" },
  );
  const message = (await s.issues()).find((i) => i.exception_type === "message");
  const [event] = await s.events(message.id);
  assert.equal(event.trace_id, traceId);
});

test("an exception recorded on a span and captured by the SDK is one event, not two", async () => {
  const s = await newService(cp, "linked@example.com");
  // A second init() in the process: its tracing must survive the first one's close (which runs after it).
  Syntra.init({ dsn: s.dsn, logs: false });
  let traceId = "";
  try {
    Syntra.startSpan("import prices", (span) => {
      traceId = span.spanContext().traceId;
      throw new RangeError("price list is empty");
    });
  } catch (err) {
    Syntra.captureException(err);
  }
  assert.equal(await Syntra.flush(30_000), true);
  // The span is stored with its exception event (so the trace shows it) ...
  const trace = await eventually(() => s.api("GET", `/api/v1/traces/${traceId}`), { what: "the span stored" });
  const [span] = trace.data.spans as { events: { name: string; attributes: Record<string, unknown> }[] }[];
  const exception = span?.events.find((e) => e.name === "exception");
  assert.ok(exception?.attributes["syntra.event_id"], JSON.stringify(span?.events));
  // ... and the issue has the SDK's event only.
  const [issue] = await s.issues();
  assert.equal(issue.title, "RangeError: price list is empty");
  assert.equal(issue.event_count, 1);
  const [event] = await s.events(issue.id);
  assert.equal(event.id, exception?.attributes["syntra.event_id"]);
});
