import type {
  LogEntry,
  LogLevel,
  MetricPoint,
  MetricSeries,
  ServiceLogEntry,
  Span,
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
  limit: number;
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

/** GET /services/:id/logs: newest first. */
export interface LogSearch extends TimeRange {
  /** The lowest level returned (`warn` also returns `error` and `fatal`). */
  minLevel?: LogLevel | undefined;
  /** Case-insensitive substring of the message. */
  search?: string | undefined;
  limit: number;
  cursor?: LogCursor | undefined;
}

/** One page of logs and where the next one starts (null on the last page). */
export interface LogPage {
  items: ServiceLogEntry[];
  next: LogCursor | null;
}

/** GET /services/:id/metrics: one series per metric name and label set, from the rollup of that interval. */
export interface MetricQuery extends TimeRange {
  names: string[];
  interval: "1m" | "5m" | "1h";
}

/** Rows stored per table, for status and benchmarks. */
export interface TableStats {
  table: string;
  rows: number;
  bytesOnDisk: number;
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
  /** Every span of a trace within the organization, in start order; empty when it has none. */
  getTrace(orgId: string, traceId: string): Promise<Span[]>;
  /** A page of a service's logs, newest first. */
  searchLogs(scope: ServiceScope, search: LogSearch): Promise<LogPage>;
  /** A service's metric series from the rollup tables. */
  metricSeries(scope: ServiceScope, query: MetricQuery): Promise<MetricSeries[]>;
  /** Row counts and on-disk sizes of the telemetry tables. */
  stats(): Promise<TableStats[]>;
  /** Waits for pending inserts, then releases the engine or the connection. */
  close(): Promise<void>;
}
