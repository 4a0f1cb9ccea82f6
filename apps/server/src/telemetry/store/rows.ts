import { isoToEpoch, nanosToEpoch, RowBinaryError, type RowBinaryWriter } from "./row-binary";
import type { LogRow, MetricRow, SpanRow, TelemetryRows } from "./types";

/** The deployment id stored when a sample names none (UUID columns are not Nullable, see the migration). */
export const NO_DEPLOYMENT = "00000000-0000-0000-0000-000000000000";

/**
 * One table of the store as rows are written to it: the columns an insert names (the MATERIALIZED ones are left to
 * ClickHouse), where a batch keeps its rows for it, and how one row becomes those columns' RowBinary values.
 */
export interface TableWriter {
  table: string;
  columns: readonly string[];
  /** How many rows of the batch are for this table (its encoded ones included). */
  count(batch: TelemetryRows): number;
  /**
   * Writes the batch's rows for this table, its encoded ones as they are; throws RowBinaryError (nothing is inserted)
   * when one cannot be.
   */
  write(w: RowBinaryWriter, batch: TelemetryRows): void;
}

function encodedCount(batch: TelemetryRows, table: string): number {
  let n = 0;
  for (const e of batch.encoded ?? []) if (e.table === table) n += e.rows;
  return n;
}

/** Bytes of the batch's already encoded rows for a table (what a writer for the table must hold at least). */
export function encodedBytes(batch: TelemetryRows, table: TableWriter): number {
  let n = 0;
  for (const e of batch.encoded ?? []) if (e.table === table.table) n += e.data.length;
  return n;
}

/**
 * The batch's rows for a table when they are exactly one block already encoded (the common case: an agent's batch
 * or an OTLP request converted straight to RowBinary), so the insert sends that block as it is, without a copy.
 */
export function soleEncoded(batch: TelemetryRows, table: TableWriter): Buffer | undefined {
  let found: Buffer | undefined;
  let rows = 0;
  for (const e of batch.encoded ?? []) {
    if (e.table !== table.table) continue;
    if (found) return undefined;
    found = e.data;
    rows = e.rows;
  }
  return found && table.count(batch) === rows ? found : undefined;
}

function writeEncoded(w: RowBinaryWriter, batch: TelemetryRows, table: string): void {
  for (const e of batch.encoded ?? []) if (e.table === table) w.raw(e.data);
}

// Enum8 values, as the migration declares them.
const SPAN_KIND = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;
const LEVEL = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 } as const;
const SOURCE = { stdout: 0, stderr: 1, sdk: 2 } as const;
const METRIC_TYPE = { gauge: 0, counter: 1, histogram: 2 } as const;

function enumValue<K extends string>(values: Record<K, number>, key: K, what: string): number {
  const value = values[key];
  if (value === undefined) throw new RowBinaryError(`unknown ${what} ${JSON.stringify(key)}`);
  return value;
}

/** A count of nanoseconds (a duration) as UInt64; negative or fractional values are no duration. */
function wholeNanos(n: number, what: string): number {
  const rounded = Math.round(n);
  if (!(rounded >= 0)) throw new RowBinaryError(`${what} must be a non-negative number of nanoseconds`);
  return rounded;
}

/** An attribute value as the Map(String, String) columns hold it: strings as they are, anything else as its JSON. */
export function attributeText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
}

/** Attributes (numbers, booleans or, in logs, any JSON) as a Map(String, String), straight from the record. */
function writeAttributes(w: RowBinaryWriter, record: Record<string, unknown>): void {
  const keys = Object.keys(record);
  w.varUInt(keys.length);
  for (const key of keys) {
    w.string(key);
    w.string(attributeText(record[key]));
  }
}

