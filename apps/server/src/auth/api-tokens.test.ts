import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { apiTokens } from "../db/schema";
import { createTestApp, type TestApp } from "../testing/harness";
import { sha256Hex } from "./random";

const HOUR_MS = 3_600_000;
const TOKEN_SHAPE = /^syn_usr_[A-Za-z0-9]{40}$/;

let t: TestApp;
let owner: { cookie: string };
let viewer: { cookie: string };

before(async () => {
  t = await createTestApp();
  owner = await t.signup("owner@example.com", { orgName: "Token Org" });
  viewer = await t.member(owner, "viewer@example.com", "viewer");
});
after(() => t.close());

async function createToken(as: { cookie: string }, body: Record<string, unknown> = { name: "ci" }) {
  const res = await t.call("POST", "/api/v1/tokens", { as, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data as { id: string; token: string; token_prefix: string; name: string };
}

test("a new token is shown once, in full, as syn_usr_ plus 40 base62 characters", async () => {
  const created = await createToken(owner, { name: "laptop" });
  assert.match(created.token, TOKEN_SHAPE);
  assert.ok(created.token.startsWith(created.token_prefix));
  assert.ok(created.token_prefix.length < created.token.length / 2, "the prefix is not enough to use the token");

  const list = await t.call("GET", "/api/v1/tokens", { as: owner });
  assert.equal(list.status, 200);
  const listed = list.body.data.find((x: { id: string }) => x.id === created.id);
  assert.equal(listed.name, "laptop");
  assert.equal(listed.token_prefix, created.token_prefix);
  assert.equal("token" in listed, false);
  assert.ok(!JSON.stringify(list.body).includes(created.token), "the full token is never listed");
});

test("only the token's SHA-256 is stored", async () => {
  const created = await createToken(owner, { name: "hashed" });
  const [row] = await t.deps.db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
  assert.ok(row);
  assert.equal(row.tokenHash, sha256Hex(created.token));
  assert.match(row.tokenHash, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(row).includes(created.token));
});

test("a token works as a Bearer credential for reads and for mutations its role allows", async () => {
  const created = await createToken(owner, { name: "automation" });
  const me = await t.call("GET", "/api/v1/me", { as: { token: created.token } });
  assert.equal(me.status, 200);
  assert.equal(me.body.data.user.email, "owner@example.com");
  assert.equal(me.body.data.auth_method, "token");
  assert.equal(me.body.data.org.name, "Token Org");

  const project = await t.call("POST", "/api/v1/projects", {
    as: { token: created.token },
    body: { name: "Made by token" },
  });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  assert.equal(project.body.data.name, "Made by token");
});

test("using a token records last_used_at", async () => {
  const created = await createToken(owner, { name: "touched" });
  const lastUsed = async () =>
    (await t.call("GET", "/api/v1/tokens", { as: owner })).body.data.find((x: { id: string }) => x.id === created.id)
      .last_used_at;
  assert.equal(await lastUsed(), null);
  assert.equal((await t.call("GET", "/api/v1/me", { as: { token: created.token } })).status, 200);
  const used = await lastUsed();
  assert.ok(used, "last_used_at is set");
  assert.ok(Math.abs(Date.parse(used) - Date.now()) < 60_000);
});

test("a revoked token is refused", async () => {
  const created = await createToken(owner, { name: "short-lived" });
  assert.equal((await t.call("GET", "/api/v1/me", { as: { token: created.token } })).status, 200);
  const del = await t.call("DELETE", `/api/v1/tokens/${created.id}`, { as: owner });
  assert.equal(del.status, 204);
  const res = await t.call("GET", "/api/v1/me", { as: { token: created.token } });
  assert.equal(res.status, 401);
  assert.equal(res.body.error.code, "UNAUTHORIZED");
  const list = await t.call("GET", "/api/v1/tokens", { as: owner });
  assert.ok(!list.body.data.some((x: { id: string }) => x.id === created.id));
  assert.equal((await t.call("DELETE", `/api/v1/tokens/${created.id}`, { as: owner })).status, 404);
});

test("another user cannot revoke my token", async () => {
  const created = await createToken(owner, { name: "mine" });
  const res = await t.call("DELETE", `/api/v1/tokens/${created.id}`, { as: viewer });
  assert.equal(res.status, 404);
  assert.equal((await t.call("GET", "/api/v1/me", { as: { token: created.token } })).status, 200);
});

test("expires_at in the past is rejected at creation", async () => {
  const res = await t.call("POST", "/api/v1/tokens", {
    as: owner,
    body: { name: "stale", expires_at: new Date(Date.now() - 60_000).toISOString() },
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, "VALIDATION_ERROR");
  assert.ok(res.body.error.details.some((d: { path: string }) => d.path === "body.expires_at"));
});

test("a token past its expires_at is refused", async () => {
  const created = await createToken(owner, {
    name: "expiring",
    expires_at: new Date(Date.now() + HOUR_MS).toISOString(),
  });
  assert.equal((await t.call("GET", "/api/v1/me", { as: { token: created.token } })).status, 200);
  t.advanceClock(HOUR_MS + 1000);
  const res = await t.call("GET", "/api/v1/me", { as: { token: created.token } });
  assert.equal(res.status, 401);
  assert.equal(res.body.error.code, "UNAUTHORIZED");
});

test("malformed Authorization headers are 401, never anonymous", async () => {
  for (const authorization of [
    "Bearer",
    "Bearer not-a-token",
    "Basic dXNlcjpwYXNz",
    `Bearer syn_usr_${"x".repeat(10)}`,
  ]) {
    const res = await t.call("GET", "/api/v1/me", { headers: { authorization } });
    assert.equal(res.status, 401, authorization);
    assert.equal(res.body.error.code, "UNAUTHORIZED");
  }
  // A well-formed but unknown token.
  const res = await t.call("GET", "/api/v1/me", { as: { token: `syn_usr_${"A".repeat(40)}` } });
  assert.equal(res.status, 401);
});

test("an agent token is not accepted on the REST API", async () => {
  const server = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "edge-1" } });
  assert.equal(server.status, 201, JSON.stringify(server.body));
  const agentToken: string = server.body.data.token;
  assert.match(agentToken, /^syn_agt_/);
  const res = await t.call("GET", "/api/v1/me", { as: { token: agentToken } });
  assert.equal(res.status, 401);
  assert.equal((await t.call("GET", "/api/v1/servers", { as: { token: agentToken } })).status, 401);
});

