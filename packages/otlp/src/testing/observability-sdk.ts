// Telemetry for the observability views' browser tests (e2e/dashboard-observability.test.ts), made by the official
// OpenTelemetry JS SDK and sent over OTLP/HTTP protobuf with its exporters to a real agent: an app's server spans
// around its deploys, and one request through three services whose trace context travels in W3C `traceparent`
// headers as between real processes.
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

/** An app's SDK: its resource (as Syntra injects it) and its ingest key. */
export interface AppSdk {
  name: string;
  key: string;
  /** OTEL_RESOURCE_ATTRIBUTES as the deploy injected them (deployment.id, service.version, ...). */
  resource: Record<string, string>;
}

/** Parses OTEL_RESOURCE_ATTRIBUTES (`k=v,k2=v2`, values percent-encoded) as the SDK does. */
export function parseResourceAttributes(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of value.split(",")) {
    const at = pair.indexOf("=");
    if (at > 0) out[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return out;
}

/** A tracer provider exporting to the agent's OTLP/HTTP with the app's key; `flush()` sends what it recorded. */
function tracerOf(httpUrl: string, app: AppSdk) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": app.name, ...app.resource }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${httpUrl}/v1/traces`, headers: { "x-syntra-key": app.key } }),
        { maxQueueSize: 20_000, maxExportBatchSize: 2000 },
      ),
    ],
  });
  return { tracer: provider.getTracer("syntra-e2e", "1.0.0"), flush: () => provider.forceFlush(), provider };
}

/**
 * `count` server spans of an app at the given instants (`at(i)` in ms since the epoch), `failed(i)` of them answered
 * 500 with an error status, as an HTTP server instrumentation records them.
 */
export async function sendRequests(
  httpUrl: string,
  app: AppSdk,
  count: number,
  at: (i: number) => number,
  failed: (i: number) => boolean,
): Promise<void> {
  const { tracer, flush, provider } = tracerOf(httpUrl, app);
  for (let i = 0; i < count; i++) {
    const start = at(i);
    const bad = failed(i);
    const span = tracer.startSpan("GET /checkout", {
      kind: SpanKind.SERVER,
      startTime: start,
      attributes: {
        "http.request.method": "GET",
        "http.route": "/checkout",
        "http.response.status_code": bad ? 500 : 200,
      },
    });
    if (bad) span.setStatus({ code: SpanStatusCode.ERROR, message: "payment backend unavailable" });
    span.end(start + 20 + (i % 10) * 3);
  }
  await flush();
  await provider.shutdown();
}

/** What a three-service request left: its trace id and span ids by name, in the nesting expected. */
export interface ThreeServiceTrace {
  traceId: string;
  /** [operation, service name, depth] in the waterfall's order. */
  expected: [string, string, number][];
  apiSpanId: string;
}

/**
 * One checkout request through `front` -> `api` -> `db`: each hop a client span in the caller and a server span in the
 * callee, the context carried in a `traceparent` header between them (each service its own SDK, resource and key).
 * The api writes a log record inside its server span; the db query fails.
 */
export async function sendThreeServiceTrace(
  httpUrl: string,
  apps: { front: AppSdk; api: AppSdk; db: AppSdk },
): Promise<ThreeServiceTrace> {
  const w3c = new W3CTraceContextPropagator();
  propagation.setGlobalPropagator(w3c);
  const front = tracerOf(httpUrl, apps.front);
  const api = tracerOf(httpUrl, apps.api);
  const db = tracerOf(httpUrl, apps.db);
  const logs = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": apps.api.name, ...apps.api.resource }),
    processors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${httpUrl}/v1/logs`, headers: { "x-syntra-key": apps.api.key } }),
      }),
    ],
  });
  const t0 = Date.now() - 2000;
  const hop = (
    caller: ReturnType<typeof tracerOf>,
    callee: ReturnType<typeof tracerOf>,
    parent: ReturnType<typeof context.active>,
    names: [string, string],
    start: number,
    body: (serverContext: ReturnType<typeof context.active>, start: number) => number,
  ): number => {
    const client = caller.tracer.startSpan(names[0], { kind: SpanKind.CLIENT, startTime: start }, parent);
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, client), headers);
    // The callee reads the header, as its HTTP server instrumentation would.
    const incoming = propagation.extract(context.active(), headers);
    const server = callee.tracer.startSpan(names[1], { kind: SpanKind.SERVER, startTime: start + 2 }, incoming);
    const end = body(trace.setSpan(incoming, server), start + 3);
    server.end(end);
    client.end(end + 1);
    return end + 1;
  };
  const root = front.tracer.startSpan("GET /checkout", { kind: SpanKind.SERVER, startTime: t0 });
  const rootContext = trace.setSpan(context.active(), root);
  let apiSpanId = "";
  const end = hop(front, api, rootContext, ["POST api/orders", "POST /orders"], t0 + 5, (apiContext, start) => {
    apiSpanId = trace.getSpan(apiContext)?.spanContext().spanId ?? "";
    logs.getLogger("orders").emit({
      severityNumber: SeverityNumber.WARN,
      severityText: "WARN",
      body: "order 42: stock low, reserving anyway",
      attributes: { "order.id": 42 },
      context: apiContext,
    });
    return hop(api, db, apiContext, ["query orders-db", "SELECT orders"], start + 10, (dbContext, s) => {
      const span = trace.getSpan(dbContext);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: "deadlock detected" });
      span?.setAttribute("db.system", "postgresql");
      return s + 80;
    });
  });
  root.end(end + 4);
  await Promise.all([front.flush(), api.flush(), db.flush(), logs.forceFlush()]);
  await Promise.all([front.provider.shutdown(), api.provider.shutdown(), db.provider.shutdown(), logs.shutdown()]);
  return {
    traceId: root.spanContext().traceId,
    apiSpanId,
    expected: [
      ["GET /checkout", apps.front.name, 0],
      ["POST api/orders", apps.front.name, 1],
      ["POST /orders", apps.api.name, 2],
      ["query orders-db", apps.api.name, 3],
      ["SELECT orders", apps.db.name, 4],
    ],
  };
}