/** Spans into the `traces` table. */
export const spanTable: TableWriter = {
  table: "traces",
  columns: [
    "org_id",
    "service_id",
    "deployment_id",
    "trace_id",
    "span_id",
    "parent_span_id",
    "operation_name",
    "span_kind",
    "start_time",
    "duration_ns",
    "status_code",
    "status_message",
    "attributes",
    "events",
    "sample_weight",
  ],
  count: (batch) => batch.spans.length + encodedCount(batch, "traces"),
  write: (w, batch) => {
    for (const span of batch.spans) writeSpan(w, span);
    writeEncoded(w, batch, "traces");
  },
};

/** One span as a row of `traces` (spanTable's columns). */
export function writeSpan(w: RowBinaryWriter, span: SpanRow): void {
  w.uuid(span.org_id);
  w.uuid(span.service_id);
  w.uuid(span.deployment_id);
  w.string(span.trace_id);
  w.string(span.span_id);
  w.string(span.parent_span_id ?? "");
  w.string(span.operation_name);
  w.int8(enumValue(SPAN_KIND, span.span_kind, "span kind"));
  const start = nanosToEpoch(span.start_time_ns);
  w.dateTime64ns(start.ms, start.nanos);
  w.int64(wholeNanos(span.duration_ns, "duration_ns"));
  w.int8(enumValue(STATUS, span.status.code, "status"));
  w.string(span.status.message ?? "");
  writeAttributes(w, span.attributes);
  w.string(JSON.stringify(span.events));
  w.float64(span.sample_weight ?? 1);
}

/** Log records into the `logs` table (the ISO timestamp with all its fraction digits, to the nanosecond). */
export const logTable: TableWriter = {
  table: "logs",
  columns: [
    "org_id",
    "service_id",
    "deployment_id",
    "timestamp",
    "level",
    "message",
    "attributes",
    "trace_id",
    "span_id",
    "source",
  ],
  count: (batch) => batch.logs.length + encodedCount(batch, "logs"),
  write: (w, batch) => {
    for (const log of batch.logs) writeLog(w, log);
    writeEncoded(w, batch, "logs");
  },
};

/** One log record as a row of `logs` (logTable's columns). */
export function writeLog(w: RowBinaryWriter, log: LogRow): void {
  w.uuid(log.org_id);
  w.uuid(log.service_id);
  w.uuid(log.deployment_id);
  const at = isoToEpoch(log.timestamp);
  w.dateTime64ns(at.ms, at.nanos);
  w.int8(enumValue(LEVEL, log.level, "log level"));
  w.string(log.message);
  writeAttributes(w, log.attributes);
  w.string(log.trace_id ?? "");
  w.string(log.span_id ?? "");
  w.int8(enumValue(SOURCE, log.source, "log source"));
}

/** Metric samples into the `metrics_raw` table (milliseconds, as its DateTime64(3) keeps). */
export const metricTable: TableWriter = {
  table: "metrics_raw",
  columns: [
    "org_id",
    "service_id",
    "deployment_id",
    "metric_name",
    "metric_type",
    "timestamp",
    "value",
    "labels",
    "bucket_bounds",
    "bucket_counts",
  ],
  count: (batch) => batch.metrics.length,
  write: (w, batch) => {
    for (const metric of batch.metrics) writeMetric(w, metric);
  },
};

function writeMetric(w: RowBinaryWriter, metric: MetricRow): void {
  w.uuid(metric.org_id);
  w.uuid(metric.service_id);
  w.uuid(metric.deployment_id ?? NO_DEPLOYMENT);
  w.string(metric.name);
  w.int8(enumValue(METRIC_TYPE, metric.type, "metric type"));
  w.int64(isoToEpoch(metric.timestamp).ms);
  w.float64(metric.value);
  writeAttributes(w, metric.labels);
  const buckets = metric.histogram_buckets ?? [];
  w.float64Array(buckets.map((b) => b.le));
  w.uint64Array(buckets.map((b) => b.count));
}

/** Every table a batch is written to, in the order they are written. */
export const TABLE_WRITERS: readonly TableWriter[] = [spanTable, logTable, metricTable];
