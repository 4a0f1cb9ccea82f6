import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase, testStore } from "../testing/test-database";
import { resultRows } from "./client";
import { analyzeStaleTables } from "./pglite-analyze";

// PGlite runs no autovacuum: without these ANALYZEs the planner never learns a table's size, and the servers list of
// a big fleet sorts every server per request instead of reading a page of idx_servers_org_created (issue 19).
// On PostgreSQL autovacuum does this (and races the test), so the suite runs on PGlite only.
const skip = testStore === "postgres" ? "PostgreSQL's autovacuum keeps statistics; the control plane does not" : false;

let store: TestDatabase;
before(async () => {
  store = await createTestDatabase();
});
after(async () => {
  await store?.drop();
});

const plan = async (orgId: string) =>
  resultRows<Record<string, string>>(
    await store.database.db.execute(
      sql`EXPLAIN SELECT * FROM servers WHERE org_id = ${orgId} ORDER BY created_at DESC, id DESC LIMIT 20`,
    ),
  )
    .map((r) => Object.values(r)[0])
    .join("\n");

test("a fleet's servers list reads its page from the index once the table's statistics are refreshed", {
  skip,
}, async () => {
  const db = store.database.db;
  const [user] = resultRows<{ id: string }>(
    await db.execute(
      sql`INSERT INTO users (email, name, password_hash) VALUES ('fleet@example.com', 'f', 'x') RETURNING id`,
    ),
  );
  const [org] = resultRows<{ id: string }>(
    await db.execute(
      sql`INSERT INTO organizations (name, slug, owner_id) VALUES ('Fleet', 'fleet', ${user?.id}) RETURNING id`,
    ),
  );
  const orgId = String(org?.id);
  await db.execute(sql`
    INSERT INTO servers (org_id, name, agent_token_hash)
    SELECT ${orgId}, 'fleet-' || g, md5(g::text) FROM generate_series(1, 10000) g`);

  // Statistics reach pg_stat_user_tables at most once a second; the control plane checks every minute.
  await db.execute(sql`SELECT pg_stat_force_next_flush()`);
  const analyzed = await analyzeStaleTables(db);
  assert.ok(analyzed.includes("servers"), `servers analyzed (got ${analyzed.join(", ")})`);
  const [size] = resultRows<{ reltuples: number }>(
    await db.execute(sql`SELECT reltuples FROM pg_class WHERE relname = 'servers'`),
  );
  assert.equal(Number(size?.reltuples), 10_000, "the planner knows the table's size");
  assert.match(await plan(orgId), /Index Scan using idx_servers_org_created/);
  assert.doesNotMatch(await plan(orgId), /Sort/, "no sort of the whole fleet per page");

  // Updates (every server's heartbeat) leave the table's size as the planner knows it: nothing to analyze again.
  await db.execute(sql`UPDATE servers SET last_heartbeat_at = now(), status = 'online' WHERE org_id = ${orgId}`);
  await db.execute(sql`SELECT pg_stat_force_next_flush()`);
  assert.ok(!(await analyzeStaleTables(db)).includes("servers"));
});
