import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { sha256Hex } from "../auth/random";
import { servers } from "../db/schema";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
before(async () => {
  t = await createTestApp({ SYNTRA_PUBLIC_URL: "https://syntra.example.com" });
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
});
after(() => t.close());

test("registering a server returns its id, a one-time agent token and an install command", async () => {
  const res = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1", tags: ["prod", "eu"] } });
  assert.equal(res.status, 201);
  const { server_id, token, install_command, server } = res.body.data;
  assert.match(token, /^syn_agt_[A-Za-z0-9]{40}$/);
  assert.equal(server.id, server_id);
  assert.equal(server.status, "offline");
  assert.deepEqual(server.tags, ["prod", "eu"]);
  assert.ok(install_command.includes("https://syntra.example.com") && install_command.includes(token));
  // Only the hash is stored; reading the server never shows the token again.
  const [row] = await t.deps.db.select().from(servers).where(eq(servers.id, server_id));
  assert.equal(row?.agentTokenHash, sha256Hex(token));
  const again = await t.call("GET", `/api/v1/servers/${server_id}`, { as: owner });
  assert.equal(again.status, 200);
  assert.ok(!JSON.stringify(again.body).includes(token));
  assert.ok(!("agent_token_hash" in again.body.data));
});

test("server names are unique per organization (409) and validated (400 with the field path)", async () => {
  await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "dup" } });
  const dup = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "dup" } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, "CONFLICT");
  const bad = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "x", tags: ["Not Valid!"] } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "VALIDATION_ERROR");
  assert.equal(bad.body.error.details[0].path, "body.tags.0");
});

test("the server list pages with page/per_page, filters by status and reports meta.total", async () => {
  for (let i = 0; i < 5; i++) await t.call("POST", "/api/v1/servers", { as: owner, body: { name: `node-${i}` } });
  const all = await t.call("GET", "/api/v1/servers?per_page=100", { as: owner });
  const total = all.body.meta.total;
  assert.ok(total >= 5);
  const page2 = await t.call("GET", "/api/v1/servers?page=2&per_page=2", { as: owner });
  assert.equal(page2.status, 200);
  assert.equal(page2.body.data.length, 2);
  assert.deepEqual(page2.body.meta, { total, page: 2, per_page: 2 });
  assert.deepEqual(
    page2.body.data.map((s: { id: string }) => s.id),
    all.body.data.slice(2, 4).map((s: { id: string }) => s.id),
  );
  const online = await t.call("GET", "/api/v1/servers?status=online", { as: owner });
  assert.equal(online.body.data.length, 0);
  assert.equal(online.body.meta.total, 0);
  const tooMany = await t.call("GET", "/api/v1/servers?per_page=101", { as: owner });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.error.details[0].path, "query.per_page");
  const unknown = await t.call("GET", "/api/v1/servers?colour=blue", { as: owner });
  assert.equal(unknown.status, 400);
});

test("a server can be renamed and retagged, and deleted when nothing runs on it", async () => {
  const created = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "temp" } });
  const id = created.body.data.server_id;
  const patched = await t.call("PATCH", `/api/v1/servers/${id}`, { as: owner, body: { name: "renamed", tags: ["x"] } });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.data.name, "renamed");
  assert.deepEqual(patched.body.data.tags, ["x"]);
  const empty = await t.call("PATCH", `/api/v1/servers/${id}`, { as: owner, body: {} });
  assert.equal(empty.status, 400);
  const del = await t.call("DELETE", `/api/v1/servers/${id}`, { as: owner });
  assert.equal(del.status, 204);
  assert.equal(del.body, undefined);
  assert.equal((await t.call("GET", `/api/v1/servers/${id}`, { as: owner })).status, 404);
});

test("deleting a server that still runs services is refused and loses nothing", async () => {
  const srv = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "busy" } })).body.data.server_id;
  const project = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Busy" } })).body.data.id;
  const svc = await t.call("POST", `/api/v1/projects/${project}/services`, {
    as: owner,
    body: { name: "api", server_id: srv, source_type: "image", source_config: { image: "nginx", tag: "1.27" } },
  });
  assert.equal(svc.status, 201);
  const del = await t.call("DELETE", `/api/v1/servers/${srv}`, { as: owner });
  assert.equal(del.status, 422);
  assert.equal(del.body.error.code, "UNPROCESSABLE");
  assert.equal((await t.call("GET", `/api/v1/services/${svc.body.data.id}`, { as: owner })).status, 200);
});

test("metrics answer an empty series list for a server that has not reported, and validate their range", async () => {
  const srv = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "quiet" } })).body.data.server_id;
  const res = await t.call("GET", `/api/v1/servers/${srv}/metrics?interval=5m`, { as: owner });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, []);
  const bad = await t.call("GET", `/api/v1/servers/${srv}/metrics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, {
    as: owner,
  });
  assert.equal(bad.status, 400);
  const notId = await t.call("GET", "/api/v1/servers/not-a-uuid", { as: owner });
  assert.equal(notId.status, 400);
  assert.equal(notId.body.error.details[0].path, "params.serverId");
});
