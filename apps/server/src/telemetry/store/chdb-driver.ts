import fs from "node:fs/promises";
import { Session } from "chdb";
import { type ClickHouseDriver, type InsertSettings, parseJsonEachRow, type QueryParams } from "./driver";

/**
 * ClickHouse in this process (chDB), its files under `dir`. Every call goes through the async API, which runs on a
 * libuv thread, so the event loop keeps serving requests while a query runs.
 */
export async function openChdbDriver(dir: string): Promise<ClickHouseDriver> {
  // Telemetry holds application data: readable by this user only.
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const session = new Session(dir, {
    // As the server driver: 64-bit integers as JSON strings (no precision lost), ISO 8601 timestamps accepted.
    connectionArgs: ["--output_format_json_quote_64bit_integers=1", "--date_time_input_format=best_effort"],
  });
  return {
    kind: "chdb",
    exec: async (sql, params) => {
      await (params ? session.queryBindAsync(sql, params) : session.queryAsync(sql));
    },
    query: async <T>(sql: string, params?: QueryParams) => {
      const opts = { format: "JSONEachRow" };
      const result = await (params ? session.queryBindAsync(sql, params, opts) : session.queryAsync(sql, opts));
      return parseJsonEachRow<T>(result.text());
    },
    insert: async (table: string, jsonEachRow: Buffer, settings: InsertSettings) => {
      await session.insert({ table, values: jsonEachRow, format: "JSONEachRow", settings });
    },
    close: async () => {
      session.close();
    },
  };
}
