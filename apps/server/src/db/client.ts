import fs from "node:fs/promises";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import { openPglite } from "./pglite";
import { PGLITE_DEFAULTS, type PgliteSettings } from "./pglite-settings";
import { queryCounter } from "./query-count";
import * as schema from "./schema";

/** The typed query builder, the same for PGlite and PostgreSQL. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Raw SQL access inside one transaction, used by the migrator. */
export interface RawTx {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

/** A relational store: PGlite embedded on disk, or a PostgreSQL server. */
export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  /** The PostgreSQL server's URL (the cluster bus opens its own connections); none for PGlite. */
  readonly url?: string;
  /** Runs fn in one transaction on one connection. */
  rawTransaction<T>(fn: (tx: RawTx) => Promise<T>): Promise<T>;
  /** Throws when the store cannot answer a trivial query. */
  ping(): Promise<void>;
  /** Closes the store; later calls wait for the first (shutdown paths may reach it twice). */
  close(): Promise<void>;
}

/** Opens PostgreSQL when a URL is given, otherwise PGlite in `<dataDir>/pglite`. */
export async function openDatabase(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  pglite?: PgliteSettings;
}): Promise<Database> {
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl)
    : pgliteDatabase(`${opts.dataDir}/pglite`, opts.pglite ?? PGLITE_DEFAULTS);
}

async function pgliteDatabase(dir: string, settings: PgliteSettings): Promise<Database> {
  // Database files hold account data: readable by this user only.
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const client = await openPglite(dir, settings);
  const db = drizzlePglite(client, { schema, logger: queryCounter }) as unknown as Db;
  return {
    kind: "pglite",
    db,
    rawTransaction: (fn) =>
      client.transaction((tx) =>
        fn({
          query: async (sql, params) => (await tx.query(sql, params)).rows as never[],
          exec: async (sql) => {
            await tx.exec(sql);
          },
        }),
      ),
    ping: async () => {
      await client.query("SELECT 1");
    },
    close: once(() => client.close()),
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not crash the process; the next query reports the error.
  pool.on("error", () => {});
  const db = drizzlePg(pool, { schema, logger: queryCounter }) as unknown as Db;
  return {
    kind: "postgres",
    db,
    url,
    rawTransaction: async (fn) => {
      const conn = await pool.connect();
      try {
        await conn.query("BEGIN");
        const result = await fn({
          query: async (sql, params) => (await conn.query(sql, params)).rows,
          exec: async (sql) => {
            await conn.query(sql);
          },
        });
        await conn.query("COMMIT");
        return result;
      } catch (err) {
        await conn.query("ROLLBACK").catch(() => {});
        throw err;
      } finally {
        conn.release();
      }
    },
    ping: async () => {
      await pool.query("SELECT 1");
    },
    close: once(() => pool.end()),
  };
}

/** The rows of a raw `db.execute`: node-postgres answers `{ rows }`, PGlite's driver the rows themselves. */
export function resultRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** `fn` run at the first call only; every call gets that first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
