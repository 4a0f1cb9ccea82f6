import { z } from "zod";
import { isoTimestamp, stringRecord, uuid } from "../common";
import { nanoseconds, spanEvent, spanId, traceId } from "../telemetry/traces";
import { attributeFilters } from "./attribute-filters";
import { fromNotAfterTo, timeRangeFields, timeRangeIssue } from "./time-range";

/** GET /services/:serviceId/traces query: traces whose root span matches, newest first. */
export const tracesQuery = z
  .strictObject({
    ...timeRangeFields,
    // Bounded like every input: ClickHouse compares it as a 64-bit nanosecond count (a 1e308 was a 500); a week.
    min_duration_ms: z.coerce.number().nonnegative().max(604_800_000).optional(),
    status: z.enum(["ok", "error"]).optional(),
    operation: z.string().min(1).max(255).optional(),
    /** `key:value` filters: traces where some span (any service's, not only the root) has the attribute (a Syntra addition). */
    attribute: attributeFilters.optional(),
    // Up to 1000, so a scatter of durations over time has enough points (a Syntra addition; the contracts say 100).
    limit: z.coerce.number().int().min(1).max(1000).default(20),
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type TracesQuery = z.infer<typeof tracesQuery>;

/** One item of GET /services/:serviceId/traces: a trace summed up by its root span. */
export const traceSummary = z.object({
  trace_id: traceId,
  root_operation: z.string(),
  service_id: uuid,
  start_time: isoTimestamp,
  duration_ms: z.number().nonnegative(),
  span_count: z.number().int().positive(),
  /** `error` when any span of the trace failed, otherwise the root span's status. */
  status: z.enum(["ok", "error", "unset"]),
  /** Every service with a span in the trace (a Syntra addition to the contracts). */
  service_ids: z.array(uuid),
});
export type TraceSummary = z.infer<typeof traceSummary>;

/** One span as stored in the `traces` table; attributes are strings there, and a root span has no parent. */
export const span = z.object({
  trace_id: traceId,
  span_id: spanId,
  parent_span_id: spanId.nullable(),
  service_id: uuid,
  /** The deployment that produced the span (a Syntra addition to the contracts). */
  deployment_id: uuid,
  operation_name: z.string(),
  span_kind: z.enum(["internal", "server", "client", "producer", "consumer"]),
  start_time: isoTimestamp,
  duration_ns: nanoseconds,
  status_code: z.enum(["unset", "ok", "error"]),
  status_message: z.string(),
  attributes: stringRecord,
  events: z.array(spanEvent),
  /** How many spans this stored span stands for (1 unless the agent sampled the trace). */
  sample_weight: z.number().min(1),
});
export type Span = z.infer<typeof span>;

/** Path of GET /traces/:traceId; upper-case hex (as some tools print ids) is read as the same id. */
export const traceIdParam = z.strictObject({
  traceId: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, "expected a trace id: 32 hex characters")
    .transform((id) => id.toLowerCase()),
});

/**
 * The most spans one GET /traces/:traceId answer carries. A trace of a batch job can hold hundreds of thousands;
 * past this the answer is `truncated` and the paged `/traces/:traceId/spans` reads the rest.
 */
export const MAX_TRACE_SPANS = 10_000;

/** GET /traces/:traceId: the trace's spans across services, the first `MAX_TRACE_SPANS` in start order. */
export const trace = z
  .object({
    trace_id: traceId,
    spans: z.array(span).min(1),
    /** True when the trace has more spans than this answer carries (page them with /traces/:traceId/spans). */
    truncated: z.boolean(),
  })
  .refine((t) => t.spans.every((s) => s.trace_id === t.trace_id), {
    message: "every span must belong to the trace",
    path: ["spans"],
  });
export type Trace = z.infer<typeof trace>;

/** A metric name as OpenTelemetry and Prometheus spell them, e.g. `http.server.duration` or `cpu_usage`. */
const metricName = z
  .string()
  .max(255)
  .regex(/^[A-Za-z_][A-Za-z0-9_.:/-]*$/, "expected a metric name");

/**
 * The `metrics` query parameter: a comma-separated list (`cpu,memory`), or the parameter repeated,
 * turned into a list of distinct names.
 */
const metricNames = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => {
    const names = (Array.isArray(value) ? value : [value]).flatMap((part) => part.split(","));
    return [...new Set(names.map((name) => name.trim()).filter((name) => name !== ""))];
  })
  .pipe(z.array(metricName).min(1, "name at least one metric").max(20));

/** GET /services/:serviceId/metrics query. */
export const serviceMetricsQuery = z
  .strictObject({
    ...timeRangeFields,
    metrics: metricNames,
    interval: z.enum(["1m", "5m", "1h"]).default("1m"),
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type ServiceMetricsQuery = z.infer<typeof serviceMetricsQuery>;

/** GET /servers/:serverId/metrics query. */
export const serverMetricsQuery = z
  .strictObject({
    ...timeRangeFields,
    interval: z.enum(["1m", "5m", "1h", "1d"]).default("5m"),
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type ServerMetricsQuery = z.infer<typeof serverMetricsQuery>;

/**
 * One interval of a metric series. `value` is the interval's aggregate; server metrics may add
 * the minimum, maximum and average of the samples within it.
 */
export const metricSeriesPoint = z.object({
  timestamp: isoTimestamp,
  value: z.number(),
  min: z.number().optional(),
  max: z.number().optional(),
  avg: z.number().optional(),
});
export type MetricSeriesPoint = z.infer<typeof metricSeriesPoint>;

/** One series of a metrics answer: a metric with one set of labels, points in time order. */
export const metricSeries = z.object({
  name: z.string(),
  labels: stringRecord,
  points: z.array(metricSeriesPoint),
});
export type MetricSeries = z.infer<typeof metricSeries>;
