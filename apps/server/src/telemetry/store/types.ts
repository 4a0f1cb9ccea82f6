import type {
  LogEntry,
  LogLevel,
  MetricAggregation,
  MetricCatalogEntry,
  MetricPoint,
  MetricSeries,
  RedFigures,
  ServiceLogEntry,
  Span,
  SpanOutline,
  TraceSpan,
  TraceSummary,
} from "@syntra/contracts";

/**
 * What storage adds to a contract row: the organization that owns the service. Every table carries it as the first
 * column of its sorting key, so every query is scoped by the caller's organization without a join to PostgreSQL,
 * and another organization's trace id simply finds nothing.
 */
export interface OrgColumn {
  org_id: string;
}

/** One span to store: the contract span (with its `sample_weight`) and its organization. */
export type SpanRow = TraceSpan & OrgColumn;

/** One log record to store. */
export type LogRow = LogEntry & OrgColumn;

/**
 * One metric sample to store. `deployment_id` is optional because OTLP metrics (and scraped Prometheus ones) carry
 * the deployment only when the app or the agent adds it as a resource attribute.
 */
export type MetricRow = MetricPoint & OrgColumn & { deployment_id?: string | undefined };

/**
 * Rows already in the store's insert encoding: RowBinary of one table's columns (as rows.ts writes them), e.g.
 * converted straight from OTLP protobuf without building contract objects (ingest/span-rows.ts).
 */
export interface EncodedRows {
  table: "traces" | "logs";
  rows: number;
  data: Buffer;
}

/** One batch of telemetry, as the ingest paths hand it to the store: one `insert` call per batch. */
export interface TelemetryRows {
  spans: SpanRow[];
  logs: LogRow[];
  metrics: MetricRow[];
  /** More rows, already encoded: stored with the others, under the same dedup token. */
  encoded?: EncodedRows[];
}

/** Options of one insert. */
export interface InsertOptions {
  /**
   * Idempotency key of the batch (e.g. the agent's `batch_id`): inserting the same token again stores nothing new,
   * so a batch re-sent after a lost acknowledgement is stored once.
   */
  dedupToken?: string;
}

/** A service of the caller's organization: the scope of the per-service queries. */
export interface ServiceScope {
  orgId: string;
  serviceId: string;
}

/** A closed time range. */
export interface TimeRange {
  from: Date;
  to: Date;
}

/** GET /services/:id/traces: traces whose root span belongs to the service, newest first. */
export interface TraceSearch extends TimeRange {
  /** Only traces at least this long (root span duration). */
  minDurationMs?: number | undefined;
  /** `error`: traces with an error span; `ok`: traces without one. */
  status?: "ok" | "error" | undefined;
  /** Exact root operation name. */
  operation?: string | undefined;
  /** Attributes some span of the trace (any service's) must have, with these values; each may match another span. */
  attributes?: AttributeFilter[] | undefined;
  limit: number;
}

/** Where a page of a trace's spans ends: the last span's start (decimal nanoseconds) and id. */
export interface SpanCursor {
  startNs: string;
  spanId: string;
}

/** A page of a trace's span outlines: at most `limit`, after the cursor when given. */
export interface TraceSpanPageQuery {
  limit: number;
  after?: SpanCursor | undefined;
}

/** A page of a trace's span outlines with the trace's bounds (ISO) and, on the first page, its spans per service. */
export interface TraceSpanPage {
  startTime: string;
  endTime: string;
  services: { serviceId: string; spans: number }[] | null;
  spans: SpanOutline[];
  next: SpanCursor | null;
}

/** `attributes[key] = value` (for logs, a few keys name columns instead: trace_id, span_id, source, ...). */
export interface AttributeFilter {
  key: string;
  value: string;
}

/**
 * Where a page of logs ends: the next page holds the records at or before `timestampNs`, less the `skip` records at
 * exactly that instant already returned (records of one nanosecond are rare, but SDKs with millisecond clocks write
 * several per instant).
 */
export interface LogCursor {
  /** Nanoseconds since the epoch, as a decimal string (beyond JavaScript's safe integers). */
  timestampNs: string;
  skip: number;
}

/** Which log records a search matches. */
export interface LogFilter extends TimeRange {
  /** The lowest level returned (`warn` also returns `error` and `fatal`). */
  minLevel?: LogLevel | undefined;
  /** Case-insensitive substring of the message. */
  search?: string | undefined;
  /** Attribute (or column) values the records must have. */
  attributes?: AttributeFilter[] | undefined;
}

/** GET /services/:id/logs: newest first. */
export interface LogSearch extends LogFilter {
  limit: number;
  cursor?: LogCursor | undefined;
}

/** GET /services/:id/logs/histogram: the search's records counted per interval. */
export interface LogHistogramSearch extends LogFilter {
  intervalSeconds: number;
}

/** Matching log records per interval (oldest first, intervals without records left out) and level. */
export interface LogCounts {
  total: number;
  buckets: { timestamp: string; counts: Partial<Record<LogLevel, number>> }[];
}

/** A service's RED figures over a range, per interval of `intervalSeconds`. */
export interface RedQuery extends TimeRange {
  intervalSeconds: number;
}

/** RED over the whole range, per interval (oldest first) and per operation (busiest first). */
export interface RedOverview {
  summary: RedFigures;
  series: (RedFigures & { timestamp: string })[];
  operations: (RedFigures & { operation: string })[];
}

