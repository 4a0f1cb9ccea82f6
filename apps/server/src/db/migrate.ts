import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./client";

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

// Any constant works; it only has to be the same for every control-plane replica.
const MIGRATION_LOCK_ID = 5_316_870_021;

/** A numbered SQL file in db/migrations. */
export interface Migration {
  version: string;
  sql: string;
}

/** Reads the migration files in version order (their names start with a zero-padded number). */
export async function readMigrations(dir = migrationsDir): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: file.replace(/\.sql$/, ""),
      sql: await fs.readFile(path.join(dir, file), "utf8"),
    })),
  );
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, all in one transaction under an advisory
 * lock, so that replicas starting together apply each file once and a failed file leaves nothing half done.
 * Returns the versions applied.
 */
export async function migrate(database: Database, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  return database.rawTransaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_ID]);
    await tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())",
    );
    const rows = await tx.query<{ version: string }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((r) => r.version));
    const pending = all.filter((m) => !applied.has(m.version));
    for (const m of pending) {
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version) VALUES ($1)", [m.version]);
    }
    return pending.map((m) => m.version);
  });
}
