/*
 * The decoded shapes of the OTLP messages Syntra reads (protobufjs objects, field names in lowerCamelCase). Only the
 * fields Syntra uses are typed. 64-bit integers decode as `Long` (protobufjs' default), read with `toNumber`.
 * A oneof's set member is named by its virtual property (`value`, `data`); the others hold prototype defaults.
 */

/** protobufjs' 64-bit integer (from the `long` package) or a plain number. */
export type Int64 = number | { toNumber(): number; toString(): string };

export interface AnyValue {
  value?: "stringValue" | "boolValue" | "intValue" | "doubleValue" | "arrayValue" | "kvlistValue" | "bytesValue";
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values: AnyValue[] };
  kvlistValue?: { values: KeyValue[] };
  bytesValue?: Uint8Array;
}

export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

export interface Resource {
  attributes: KeyValue[];
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: KeyValue[];
}

export interface SpanEvent {
  timeUnixNano: Int64;
  name: string;
  attributes: KeyValue[];
}

export interface SpanLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: KeyValue[];
}

export interface Span {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  /** SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: KeyValue[];
  events: SpanEvent[];
  links: SpanLink[];
  /** StatusCode: 0 unset, 1 ok, 2 error. */
  status?: { message: string; code: number } | null;
}

export interface ScopeSpans {
  scope?: InstrumentationScope | null;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource?: Resource | null;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

export interface ExportTraceServiceRequest {
  resourceSpans: ResourceSpans[];
}

export interface LogRecord {
  timeUnixNano: Int64;
  observedTimeUnixNano: Int64;
  severityNumber: number;
  severityText: string;
  body?: AnyValue | null;
  attributes: KeyValue[];
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}

export interface ScopeLogs {
  scope?: InstrumentationScope | null;
  logRecords: LogRecord[];
}

export interface ResourceLogs {
  resource?: Resource | null;
  scopeLogs: ScopeLogs[];
}

export interface ExportLogsServiceRequest {
  resourceLogs: ResourceLogs[];
}

export interface NumberDataPoint {
  attributes: KeyValue[];
  timeUnixNano: Int64;
  value?: "asDouble" | "asInt";
  asDouble?: number;
  asInt?: Int64;
}

export interface HistogramDataPoint {
  attributes: KeyValue[];
  timeUnixNano: Int64;
  count: Int64;
  sum?: number | null;
  bucketCounts: Int64[];
  explicitBounds: number[];
}

export interface ExponentialHistogramDataPoint {
  attributes: KeyValue[];
  timeUnixNano: Int64;
  count: Int64;
  sum?: number | null;
  scale: number;
  zeroCount: Int64;
  positive?: { offset: number; bucketCounts: Int64[] } | null;
  negative?: { offset: number; bucketCounts: Int64[] } | null;
}

export interface SummaryDataPoint {
  attributes: KeyValue[];
  timeUnixNano: Int64;
  count: Int64;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

export interface Metric {
  name: string;
  unit: string;
  data?: "gauge" | "sum" | "histogram" | "exponentialHistogram" | "summary";
  gauge?: { dataPoints: NumberDataPoint[] };
  sum?: { dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: HistogramDataPoint[]; aggregationTemporality: number };
  exponentialHistogram?: { dataPoints: ExponentialHistogramDataPoint[]; aggregationTemporality: number };
  summary?: { dataPoints: SummaryDataPoint[] };
}

export interface ScopeMetrics {
  scope?: InstrumentationScope | null;
  metrics: Metric[];
}

export interface ResourceMetrics {
  resource?: Resource | null;
  scopeMetrics: ScopeMetrics[];
}

export interface ExportMetricsServiceRequest {
  resourceMetrics: ResourceMetrics[];
}

/** The decoded request of each signal. */
export interface OtlpRequestOf {
  traces: ExportTraceServiceRequest;
  logs: ExportLogsServiceRequest;
  metrics: ExportMetricsServiceRequest;
}

/** Reads a 64-bit integer as a number (exact below 2^53; nanosecond timestamps keep ~0.25 µs). */
export function int64(value: Int64 | null | undefined): number {
  if (value === undefined || value === null) return 0;
  return typeof value === "number" ? value : value.toNumber();
}
