import { Readable } from "node:stream";
import { ClickHouseLogLevel, createClient } from "@clickhouse/client";
import type { ClickHouseDriver, InsertSettings, QueryParams, RowBinaryInsert } from "./driver";

/**
 * A ClickHouse server (or a cluster's load balancer) over HTTP, from `CLICKHOUSE_URL`
 * (`http://user:password@host:8123/database`). The database in the URL must exist.
 */
export function openClickHouseDriver(url: string): ClickHouseDriver {
  const client = createClient({
    url,
    // Rows come back as JSON: 64-bit integers as strings, so no precision is lost in JavaScript.
    clickhouse_settings: {
      output_format_json_quote_64bit_integers: 1,
      date_time_input_format: "best_effort",
      // Progress headers keep a long insert's connection alive through proxies' idle timeouts.
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: "10000",
    },
    // An insert of a large batch may take a while on a busy server.
    request_timeout: 120_000,
    // Failures reach the caller as rejected promises, which log them with context; the client's own log would
    // print each one a second time.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    kind: "clickhouse",
    exec: async (sql, params) => {
      await client.command({ query: sql, ...(params && { query_params: params }) });
    },
    query: async <T>(sql: string, params?: QueryParams) => {
      const result = await client.query({ query: sql, format: "JSONEachRow", ...(params && { query_params: params }) });
      return result.json<T>();
    },
    insert: async (rows: RowBinaryInsert, settings: InsertSettings) => {
      // The rows are already RowBinary: sent as they are, the request body after the INSERT statement.
      const result = await client.exec({
        query: `INSERT INTO ${rows.table} (${rows.columns.join(", ")}) FORMAT RowBinary`,
        values: Readable.from([rows.data]),
        clickhouse_settings: settings,
      });
      // The answer's body must be read, or its socket is never handed back to the pool.
      for await (const _ of result.stream) {
        // nothing to read from an INSERT's answer
      }
    },
    close: () => client.close(),
  };
}
