import { Readable } from "node:stream";
import { createClient } from "@clickhouse/client";
import type { ClickHouseDriver, InsertSettings, QueryParams } from "./driver";

/**
 * A ClickHouse server (or a cluster's load balancer) over HTTP, from `CLICKHOUSE_URL`
 * (`http://user:password@host:8123/database`). The database in the URL must exist.
 */
export function openClickHouseDriver(url: string): ClickHouseDriver {
  const client = createClient({
    url,
    // Rows come back as JSON: 64-bit integers as strings, so no precision is lost in JavaScript.
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1, date_time_input_format: "best_effort" },
    // An insert of a large batch may take a while on a busy server; queries have their own limits.
    request_timeout: 120_000,
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
    insert: async (table: string, jsonEachRow: Buffer, settings: InsertSettings) => {
      // The rows are already JSONEachRow text: send them as they are rather than re-encoding objects.
      const result = await client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: Readable.from([jsonEachRow]),
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
