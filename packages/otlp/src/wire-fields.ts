import type protobuf from "protobufjs";
import { otlpRoot } from "./proto";

const P = "opentelemetry.proto";

/** A message type of the official protos by its full name. */
export function otlpType(name: string): protobuf.Type {
  return otlpRoot().lookupType(`${P}.${name}`);
}

/**
 * The field numbers of a message type, by field name, taken from the official protos (never written down here), for
 * code that walks the wire format itself (counting items, converting spans straight to rows).
 */
function fieldsOf<const K extends string>(type: string, names: readonly K[]): Record<K, number> {
  const fields = otlpType(type).fields;
  const out = {} as Record<K, number>;
  for (const name of names) {
    const id = fields[name]?.id;
    if (id === undefined) throw new Error(`${type} has no field ${name}`);
    out[name] = id;
  }
  return out;
}

/** Field numbers of the OTLP messages on the way from a request to its spans and log records. */
export const otlpFields = {
  traceRequest: fieldsOf("collector.trace.v1.ExportTraceServiceRequest", ["resourceSpans"]),
  logsRequest: fieldsOf("collector.logs.v1.ExportLogsServiceRequest", ["resourceLogs"]),
  metricsRequest: fieldsOf("collector.metrics.v1.ExportMetricsServiceRequest", ["resourceMetrics"]),
  resourceSpans: fieldsOf("trace.v1.ResourceSpans", ["resource", "scopeSpans"]),
  scopeSpans: fieldsOf("trace.v1.ScopeSpans", ["scope", "spans"]),
  resourceLogs: fieldsOf("logs.v1.ResourceLogs", ["resource", "scopeLogs"]),
  scopeLogs: fieldsOf("logs.v1.ScopeLogs", ["scope", "logRecords"]),
  resourceMetrics: fieldsOf("metrics.v1.ResourceMetrics", ["scopeMetrics"]),
  scopeMetrics: fieldsOf("metrics.v1.ScopeMetrics", ["metrics"]),
  span: fieldsOf("trace.v1.Span", [
    "traceId",
    "spanId",
    "traceState",
    "parentSpanId",
    "flags",
    "name",
    "kind",
    "startTimeUnixNano",
    "endTimeUnixNano",
    "attributes",
    "droppedAttributesCount",
    "events",
    "droppedEventsCount",
    "links",
    "droppedLinksCount",
    "status",
  ]),
  status: fieldsOf("trace.v1.Status", ["message", "code"]),
  logRecord: fieldsOf("logs.v1.LogRecord", [
    "timeUnixNano",
    "observedTimeUnixNano",
    "severityNumber",
    "severityText",
    "body",
    "attributes",
    "droppedAttributesCount",
    "flags",
    "traceId",
    "spanId",
    "eventName",
  ]),
  keyValue: fieldsOf("common.v1.KeyValue", ["key", "value"]),
  anyValue: fieldsOf("common.v1.AnyValue", [
    "stringValue",
    "boolValue",
    "intValue",
    "doubleValue",
    "arrayValue",
    "kvlistValue",
    "bytesValue",
  ]),
} as const;

/** Protobuf wire types. */
export const WireType = { varint: 0, fixed64: 1, len: 2, fixed32: 5 } as const;
