import type { LogRow, MetricRow, SpanRow } from "./types";

/** The deployment id stored when a sample names none (UUID columns are not Nullable, see the migration). */
export const NO_DEPLOYMENT = "00000000-0000-0000-0000-000000000000";

/**
 * Nanoseconds since the epoch (a JSON double) -> `seconds.nanoseconds`, which ClickHouse reads into DateTime64(9).
 * Rounded to whole microseconds: a double of today's epoch in ns is only exact to ~256 ns, so finer digits would be
 * noise (and a time sent in whole microseconds, as most SDKs' clocks give, comes back exactly).
 */
export function nanosToDecimal(ns: number): string {
  const whole = BigInt(Math.round(ns / 1000)) * 1000n;
  const seconds = whole / 1_000_000_000n;
  const fraction = (whole % 1_000_000_000n).toString().padStart(9, "0");
  return `${seconds}.${fraction}`;
}

// Attribute values may be numbers, booleans or (in logs) any JSON: the Map column holds strings.
function stringMap(record: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  }
  return out;
}

/** A span as one JSONEachRow line of the `traces` table. */
export function spanLine(span: SpanRow): string {
  return JSON.stringify({
    org_id: span.org_id,
    service_id: span.service_id,
    deployment_id: span.deployment_id,
    trace_id: span.trace_id,
    span_id: span.span_id,
    parent_span_id: span.parent_span_id ?? "",
    operation_name: span.operation_name,
    span_kind: span.span_kind,
    start_time: nanosToDecimal(span.start_time_ns),
    duration_ns: Math.round(span.duration_ns),
    status_code: span.status.code,
    status_message: span.status.message ?? "",
    attributes: stringMap(span.attributes),
    events: JSON.stringify(span.events),
    sample_weight: span.sample_weight ?? 1,
  });
}

/** A log record as one JSONEachRow line of the `logs` table (the ISO timestamp is read as it is). */
export function logLine(log: LogRow): string {
  return JSON.stringify({
    org_id: log.org_id,
    service_id: log.service_id,
    deployment_id: log.deployment_id,
    timestamp: log.timestamp,
    level: log.level,
    message: log.message,
    attributes: stringMap(log.attributes),
    trace_id: log.trace_id ?? "",
    span_id: log.span_id ?? "",
    source: log.source,
  });
}

/** A metric sample as one JSONEachRow line of the `metrics_raw` table. */
export function metricLine(metric: MetricRow): string {
  return JSON.stringify({
    org_id: metric.org_id,
    service_id: metric.service_id,
    deployment_id: metric.deployment_id ?? NO_DEPLOYMENT,
    metric_name: metric.name,
    metric_type: metric.type,
    timestamp: metric.timestamp,
    value: metric.value,
    labels: metric.labels,
    bucket_bounds: metric.histogram_buckets?.map((b) => b.le) ?? [],
    bucket_counts: metric.histogram_buckets?.map((b) => b.count) ?? [],
  });
}