/** The type of a metric as stored. */
export type MetricType = "gauge" | "counter" | "histogram";

/** One metric's chart: rolled up by the interval (60, 300 or 3600 s), combined, split by a label. */
export interface MetricAggregateSearch extends TimeRange {
  metric: string;
  /** The metric's type (from the catalog): it decides how series combine. */
  type: MetricType;
  intervalSeconds: 60 | 300 | 3600;
  aggregation: MetricAggregation;
  groupBy?: string | undefined;
}

/** A metric chart's series (one per value of the label it is split by). */
export interface MetricAggregateResult {
  series: MetricSeries[];
}

/** One page of logs and where the next one starts (null on the last page). */
export interface LogPage {
  items: ServiceLogEntry[];
  next: LogCursor | null;
}

/**
 * GET /services/:id/metrics (and a server's host metrics): one series per metric name and label set, from the rollup
 * of that interval (1d: the hourly rollup merged by day).
 */
export interface MetricQuery extends TimeRange {
  names: string[];
  interval: "1m" | "5m" | "1h" | "1d";
}

/** Rows stored per table, for status and benchmarks. */
export interface TableStats {
  table: string;
  rows: number;
  bytesOnDisk: number;
}

/** Requests of services over a window (alerts: error ratio and latency). */
export interface RequestStatsQuery extends TimeRange {
  orgId: string;
  serviceIds: string[];
  /** Only spans of this operation. */
  operation?: string | undefined;
}

/** A service's requests in a window: count and errors weighted by sampling, duration percentiles in ms. */
export interface RequestStats {
  serviceId: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** One metric of services aggregated over a window (alerts: custom rules). */
export interface MetricAggregateQuery extends TimeRange {
  orgId: string;
  serviceIds: string[];
  metric: string;
  /** Only series with every one of these labels. */
  labels: Record<string, string>;
}

/** A metric of one service over the window: its samples' count, min, max, sum, and the latest value. */
export interface MetricAggregateRow {
  serviceId: string;
  samples: number;
  min: number;
  max: number;
  sum: number;
  last: number;
}

/**
 * The telemetry store: ClickHouse tables of spans, logs and metrics (spec section 3.2), embedded (chDB) or a
 * ClickHouse server. Implementations run the same SQL and the same migrations.
 */
export interface TelemetryStore {
  readonly kind: "chdb" | "clickhouse";
  /** Applies the store's numbered migrations not yet applied; returns their versions. Idempotent. */
  migrate(): Promise<string[]>;
  /**
   * Stores one batch. Resolves only once the rows are stored (an agent's acknowledgement depends on it); rejects
   * when they are not. The same `dedupToken` inserted twice stores the rows once.
   */
  insert(rows: TelemetryRows, opts?: InsertOptions): Promise<void>;
  /** Trace summaries of a service's traces (root spans in the range), newest first. */
  searchTraces(scope: ServiceScope, search: TraceSearch): Promise<TraceSummary[]>;
  /**
   * The spans of a trace within the organization in start order, at most `limit` (default `MAX_TRACE_SPANS`, so no
   * caller holds a huge trace in memory by accident); empty when it has none.
   */
  getTrace(orgId: string, traceId: string, limit?: number): Promise<Span[]>;
  /** A page of a trace's span outlines in start order; null when the organization has no such trace. */
  traceSpans(orgId: string, traceId: string, query: TraceSpanPageQuery): Promise<TraceSpanPage | null>;
  /** One span of a trace with its attributes and events; null when the organization has no such span. */
  getSpan(orgId: string, traceId: string, spanId: string): Promise<Span | null>;
  /** A page of a service's logs, newest first. */
  searchLogs(scope: ServiceScope, search: LogSearch): Promise<LogPage>;
  /** A service's metric series from the rollup tables. */
  metricSeries(scope: ServiceScope, query: MetricQuery): Promise<MetricSeries[]>;
  /** A service's RED figures from the span rollup. */
  serviceRed(scope: ServiceScope, query: RedQuery): Promise<RedOverview>;
  /** Counts of a log search per interval and level. */
  logHistogram(scope: ServiceScope, search: LogHistogramSearch): Promise<LogCounts>;
  /** The log records of a trace across the organization's services, oldest first. */
  traceLogs(orgId: string, traceId: string, limit: number): Promise<ServiceLogEntry[]>;
  /** The metrics a service sent in the range. */
  metricCatalog(scope: ServiceScope, range: TimeRange): Promise<MetricCatalogEntry[]>;
  /** One metric rolled up, aggregated and split by a label. */
  metricAggregate(scope: ServiceScope, search: MetricAggregateSearch): Promise<MetricAggregateResult>;
  /** Requests, errors and duration percentiles per service over a window, in one query. */
  requestStats(query: RequestStatsQuery): Promise<RequestStats[]>;
  /** One metric aggregated per service over a window, from the 1-minute rollup. */
  metricPerService(query: MetricAggregateQuery): Promise<MetricAggregateRow[]>;
  /** Row counts and on-disk sizes of the telemetry tables. */
  stats(): Promise<TableStats[]>;
  /** Waits for pending inserts, then releases the engine or the connection. */
  close(): Promise<void>;
}
