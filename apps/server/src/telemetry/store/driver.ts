/** Values bound to `{name:Type}` placeholders; both engines bind them server-side, never into the SQL text. */
export type QueryParams = Record<string, string | number | boolean | string[] | number[]>;

/** Settings of one insert (ClickHouse settings by name). */
export type InsertSettings = Record<string, string | number>;

/**
 * The little the telemetry store needs of a ClickHouse engine: statements, parameterized reads and JSONEachRow
 * inserts. chDB (in-process) and a ClickHouse server implement it side by side, so the store above runs the same SQL
 * on both.
 */
export interface ClickHouseDriver {
  readonly kind: "chdb" | "clickhouse";
  /** Runs a statement that returns nothing of interest (DDL, ALTER). */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a SELECT and returns its rows, parsed from JSONEachRow. */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Inserts rows already encoded as JSONEachRow lines into a table. */
  insert(table: string, jsonEachRow: Buffer, settings: InsertSettings): Promise<void>;
  close(): Promise<void>;
}

/** Parses JSONEachRow output (one JSON object per line). */
export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) if (line !== "") rows.push(JSON.parse(line) as T);
  return rows;
}
