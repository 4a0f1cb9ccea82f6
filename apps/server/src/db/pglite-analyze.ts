import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import { type Database, type Db, resultRows } from "./client";

/** How often the embedded database's tables are checked for stale statistics (autovacuum's naptime). */
const CHECK_EVERY_MS = 60_000;

/**
 * ANALYZEs the tables whose size moved away from what the planner knows (never analyzed and over 50 rows, or their
 * live rows differing from the planner's count by more than 50 + 10%: autovacuum's threshold, counted on inserts and
 * deletes only, so the heartbeats' updates of every server do not re-analyze the servers each minute), one
 * statement per table with an event-loop turn between; returns their names.
 * PostgreSQL's autovacuum does this in the background; PGlite runs no autovacuum, so without it a table filled after
 * its creation keeps the planner's guesses forever (at 10,000 servers the servers list sorted the whole table per
 * request instead of reading a page of its index).
 */
export async function analyzeStaleTables(db: Db): Promise<string[]> {
  const result = await db.execute(sql`
    SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema()
      AND CASE WHEN c.reltuples < 0 THEN s.n_live_tup > 50
               ELSE abs(s.n_live_tup - c.reltuples) > 50 + 0.1 * c.reltuples END
    ORDER BY s.relname`);
  const tables = resultRows<{ relname: string }>(result).map((r) => r.relname);
  for (const table of tables) {
    // Between statements, so queries that arrived meanwhile (API requests) are not kept waiting for all of them.
    await new Promise((resolve) => setImmediate(resolve));
    await db.execute(sql`ANALYZE ${sql.identifier(table)}`);
  }
  return tables;
}

/**
 * Keeps the embedded database's statistics current (nothing on PostgreSQL, whose autovacuum does): a check soon
 * after start, then every minute. Returns a stop function (resolves once a check in progress has ended).
 */
export function startPgliteAnalyze(database: Database, logger: Logger, everyMs = CHECK_EVERY_MS): () => Promise<void> {
  if (database.kind !== "pglite") return async () => {};
  let running: Promise<void> | undefined;
  const check = () => {
    running ??= analyzeStaleTables(database.db)
      .then((tables) => {
        if (tables.length > 0) logger.debug({ tables }, "embedded database statistics refreshed");
      })
      .catch((err: unknown) => logger.warn({ err }, "embedded database statistics not refreshed"))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(check, Math.min(everyMs, 5_000));
  const timer = setInterval(check, everyMs);
  first.unref();
  timer.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    // Before the database closes under it.
    await running;
  };
}
