import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type Database, openDatabase } from "../db/client";
import { migrate } from "../db/migrate";

/** Which store the suite runs on: PGlite unless TEST_DATABASE_URL names a PostgreSQL server. */
export const testStore: "pglite" | "postgres" = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";

let template: Promise<string> | undefined;

// initdb + migrations cost seconds in PGlite, so they run once; each test app starts from a copy.
async function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-template-"));
    const db = await openDatabase({ dataDir: dir });
    await migrate(db);
    await db.close();
    return dir;
  })();
  return template;
}

/** A migrated, empty database of its own and a data dir, removed by `drop`. */
export async function createTestDatabase(): Promise<{ database: Database; dataDir: string; drop(): Promise<void> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-test-"));
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    await fs.cp(path.join(await pgliteTemplate(), "pglite"), path.join(dataDir, "pglite"), { recursive: true });
    const database = await openDatabase({ dataDir });
    return {
      database,
      dataDir,
      drop: async () => {
        await database.close();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `syntra_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: dbUrl.toString(), dataDir });
  await migrate(database);
  return {
    database,
    dataDir,
    drop: async () => {
      await database.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
