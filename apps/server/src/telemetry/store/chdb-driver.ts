import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Session as ChdbSession } from "chdb";
import {
  type ClickHouseDriver,
  type InsertSettings,
  parseJsonEachRow,
  type QueryParams,
  type RowBinaryInsert,
} from "./driver";

/** Where RowBinary inserts are staged, beside the engine's data (and removed once inserted). */
const STAGING = "insert-staging";

/**
 * ClickHouse in this process (chDB), its files under `dir`. Every call goes through the async API, which runs on a
 * libuv thread, so the event loop keeps serving requests while a query runs.
 */
export async function openChdbDriver(dir: string): Promise<ClickHouseDriver> {
  // Telemetry holds application data: readable by this user only.
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const staging = path.join(dir, STAGING);
  // Files a stopped process left were never acknowledged as stored: their batches come again.
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { mode: 0o700 });
  // Loaded on first use: the engine's library is hundreds of megabytes mapped, which a control plane on a
  // ClickHouse server (and every process that never opens telemetry) should not pay.
  const { Session } = await import("chdb");
  const session: ChdbSession = new Session(dir, {
    // As the server driver: 64-bit integers as JSON strings (no precision lost), ISO 8601 timestamps accepted.
    connectionArgs: ["--output_format_json_quote_64bit_integers=1", "--date_time_input_format=best_effort"],
  });
  const structures = new Map<string, Promise<string>>();
  /** `name Type, ...` of the columns, from the table itself, for the file() that reads the staged rows. */
  const structureOf = (table: string, columns: readonly string[]) => {
    const key = `${table}(${columns.join(",")})`;
    let structure = structures.get(key);
    if (!structure) {
      structure = (async () => {
        const result = await session.queryBindAsync(
          "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String}",
          { table },
          { format: "JSONEachRow" },
        );
        const types = new Map(
          parseJsonEachRow<{ name: string; type: string }>(result.text()).map((c) => [c.name, c.type]),
        );
        return columns
          .map((c) => {
            const type = types.get(c);
            if (!type) throw new Error(`telemetry table ${table} has no column ${c}`);
            return `${c} ${type}`;
          })
          .join(", ");
      })();
      structure.catch(() => structures.delete(key));
      structures.set(key, structure);
    }
    return structure;
  };
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
    insert: async (rows: RowBinaryInsert, settings: InsertSettings) => {
      // chDB takes inline insert data only in text formats (and parses inline RowBinary 4x slower than from a file,
      // measured): the rows go through a file that the engine reads with file(), in its own binary format.
      const file = path.join(staging, `${randomUUID()}.bin`);
      await fs.writeFile(file, rows.data, { mode: 0o600 });
      try {
        // Literals, not bound parameters: chDB runs parameterized queries one at a time process-wide, and an insert
        // must not hold up the API's reads.
        await session.queryAsync(
          `INSERT INTO ${rows.table} (${rows.columns.join(", ")}) ${settingsClause(settings)}
           SELECT * FROM file(${sqlString(file)}, 'RowBinary', ${sqlString(await structureOf(rows.table, rows.columns))})`,
        );
      } finally {
        await fs.rm(file, { force: true });
      }
    },
    close: async () => {
      session.close();
    },
  };
}

const SETTING_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * A ClickHouse string literal: quoted, with backslashes, quotes and NULs escaped (a NUL would end the query text at
 * the native boundary), so any text stays one value.
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\0", "\\0")}'`;
}

/**
 * `SETTINGS a = 'value', ...`: values (a dedup token is an agent's batch id) as string literals, which ClickHouse
 * reads for settings of any type; names are the store's own and checked.
 */
export function settingsClause(settings: InsertSettings): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return "";
  const parts = entries.map(([name, value]) => {
    if (!SETTING_NAME.test(name)) throw new Error(`not a setting name: ${JSON.stringify(name)}`);
    return `${name} = ${sqlString(String(value))}`;
  });
  return `SETTINGS ${parts.join(", ")}`;
}
