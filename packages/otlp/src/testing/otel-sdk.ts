// Telemetry made and sent by the official OpenTelemetry JS SDK and its exporters, for end-to-end tests (e2e/): the app side
// of "an app with an OTel SDK reports to Syntra".
import { randomUUID } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as GrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** How the SDK reaches Syntra: which OTLP transport, where, with which key. */
export type Transport = "grpc" | "http/protobuf" | "http/json";

/** A trace the SDK recorded: a server span and a failed client span under it. */
export interface RecordedTrace {
  traceId: string;
  rootSpanId: string;
  childSpanId: string;
  spans: ReadableSpan[];
}

/** Records one trace with the SDK (operation names carry `label`, so tests can tell traces apart). */
export async function recordTrace(label: string, resource: Record<string, string>): Promise<RecordedTrace> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "shop", ...resource }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer("e2e", "1.0.0");
  const root = tracer.startSpan(`GET /${label}`, {
    kind: SpanKind.SERVER,
    attributes: { "http.request.method": "GET", "http.response.status_code": 502, label },
  });
  const child = tracer.startSpan(
    `SELECT ${label}`,
    { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql" } },
    trace.setSpan(context.active(), root),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: "connection reset" });
  child.end();
  root.end();
  await provider.forceFlush();
  return {
    traceId: root.spanContext().traceId,
    rootSpanId: root.spanContext().spanId,
    childSpanId: child.spanContext().spanId,
    spans: memory.getFinishedSpans(),
  };
}

function resultOf(run: (done: (result: ExportResult) => void) => void): Promise<ExportResult> {
  return new Promise((resolve) => run(resolve));
}

/** Exports spans through the official exporter of a transport; resolves with the exporter's result. */
export async function exportSpans(
  transport: Transport,
  endpoint: { httpUrl: string; grpcAddress: string },
  key: string,
  spans: ReadableSpan[],
): Promise<ExportResult> {
  const headers = { "x-syntra-key": key };
  let exporter: GrpcTraceExporter | ProtoTraceExporter | JsonTraceExporter;
  if (transport === "grpc") {
    const metadata = new Metadata();
    metadata.set("x-syntra-key", key);
    exporter = new GrpcTraceExporter({
      url: `http://${endpoint.grpcAddress}`,
      metadata,
      compression: CompressionAlgorithm.GZIP,
    });
  } else if (transport === "http/protobuf") {
    exporter = new ProtoTraceExporter({
      url: `${endpoint.httpUrl}/v1/traces`,
      headers,
      compression: CompressionAlgorithm.GZIP,
    });
  } else {
    exporter = new JsonTraceExporter({ url: `${endpoint.httpUrl}/v1/traces`, headers });
  }
  try {
    return await resultOf((done) => exporter.export(spans, done));
  } finally {
    await exporter.shutdown();
  }
}

/** Emits one log record inside the trace and exports it over OTLP/HTTP protobuf. */
export async function exportLog(
  httpUrl: string,
  key: string,
  recorded: RecordedTrace,
  resource: Record<string, string>,
): Promise<ExportResult> {
  const memory = new InMemoryLogRecordExporter();
  const logs = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "shop", ...resource }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const parent = trace.setSpanContext(context.active(), {
    traceId: recorded.traceId,
    spanId: recorded.rootSpanId,
    traceFlags: 1,
  });
  logs.getLogger("e2e").emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: "payment provider unreachable",
    attributes: { "order.id": 42 },
    context: parent,
  });
  await logs.forceFlush();
  const exporter = new OTLPLogExporter({ url: `${httpUrl}/v1/logs`, headers: { "x-syntra-key": key } });
  try {
    return await resultOf((done) => exporter.export(memory.getFinishedLogRecords(), done));
  } finally {
    await exporter.shutdown();
  }
}

/** Records a counter (`name`, +5 with label route=/pay) and exports it over OTLP/HTTP protobuf. */
export async function exportCounter(
  httpUrl: string,
  key: string,
  name: string,
  resource: Record<string, string>,
): Promise<ExportResult> {
  const memory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: memory, exportIntervalMillis: 60_000 });
  const meter = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "shop", ...resource }),
    readers: [reader],
  }).getMeter("e2e");
  meter.createCounter(name).add(5, { route: "/pay" });
  await reader.forceFlush();
  const [metrics] = memory.getMetrics().slice(-1);
  if (!metrics) throw new Error("the SDK recorded no metrics");
  const exporter = new OTLPMetricExporter({ url: `${httpUrl}/v1/metrics`, headers: { "x-syntra-key": key } });
  try {
    return await resultOf((done) => exporter.export(metrics, done));
  } finally {
    await exporter.shutdown();
  }
}

/** True for a successful export. */
export function succeeded(result: ExportResult): boolean {
  return result.code === ExportResultCode.SUCCESS;
}

/** A deployment id for the resource, as Syntra injects it (OTEL_RESOURCE_ATTRIBUTES=deployment.id=…). */
export function someDeploymentId(): string {
  return randomUUID();
}
