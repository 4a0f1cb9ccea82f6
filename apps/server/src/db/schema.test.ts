import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { createTestDatabase } from "../testing/test-database";
import type { Database } from "./client";
import { migrate, readMigrations } from "./migrate";
import * as schema from "./schema";

let store: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
before(async () => {
  store = await createTestDatabase();
  database = store.database;
});
after(() => store.drop());

const tables = (Object.values(schema) as unknown[]).filter((v): v is PgTable => is(v, PgTable));

test("the Drizzle schema and the migrated database have the same tables and columns", async () => {
  const rows = await database.rawTransaction((tx) =>
    tx.query<{ table_name: string; column_name: string; is_nullable: string }>(
      "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'",
    ),
  );
  const inDb = new Map<string, Map<string, boolean>>();
  for (const r of rows) {
    if (r.table_name === "schema_migrations") continue;
    inDb.set(r.table_name, (inDb.get(r.table_name) ?? new Map()).set(r.column_name, r.is_nullable === "YES"));
  }
  const declared = new Map(tables.map((t) => [getTableConfig(t).name, getTableConfig(t)]));
  assert.deepEqual([...declared.keys()].sort(), [...inDb.keys()].sort());
  for (const [name, config] of declared) {
    const dbColumns = inDb.get(name) ?? new Map();
    assert.deepEqual(config.columns.map((c) => c.name).sort(), [...dbColumns.keys()].sort(), `columns of ${name}`);
    for (const c of config.columns) {
      assert.equal(!c.notNull, dbColumns.get(c.name), `nullability of ${name}.${c.name}`);
    }
  }
});

test("every Drizzle enum has exactly the values, in order, of the database's enum type", async () => {
  const rows = await database.rawTransaction((tx) =>
    tx.query<{ typname: string; enumlabel: string }>(
      "SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder",
    ),
  );
  const inDb = new Map<string, string[]>();
  for (const r of rows) inDb.set(r.typname, [...(inDb.get(r.typname) ?? []), r.enumlabel]);
  const enums = (Object.values(schema) as unknown[]).filter(
    (v): v is { enumName: string; enumValues: string[] } => typeof v === "function" && "enumName" in v,
  );
  assert.equal(enums.length, inDb.size);
  for (const e of enums) assert.deepEqual(e.enumValues, inDb.get(e.enumName), `enum ${e.enumName}`);
});

test("migrating again applies nothing; a failing migration leaves no trace", async () => {
  assert.deepEqual(await migrate(database), []);
  const all = await readMigrations();
  const broken = [...all, { version: "9999_broken", sql: "CREATE TABLE half_done (id int); SELECT no_such_fn();" }];
  await assert.rejects(migrate(database, broken));
  const left = await database.rawTransaction((tx) =>
    tx.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'"),
  );
  assert.equal(left.length, 0);
  const versions = await database.rawTransaction((tx) =>
    tx.query<{ version: string }>("SELECT version FROM schema_migrations ORDER BY version"),
  );
  assert.deepEqual(
    versions.map((v) => v.version),
    all.map((m) => m.version),
  );
});

// Numbers are handed out to branches worked on in parallel, so a later number may land before an earlier one:
// gaps are allowed, a number used twice is not.
test("migration files are numbered from 0000 without duplicates", async () => {
  const versions = (await readMigrations()).map((m) => Number(m.version.slice(0, 4)));
  assert.equal(versions[0], 0);
  assert.deepEqual(versions, [...new Set(versions)]);
});