test("a token cannot create tokens", async () => {
  const created = await createToken(owner, { name: "no-minting" });
  const res = await t.call("POST", "/api/v1/tokens", { as: { token: created.token }, body: { name: "child" } });
  assert.equal(res.status, 403);
  assert.equal(res.body.error.code, "FORBIDDEN");
});

test("scopes beyond the creator's role are refused", async () => {
  const res = await t.call("POST", "/api/v1/tokens", {
    as: viewer,
    body: { name: "escalate", scopes: ["servers:read", "servers:write"] },
  });
  assert.equal(res.status, 403);
  assert.equal(res.body.error.code, "FORBIDDEN");
  assert.deepEqual(res.body.error.details, { scopes: ["servers:write"] });
  const list = await t.call("GET", "/api/v1/tokens", { as: viewer });
  assert.equal(list.body.data.length, 0, "no token was created");
});

test("a viewer's token carries the viewer's role, not more", async () => {
  const created = await createToken(viewer, { name: "viewer-token" });
  assert.equal((await t.call("GET", "/api/v1/projects", { as: { token: created.token } })).status, 200);
  const res = await t.call("POST", "/api/v1/projects", { as: { token: created.token }, body: { name: "Nope" } });
  assert.equal(res.status, 403);
});

test("a scoped token can do only what its scopes name", async () => {
  const created = await createToken(owner, { name: "read-only", scopes: ["projects:read"] });
  assert.equal((await t.call("GET", "/api/v1/projects", { as: { token: created.token } })).status, 200);
  const write = await t.call("POST", "/api/v1/projects", { as: { token: created.token }, body: { name: "Nope" } });
  assert.equal(write.status, 403);
  assert.equal((await t.call("GET", "/api/v1/servers", { as: { token: created.token } })).status, 403);
});

test("tokens stop working when their user leaves the organization", async () => {
  const dev = await t.member(owner, "leaver@example.com", "developer");
  const created = await createToken(dev, { name: "leaver-token" });
  assert.equal((await t.call("GET", "/api/v1/projects", { as: { token: created.token } })).status, 200);
  assert.equal((await t.call("DELETE", `/api/v1/org/members/${dev.userId}`, { as: owner })).status, 204);
  const res = await t.call("GET", "/api/v1/projects", { as: { token: created.token } });
  assert.equal(res.status, 403);
});
