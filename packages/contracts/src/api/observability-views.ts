import { z } from "zod";
import { isoTimestamp, text, uuid } from "../common";
import { logLevel } from "../telemetry/logs";
import { spanId } from "../telemetry/traces";
import { attributeFilters } from "./attribute-filters";
import { metricSeries } from "./observability";
import { fromNotAfterTo, timeRangeFields, timeRangeIssue } from "./time-range";

// The query APIs behind the dashboard's observability views (Syntra additions to interface contracts 2.3): a
// service's RED figures, counts of logs over time, a trace's logs and errors, and metric charts aggregated and split
// by a label. Every figure is computed by the telemetry store's engine (quantiles over the span rollups, counts and
// bucket interpolation in SQL); the answers are small.

/** Chart intervals, finest first, with their length in seconds. */
export const CHART_INTERVALS = { "1m": 60, "5m": 300, "1h": 3600 } as const;
export type ChartInterval = keyof typeof CHART_INTERVALS;
export const chartInterval = z.enum(["1m", "5m", "1h"]);

/**
 * The interval a chart of the range uses when the caller names none: the finest of the rollups (1m, 5m, 1h) that
 * keeps the chart within 720 points, so 6 hours are drawn by the minute, 2 days by 5 minutes, 30 days by the hour.
 */
export function chartIntervalFor(rangeMs: number): ChartInterval {
  if (rangeMs <= 6 * 3_600_000) return "1m";
  if (rangeMs <= 2 * 86_400_000) return "5m";
  return "1h";
}

/** GET /services/:serviceId/overview query: the range (default the last hour) and its interval (default by range). */
export const serviceOverviewQuery = z
  .strictObject({ ...timeRangeFields, interval: chartInterval.optional() })
  .refine(fromNotAfterTo, timeRangeIssue);
export type ServiceOverviewQuery = z.infer<typeof serviceOverviewQuery>;

/** Request rate, errors and latency over some requests (RED). Latencies are null where there were no requests. */
export const redFigures = z.object({
  /** Requests (server and consumer spans, and roots), scaled back by the agent's sampling weight. */
  requests: z.number().nonnegative(),
  errors: z.number().nonnegative(),
  /** errors / requests, 0..1; 0 without requests. */
  error_rate: z.number().min(0).max(1),
  /** Requests per second over the interval (or the whole range for a summary). */
  rate_per_second: z.number().nonnegative(),
  p50_ms: z.number().nonnegative().nullable(),
  p95_ms: z.number().nonnegative().nullable(),
  p99_ms: z.number().nonnegative().nullable(),
});
export type RedFigures = z.infer<typeof redFigures>;

/** GET /services/:serviceId/overview: the service's RED figures over the range, per interval and per operation. */
export const serviceRedOverview = z.object({
  from: isoTimestamp,
  to: isoTimestamp,
  interval: chartInterval,
  /** The whole range. */
  summary: redFigures,
  /** One point per interval that had requests, oldest first (missing intervals had none). */
  series: z.array(redFigures.extend({ timestamp: isoTimestamp })),
  /** The busiest operations (at most 20), by requests. */
  operations: z.array(redFigures.extend({ operation: z.string() })),
});
export type ServiceRedOverview = z.infer<typeof serviceRedOverview>;

/** GET /services/:serviceId/logs/histogram query: the log search's filters and the bucket interval. */
export const logHistogramQuery = z
  .strictObject({
    ...timeRangeFields,
    level: z.enum(["debug", "info", "warn", "error"]).optional(),
    search: text(500).min(1).optional(),
    attribute: attributeFilters.optional(),
    interval: chartInterval.optional(),
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type LogHistogramQuery = z.infer<typeof logHistogramQuery>;

/** GET /services/:serviceId/logs/histogram: how many log records matched, per interval and level. */
export const logHistogram = z.object({
  from: isoTimestamp,
  to: isoTimestamp,
  interval: chartInterval,
  total: z.number().int().nonnegative(),
  /** Intervals with records, oldest first; `counts` by level (levels without records left out). */
  buckets: z.array(z.object({ timestamp: isoTimestamp, counts: z.partialRecord(logLevel, z.number().int()) })),
});
export type LogHistogram = z.infer<typeof logHistogram>;

/** GET /traces/:traceId/logs: the log records written inside the trace, across its services, oldest first. */
export const traceLogsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(500) });

/** One error event raised inside a trace (GET /traces/:traceId/errors), with its issue. */
export const traceErrorEvent = z.object({
  event_id: uuid,
  issue_id: uuid,
  issue_title: z.string(),
  service_id: uuid,
  span_id: spanId.nullable(),
  timestamp: isoTimestamp,
  exception_type: z.string().nullable(),
  message: z.string().nullable(),
  level: z.string().nullable(),
});
export type TraceErrorEvent = z.infer<typeof traceErrorEvent>;

/** GET /services/:serviceId/metrics/names query: metrics seen in the range (default the last 24 h). */
export const metricCatalogQuery = z.strictObject({ ...timeRangeFields }).refine(fromNotAfterTo, timeRangeIssue);

/** One metric a service has sent: its type and the label keys its series carry. */
export const metricCatalogEntry = z.object({
  name: z.string(),
  type: z.enum(["gauge", "counter", "histogram"]),
  label_keys: z.array(z.string()),
  series: z.number().int().nonnegative(),
  /** `container` for the containers' CPU and memory Syntra records from heartbeats (CONTAINER_METRICS), `app` otherwise. */
  source: z.enum(["app", "container"]),
});
export type MetricCatalogEntry = z.infer<typeof metricCatalogEntry>;

/** How series are combined per interval; `p50`/`p95`/`p99` are read from histograms' buckets. */
export const metricAggregation = z.enum(["avg", "min", "max", "sum", "rate", "p50", "p95", "p99"]);
export type MetricAggregation = z.infer<typeof metricAggregation>;

/**
 * GET /services/:serviceId/metrics/query: one metric, rolled up by `interval`, its series combined by `aggregation`,
 * one result series per value of the label `group_by` (all series together without it).
 */
export const metricAggregateQuery = z
  .strictObject({
    ...timeRangeFields,
    metric: z
      .string()
      .max(255)
      .regex(/^[A-Za-z_][A-Za-z0-9_.:/-]*$/, "expected a metric name"),
    interval: chartInterval.optional(),
    aggregation: metricAggregation.optional(),
    group_by: text(200).min(1).optional(),
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type MetricAggregateQuery = z.infer<typeof metricAggregateQuery>;

/** The answer of a metric chart query: the series and how they were made. */
export const metricAggregate = z.object({
  metric: z.string(),
  type: z.enum(["gauge", "counter", "histogram"]).nullable(),
  interval: chartInterval,
  aggregation: metricAggregation,
  series: z.array(metricSeries),
});
export type MetricAggregate = z.infer<typeof metricAggregate>;

/** Log columns a `key:value` filter of the log search may name instead of an attribute. */
export const logFilterColumns = ["trace_id", "span_id", "source", "deployment_id", "level"] as const;

/**
 * The containers' resource metrics Syntra records for every service from its agents' heartbeats (label
 * `container.id`), named as OpenTelemetry's Docker receiver names them: CPU in percent of one core, memory in bytes.
 */
export const CONTAINER_METRICS = {
  cpu: "container.cpu.utilization",
  memory: "container.memory.usage",
} as const;
