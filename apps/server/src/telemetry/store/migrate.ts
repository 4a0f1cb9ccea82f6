import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ClickHouseDriver } from "./driver";

// Beside this module in the sources; beside main.js in the compiled build (scripts/build-server.ts copies them
// there), under a name of their own, since the PostgreSQL migrations are dist/migrations.
const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "clickhouse-migrations");

/** A numbered SQL file of the telemetry store: statements separated by lines ending in `;`. */
export interface TelemetryMigration {
  version: string;
  statements: string[];
}

/** Splits a migration into statements: a statement ends with a line ending in `;` (comments are kept, harmless). */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of sql.split("\n")) {
    current.push(line);
    if (/;\s*$/.test(line) && !/^\s*--/.test(line)) {
      const statement = current.join("\n").trim().replace(/;$/, "");
      // A chunk of comments alone is not a statement.
      if (statement.split("\n").some((l) => l.trim() !== "" && !l.trim().startsWith("--"))) statements.push(statement);
      current = [];
    }
  }
  return statements;
}

/** Reads the telemetry migrations in version order. */
export async function readTelemetryMigrations(dir = migrationsDir): Promise<TelemetryMigration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: file.replace(/\.sql$/, ""),
      statements: splitStatements(await fs.readFile(path.join(dir, file), "utf8")),
    })),
  );
}

/**
 * Applies the migrations not yet recorded in `telemetry_migrations`. ClickHouse has no transactional DDL, so every
 * statement is idempotent (`IF NOT EXISTS`): a migration that failed half way, or that two replicas apply at once,
 * is simply run again.
 */
export async function migrateTelemetry(driver: ClickHouseDriver, migrations?: TelemetryMigration[]): Promise<string[]> {
  const all = migrations ?? (await readTelemetryMigrations());
  await driver.exec(
    "CREATE TABLE IF NOT EXISTS telemetry_migrations (version String, applied_at DateTime('UTC') DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version",
  );
  const rows = await driver.query<{ version: string }>("SELECT DISTINCT version FROM telemetry_migrations");
  const applied = new Set(rows.map((r) => r.version));
  const pending = all.filter((m) => !applied.has(m.version));
  for (const migration of pending) {
    for (const statement of migration.statements) await driver.exec(statement);
    await driver.exec("INSERT INTO telemetry_migrations (version) VALUES ({version:String})", {
      version: migration.version,
    });
  }
  return pending.map((m) => m.version);
}
