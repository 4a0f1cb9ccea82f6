import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import {
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/**
 * OTLP requests made by the official OpenTelemetry JS SDK and its own serializers (the bytes its exporters send),
 * for tests of decoding and conversion: a small trace (a server span with a client child that failed), a log
 * record inside it, and a counter and a histogram.
 */
export async function sdkRequests(resourceAttributes: Record<string, string> = {}) {
  const resource = resourceFromAttributes({ "service.name": "checkout", ...resourceAttributes });
  const spanExporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  }).getTracer("test-scope", "1.2.3");
  const logExporter = new InMemoryLogRecordExporter();
  const logs = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });

  const root = tracer.startSpan("GET /orders/:id", {
    kind: SpanKind.SERVER,
    attributes: { "http.request.method": "GET", "http.response.status_code": 500 },
  });
  const rootContext = root.spanContext();
  const { trace, context } = await import("@opentelemetry/api");
  const parent = trace.setSpan(context.active(), root);
  const child = tracer.startSpan("SELECT orders", { kind: SpanKind.CLIENT, attributes: { "db.rows": 0 } }, parent);
  child.recordException(new TypeError("order is undefined"));
  child.setStatus({ code: SpanStatusCode.ERROR, message: "no such order" });
  child.end();
  logs.getLogger("test-scope").emit({
    severityNumber: SeverityNumber.WARN,
    severityText: "WARN",
    body: "order 17 not found",
    attributes: { "order.id": 17 },
    context: parent,
  });
  root.end();
  await logs.forceFlush();

  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
  const meter = new MeterProvider({ resource, readers: [reader] }).getMeter("test-scope");
  meter.createCounter("orders_total").add(3, { status: "500" });
  const histogram = meter.createHistogram("latency_ms", { advice: { explicitBucketBoundaries: [10, 100, 1000] } });
  for (const v of [5, 50, 50, 5000]) histogram.record(v, { route: "/orders/:id" });
  await reader.forceFlush();

  const spans = spanExporter.getFinishedSpans();
  const [resourceMetrics] = metricExporter.getMetrics().slice(-1);
  if (!resourceMetrics) throw new Error("the metric reader exported nothing");
  return {
    rootSpanId: rootContext.spanId,
    traceId: rootContext.traceId,
    traces: ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array,
    tracesJson: JsonTraceSerializer.serializeRequest(spans) as Uint8Array,
    logs: ProtobufLogsSerializer.serializeRequest(logExporter.getFinishedLogRecords()) as Uint8Array,
    metrics: ProtobufMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array,
  };
}
