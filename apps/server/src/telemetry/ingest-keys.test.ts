import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { openDatabase } from "../db/client";
import { migrate, readMigrations } from "../db/migrate";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { ingestKeysForServer, ingestKeysForServers, newIngestKey, resolveIngestKey } from "./ingest-keys";

let t: TestApp;
let owner: { cookie: string };
let orgId: string;
let projectId: string;
let serverId: string;
let n = 0;

before(async () => {
  t = await createTestApp({
    SYNTRA_PUBLIC_URL: "https://syntra.example.com",
    SYNTRA_INGEST_KEY_GRACE_HOURS: "2",
    SYNTRA_OPEN_SIGNUP: "true",
  });
  const s = await t.signup("owner@example.com", { orgName: "Acme" });
  owner = { cookie: s.cookie };
  orgId = s.orgId;
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s1" } })).body.data.server_id;
});
after(() => t.close());

async function newService(): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: imageServiceBody(`svc-${++n}`, serverId),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

const ingest = async (serviceId: string) => {
  const res = await t.call("GET", `/api/v1/services/${serviceId}/ingest`, { as: owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
};

test("every service has its own prefixed key and numeric id; DSNs and OTLP endpoints are built from them", async () => {
  const a = await ingest(await newService());
  const b = await ingest(await newService());
  assert.match(a.key, /^syn_ing_[0-9a-f]{32}$/);
  assert.notEqual(a.key, b.key);
  assert.ok(Number.isInteger(a.ingest_id) && a.ingest_id > 0);
  assert.notEqual(a.ingest_id, b.ingest_id);
  // What a Sentry SDK parses: scheme://publicKey@host/projectId, the project id a number.
  const dsn = new URL(a.sentry_dsn);
  assert.equal(dsn.protocol, "https:");
  assert.equal(dsn.username, a.key);
  assert.equal(dsn.host, "syntra.example.com");
  assert.equal(dsn.pathname, `/${a.ingest_id}`);
  assert.equal(a.dsn, a.sentry_dsn);
  assert.deepEqual(a.otlp, {
    http_endpoint: "https://syntra.example.com",
    grpc_endpoint: "http://host.docker.internal:4317",
    headers: { "x-syntra-key": a.key },
  });
  assert.deepEqual(a.in_container, {
    otlp_http_endpoint: "http://host.docker.internal:4318",
    otlp_grpc_endpoint: "http://host.docker.internal:4317",
    dsn: `http://${a.key}@host.docker.internal:4318/${a.ingest_id}`,
  });
  assert.equal(a.previous_key, null);
});

test("a key resolves to its service, project, organization and server; unknown and malformed keys to nothing", async () => {
  const serviceId = await newService();
  const { key, ingest_id } = await ingest(serviceId);
  assert.deepEqual(await resolveIngestKey(t.deps.db, key), {
    serviceId,
    projectId,
    orgId,
    serverId,
    ingestNumber: ingest_id,
  });
  assert.equal(await resolveIngestKey(t.deps.db, newIngestKey()), null);
  assert.equal(await resolveIngestKey(t.deps.db, "syn_ing_' OR 1=1 --"), null);
  assert.equal(await resolveIngestKey(t.deps.db, ""), null);
});

test("rotation: a new key at once, the old one valid for the grace period only, both listed for the server's agent", async () => {
  const serviceId = await newService();
  const before = await ingest(serviceId);
  // Resolved (and cached) before the rotation: the rotation must not leave a stale answer behind.
  assert.ok(await resolveIngestKey(t.deps.db, before.key));
  const res = await t.call("POST", `/api/v1/services/${serviceId}/ingest/rotate`, { as: owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const rotated = res.body.data;
  assert.notEqual(rotated.key, before.key);
  assert.equal(rotated.ingest_id, before.ingest_id);
  assert.equal(rotated.previous_key.key, before.key);
  const expiresAt = Date.parse(rotated.previous_key.expires_at);
  assert.equal(expiresAt - t.deps.now().getTime() <= 2 * 3_600_000, true);
  assert.equal(expiresAt - t.deps.now().getTime() > 2 * 3_600_000 - 60_000, true);
  assert.deepEqual(await ingest(serviceId), rotated);

  const now = t.deps.now();
  assert.equal((await resolveIngestKey(t.deps.db, rotated.key, now))?.serviceId, serviceId);
  assert.equal((await resolveIngestKey(t.deps.db, before.key, now))?.serviceId, serviceId);
  const listed = (await ingestKeysForServer(t.deps.db, serverId, now)).filter((k) => k.serviceId === serviceId);
  assert.deepEqual(
    listed.map((k) => [k.key, k.expiresAt?.toISOString() ?? null]).sort(),
    [
      [before.key, rotated.previous_key.expires_at],
      [rotated.key, null],
    ].sort(),
  );
  // The sweep's lookup for the whole fleet (one array parameter per 1,000 servers) lists the same keys; a server
  // without services has none.
  const fleet = await ingestKeysForServers(t.deps.db, [serverId, randomUUID()], now);
  assert.deepEqual(fleet.get(serverId), await ingestKeysForServer(t.deps.db, serverId, now));
  assert.equal(fleet.size, 1);

  // Past the grace period the old key is refused, even though it was cached while valid.
  const later = new Date(expiresAt + 1);
  assert.equal(await resolveIngestKey(t.deps.db, before.key, later), null);
  assert.equal((await resolveIngestKey(t.deps.db, rotated.key, later))?.serviceId, serviceId);
  assert.deepEqual(
    (await ingestKeysForServer(t.deps.db, serverId, later)).filter((k) => k.serviceId === serviceId).map((k) => k.key),
    [rotated.key],
  );

  // A second rotation keeps only the latest old key.
  const again = (await t.call("POST", `/api/v1/services/${serviceId}/ingest/rotate`, { as: owner })).body.data;
  assert.equal(again.previous_key.key, rotated.key);
  assert.equal(await resolveIngestKey(t.deps.db, before.key), null);

  // The audit log records the rotation, never a key.
  const audit = await t.call("GET", "/api/v1/audit-logs?action=service.ingest_key.rotate", { as: owner });
  assert.equal(audit.body.data.length, 2);
  assert.doesNotMatch(JSON.stringify(audit.body), /syn_ing_/);
});

test("a deleted service's key stops resolving", async () => {
  const serviceId = await newService();
  const { key } = await ingest(serviceId);
  assert.equal((await resolveIngestKey(t.deps.db, key))?.serviceId, serviceId);
  const res = await t.call("DELETE", `/api/v1/services/${serviceId}`, { as: owner });
  assert.equal(res.status, 204);
  // Cached answers live 30 s at most: one that long after the deletion asks the database again.
  assert.equal(await resolveIngestKey(t.deps.db, key, new Date(Date.now() + 31_000)), null);
});

test("another organization's service answers 404 for reading and rotating", async () => {
  const serviceId = await newService();
  const other = await t.signup("other@example.com", { orgName: "Other" });
  const get = await t.call("GET", `/api/v1/services/${serviceId}/ingest`, { as: { cookie: other.cookie } });
  assert.equal(get.status, 404);
  const rotate = await t.call("POST", `/api/v1/services/${serviceId}/ingest/rotate`, { as: { cookie: other.cookie } });
  assert.equal(rotate.status, 404);
  assert.doesNotMatch(JSON.stringify(get.body), /syn_ing_/);
});

test("migration 0009 gives services that existed before it keys and numeric ids of their own", async () => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-ingest-migration-"));
  const database = await openDatabase({ dataDir });
  try {
    const all = await readMigrations();
    await migrate(
      database,
      all.filter((m) => m.version < "0009"),
    );
    await database.rawTransaction(async (tx) => {
      await tx.exec(`
        INSERT INTO users (id, email) VALUES ('00000000-0000-4000-8000-000000000009', 'old@example.com');
        INSERT INTO organizations (id, name, slug, owner_id)
          VALUES ('00000000-0000-4000-8000-000000000001', 'Acme', 'acme', '00000000-0000-4000-8000-000000000009');
        INSERT INTO servers (id, org_id, name, agent_token_hash)
          VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 's1', 'x');
        INSERT INTO projects (id, org_id, name, slug)
          VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000001', 'Shop', 'shop');
        INSERT INTO services (project_id, server_id, name, source_type) VALUES
          ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', 'web', 'image'),
          ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', 'api', 'image');`);
    });
    await migrate(database, all);
    const rows = await database.rawTransaction((tx) =>
      tx.query<{ ingest_key: string; ingest_number: string }>("SELECT ingest_key, ingest_number FROM services"),
    );
    assert.equal(rows.length, 2);
    for (const row of rows) assert.match(row.ingest_key, /^syn_ing_[0-9a-f]{32}$/);
    assert.notEqual(rows[0]?.ingest_key, rows[1]?.ingest_key);
    assert.notEqual(String(rows[0]?.ingest_number), String(rows[1]?.ingest_number));
  } finally {
    await database.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});
