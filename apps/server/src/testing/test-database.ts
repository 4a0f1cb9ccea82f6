import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type Database, openDatabase } from "../db/client";
import { migrate, readMigrations } from "../db/migrate";

/** Which store the suite runs on: PGlite unless TEST_DATABASE_URL names a PostgreSQL server. */
export const testStore: "pglite" | "postgres" = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";

let template: Promise<string> | undefined;

/**
 * initdb and the migrations cost seconds in PGlite, so a migrated database is made once per set of migrations
 * (shared by every test process through a folder named by their hash) and each test app starts from a copy.
 */
async function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const hash = createHash("sha256");
    for (const m of await readMigrations()) hash.update(m.version).update(m.sql);
    const dir = path.join(os.tmpdir(), `syntra-pglite-template-${hash.digest("hex").slice(0, 16)}`);
    if (await exists(path.join(dir, "pglite", "PG_VERSION"))) return dir;
    const building = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-template-build-"));
    const db = await openDatabase({ dataDir: building });
    await migrate(db);
    await db.close();
    // Another process may have finished first; either copy is as good.
    await fs.rename(building, dir).catch(() => fs.rm(building, { recursive: true, force: true }));
    return dir;
  })();
  return template;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** A test's store: its database, its data dir, and how to close and open it again or remove it. */
export interface TestDatabase {
  database: Database;
  dataDir: string;
  /** Closes the database and opens it again (a control plane's restart): what was committed is all there is. */
  reopen(): Promise<Database>;
  drop(): Promise<void>;
}

/**
 * The PostgreSQL database of another test app, opened again with a data dir of its own (a second replica); `drop`
 * closes it and removes the data dir, the database stays its first owner's.
 */
export async function joinTestDatabase(of: Database): Promise<TestDatabase> {
  const url = of.url;
  if (!url) throw new Error("replicas share a PostgreSQL server: run with TEST_DATABASE_URL");
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-test-"));
  const store: TestDatabase = {
    database: await openDatabase({ databaseUrl: url, dataDir }),
    dataDir,
    reopen: async () => {
      await store.database.close();
      store.database = await openDatabase({ databaseUrl: url, dataDir });
      return store.database;
    },
    drop: async () => {
      await store.database.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return store;
}

/** A migrated, empty database of its own and a data dir, removed by `drop`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-test-"));
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    await fs.cp(path.join(await pgliteTemplate(), "pglite"), path.join(dataDir, "pglite"), { recursive: true });
    const store: TestDatabase = {
      database: await openDatabase({ dataDir }),
      dataDir,
      reopen: async () => {
        await store.database.close();
        store.database = await openDatabase({ dataDir });
        return store.database;
      },
      drop: async () => {
        await store.database.close();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
    return store;
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
  const store: TestDatabase = {
    database,
    dataDir,
    reopen: async () => {
      await store.database.close();
      store.database = await openDatabase({ databaseUrl: dbUrl.toString(), dataDir });
      return store.database;
    },
    drop: async () => {
      await store.database.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return store;
}
