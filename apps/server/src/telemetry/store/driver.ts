/** Values bound to `{name:Type}` placeholders; both engines bind them server-side, never into the SQL text. */
export type QueryParams = Record<string, string | number | boolean | string[] | number[]>;

/** Settings of one insert (ClickHouse settings by name). */
export type InsertSettings = Record<string, string | number>;

/** Rows of one table in RowBinary (see row-binary.ts): the values of `columns`, row after row. */
export interface RowBinaryInsert {
  table: string;
  columns: readonly string[];
  data: Buffer;
}

/**
 * The little the telemetry store needs of a ClickHouse engine: statements, parameterized reads and RowBinary
 * inserts. chDB (in-process) and a ClickHouse server implement it side by side, so the store above runs the same SQL
 * on both.
 */
export interface ClickHouseDriver {
  readonly kind: "chdb" | "clickhouse";
  /** Runs a statement that returns nothing of interest (DDL, ALTER). */
  exec(sql: string, params?: QueryParams): Promise<void>;
  /** Runs a SELECT and returns its rows, parsed from JSONEachRow. */
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Inserts rows already encoded as RowBinary; resolves once they are stored. */
  insert(rows: RowBinaryInsert, settings: InsertSettings): Promise<void>;
  close(): Promise<void>;
}

/** Parses JSONEachRow output (one JSON object per line). */
export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) if (line !== "") rows.push(JSON.parse(line) as T);
  return rows;
}
