import type { ClickHouseDriver } from "./driver";

/** Days of data kept per signal. */
export interface RetentionDays {
  traces: number;
  logs: number;
  metrics: number;
}

/** The time column each table's TTL counts from, and whose retention applies. */
const TABLES: { table: string; column: string; signal: keyof RetentionDays }[] = [
  { table: "traces", column: "start_time", signal: "traces" },
  { table: "trace_spans", column: "first_start", signal: "traces" },
  { table: "span_red_1m", column: "timestamp", signal: "traces" },
  { table: "logs", column: "timestamp", signal: "logs" },
  { table: "metrics_raw", column: "timestamp", signal: "metrics" },
  { table: "metrics_1m", column: "timestamp", signal: "metrics" },
  { table: "metrics_5m", column: "timestamp", signal: "metrics" },
  { table: "metrics_1h", column: "timestamp", signal: "metrics" },
];

/**
 * Sets each table's TTL to the configured retention, when it differs from the table's current one (so a restart
 * with the same settings changes nothing). Returns the tables changed. With daily partitions and
 * `ttl_only_drop_parts`, expired days are dropped whole.
 */
export async function applyRetention(driver: ClickHouseDriver, days: RetentionDays): Promise<string[]> {
  const rows = await driver.query<{ name: string; create_table_query: string }>(
    "SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}",
    { names: TABLES.map((t) => t.table) },
  );
  const current = new Map(rows.map((r) => [r.name, r.create_table_query]));
  const changed: string[] = [];
  for (const { table, column, signal } of TABLES) {
    const n = days[signal];
    if (!Number.isInteger(n) || n < 1) throw new Error(`retention of ${signal} must be a whole number of days >= 1`);
    const ttl = `TTL toDateTime(${column}) + toIntervalDay(${n})`;
    const ddl = current.get(table);
    if (ddl === undefined) throw new Error(`telemetry table ${table} is missing: migrations not applied?`);
    if (ddl.includes(ttl)) continue;
    await driver.exec(`ALTER TABLE ${table} MODIFY ${ttl}`);
    changed.push(table);
  }
  return changed;
}
