import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, TEST_PASSWORD, type TestApp } from "../testing/harness";

const UA = "SyntraAuditTest/1.0";

interface Entry {
  id: string;
  action: string;
  actor?: { type: string; token_id: string | null; token_name: string | null; component: string | null };
  user_id: string | null;
  user_email: string | null;
  resource_type: string;
  resource_id: string | null;
  details: Record<string, unknown> | null;
  ip_address: string | null;
  user_agent: string | null;
}

let t: TestApp;
let owner: { cookie: string; userId: string };
let dev: { cookie: string; userId: string };
let inviteToken: string;
let apiToken: string;
let devCookie: string;

/** Calls the API as a browser with a recognisable user agent. */
function call(method: string, url: string, as: { cookie: string } | null, body?: unknown) {
  return t.call(method, url, { as, headers: { "user-agent": UA }, ...(body !== undefined && { body }) });
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const value = /syntra_session=([^;]+)/.exec(String(res.headers["set-cookie"]))?.[1];
  if (!value) throw new Error("no session cookie");
  return value;
}

before(async () => {
  t = await createTestApp();
  const signup = await call("POST", "/api/v1/auth/signup", null, {
    email: "owner@example.com",
    password: TEST_PASSWORD,
    org_name: "Audited",
  });
  owner = { cookie: cookieOf(signup), userId: signup.body.data.user.id };
  await call("POST", "/api/v1/auth/login", null, { email: "owner@example.com", password: TEST_PASSWORD });

  const inv = await call("POST", "/api/v1/org/invitations", owner, { email: "dev@example.com", role: "viewer" });
  inviteToken = inv.body.data.token;
  const joined = await call("POST", "/api/v1/auth/signup", null, {
    email: "dev@example.com",
    password: TEST_PASSWORD,
    invite_token: inviteToken,
  });
  devCookie = cookieOf(joined);
  dev = { cookie: devCookie, userId: joined.body.data.user.id };
  await call("PATCH", `/api/v1/org/members/${dev.userId}`, owner, { role: "developer" });

  const token = await call("POST", "/api/v1/tokens", owner, { name: "deploy-bot", scopes: ["projects:read"] });
  apiToken = token.body.data.token;
  await call("DELETE", `/api/v1/tokens/${token.body.data.id}`, owner);

  const revoked = await call("POST", "/api/v1/org/invitations", owner, { email: "later@example.com", role: "viewer" });
  await call("DELETE", `/api/v1/org/invitations/${revoked.body.data.id}`, owner);
  await call("POST", "/api/v1/auth/logout", dev);
  await call("DELETE", `/api/v1/org/members/${dev.userId}`, owner);
});
after(() => t.close());

async function auditLog(): Promise<Entry[]> {
  const res = await t.call("GET", "/api/v1/audit-logs?limit=100", { as: owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

function only(entries: Entry[], action: string): Entry {
  const found = entries.filter((e) => e.action === action);
  assert.equal(found.length, 1, `${action}: ${found.length} entries`);
  return found[0] as Entry;
}

test("sign-up, login and logout are recorded in the organization's audit log", async () => {
  const entries = await auditLog();
  const signups = entries.filter((e) => e.action === "auth.signup");
  assert.deepEqual(signups.map((e) => e.user_email).sort(), ["dev@example.com", "owner@example.com"]);
  const login = only(entries, "auth.login");
  assert.equal(login.user_id, owner.userId);
  assert.equal(login.resource_type, "user");
  const logout = only(entries, "auth.logout");
  assert.equal(logout.user_id, dev.userId);
});

test("invitations, role changes, removals and tokens are recorded with who did them", async () => {
  const entries = await auditLog();
  const invitation = entries.find((e) => e.action === "invitation.create" && e.details?.email === "dev@example.com");
  assert.ok(invitation);
  assert.equal(invitation.user_id, owner.userId);
  assert.deepEqual(invitation.details, { email: "dev@example.com", role: "viewer" });
  assert.equal(only(entries, "invitation.revoke").resource_type, "invitation");

  const roleChange = only(entries, "member.role_change");
  assert.equal(roleChange.user_id, owner.userId);
  assert.equal(roleChange.resource_id, dev.userId);
  assert.deepEqual(roleChange.details, { role: "developer" });
  assert.equal(only(entries, "member.remove").resource_id, dev.userId);

  const token = only(entries, "token.create");
  assert.deepEqual(token.details, { name: "deploy-bot", type: "usr", scopes: ["projects:read"] });
  assert.equal(only(entries, "token.revoke").resource_id, token.resource_id);
});

test("every entry carries the client's address and user agent", async () => {
  const entries = await auditLog();
  assert.ok(entries.length >= 10, `${entries.length} entries`);
  for (const e of entries) {
    assert.equal(e.ip_address, "127.0.0.1", e.action);
    assert.equal(e.user_agent, UA, e.action);
  }
});

test("no entry holds a password, a token, a session or an invitation code", async () => {
  const raw = JSON.stringify(await auditLog());
  for (const secret of [TEST_PASSWORD, apiToken, inviteToken, owner.cookie, devCookie]) {
    assert.ok(!raw.includes(secret), `a secret leaked into the audit log: ${secret.slice(0, 8)}...`);
  }
  assert.ok(!raw.includes("scrypt$"));
});

test("a call made with an API token is recorded as that token, acting for its owner, and stays so once it is revoked", async () => {
  const created = await call("POST", "/api/v1/tokens", owner, { name: "ci-bot", scopes: ["projects:write"] });
  const token = { token: created.body.data.token as string };
  const project = await t.call("POST", "/api/v1/projects", {
    as: token,
    body: { name: "By token" },
    headers: { "user-agent": UA },
  });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const find = async () =>
    (await auditLog()).find((e) => e.action === "project.create" && e.resource_id === project.body.data.id);
  const entry = await find();
  assert.equal(entry?.user_id, owner.userId);
  assert.deepEqual(entry?.actor, {
    type: "token",
    token_id: created.body.data.id,
    token_name: "ci-bot",
    component: null,
  });
  const byTokens = await t.call("GET", "/api/v1/audit-logs?actor_type=token", { as: owner });
  assert.deepEqual(
    byTokens.body.data.map((e: Entry) => e.action),
    ["project.create"],
  );

  await call("DELETE", `/api/v1/tokens/${created.body.data.id}`, owner);
  // The token's row is gone; the entry still says which token it was.
  assert.deepEqual((await find())?.actor, {
    type: "token",
    token_id: created.body.data.id,
    token_name: null,
    component: null,
  });
  // Signed-in calls are the user's own.
  assert.equal(only(await auditLog(), "member.role_change").actor?.type, "user");
});
