import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { sql } from "drizzle-orm";
import { resultRows } from "../db/client";
import { imageServiceBody } from "../testing/fixtures";
import { type ApiAnswer, createTestApp, sessionCookie, TEST_PASSWORD, type TestApp } from "../testing/harness";

// A change and its audit entry are stored together or not at all. The audit log is made to refuse writes with a
// real database failure (a trigger raising an error, the way a full disk or a bad value would), and every kind of
// audited change is tried: each must fail whole, leaving the database exactly as it was.

let t: TestApp;
let owner: { cookie: string; userId: string; orgId: string };
let developer: { cookie: string; userId: string };
let serverId: string;
let projectId: string;
let serviceId: string;
let builtServiceId: string;
let queuedDeploymentId: string;
let tokenId: string;
let inviteToken: string;
let deviceCode: string;
const REPO = "https://git.example.com/acme/atomic.git";

/** Every row of the tables audited changes write, in a stable order (sessions without their last-seen time). */
async function snapshot(): Promise<Record<string, string[]>> {
  const tables = [
    "organizations",
    "org_members",
    "users",
    "sessions",
    "api_tokens",
    "invitations",
    "projects",
    "services",
    "deployments",
    "device_authorizations",
    "servers",
    "domains",
    "service_removals",
    "webhook_deliveries",
    "audit_logs",
  ];
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const rows = resultRows<{ r: unknown }>(
      await t.deps.db.execute(sql.raw(`SELECT to_jsonb(x) - 'last_seen_at' AS r FROM ${table} x`)),
    );
    out[table] = rows.map((row) => JSON.stringify(row.r)).sort();
  }
  return out;
}

async function refuseAuditWrites(on: boolean): Promise<void> {
  if (on) {
    await t.deps.db.execute(
      sql.raw(`CREATE OR REPLACE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log refuses writes (test)'; END $$`),
    );
    await t.deps.db.execute(
      sql.raw(
        "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()",
      ),
    );
  } else {
    await t.deps.db.execute(sql.raw("DROP TRIGGER test_refuse_audit ON audit_logs"));
  }
}

function githubPush(secret: string) {
  const after = randomUUID().replaceAll("-", "").padEnd(40, "0");
  const body = {
    ref: "refs/heads/main",
    after,
    deleted: false,
    head_commit: { id: after, message: "Change" },
    commits: [{ id: after, message: "Change", added: [], removed: [], modified: ["a.txt"] }],
    repository: { clone_url: REPO },
  };
  const signature = `sha256=${createHmac("sha256", secret).update(JSON.stringify(body)).digest("hex")}`;
  return {
    body,
    headers: { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
  };
}

let webhookSecret: string;

before(async () => {
  t = await createTestApp();
  owner = await t.signup("owner@example.com", { orgName: "Atomic" });
  developer = await t.member(owner, "dev@example.com", "developer");
  serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "edge" } })).body.data.server_id;
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  const service = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: { ...imageServiceBody("web", serverId), env_vars: { KEPT: "1" } },
  });
  serviceId = service.body.data.id;
  const built = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: {
      name: "api",
      server_id: serverId,
      port: 8080,
      source_type: "dockerfile",
      source_config: { repo_url: REPO },
    },
  });
  builtServiceId = built.body.data.id;
  webhookSecret = (await t.call("POST", `/api/v1/services/${builtServiceId}/webhook`, { as: owner })).body.data.secret;
  // No agent is connected: the deployment waits in the queue.
  queuedDeploymentId = (await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body: {} })).body.data
    .id;
  tokenId = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "ci" } })).body.data.id;
  deviceCode = (await t.call("POST", "/api/v1/auth/device/code", { body: { client_name: "laptop" } })).body.data
    .user_code;
  inviteToken = (
    await t.call("POST", "/api/v1/org/invitations", { as: owner, body: { email: "new@example.com", role: "viewer" } })
  ).body.data.token;
});
after(() => t.close());

/** The audited changes to try, each a valid call that succeeds once the audit log accepts writes. */
function changes(): [string, () => Promise<ApiAnswer>][] {
  const as = owner;
  return [
    ["rename the organization", () => t.call("PATCH", "/api/v1/org", { as, body: { name: "Renamed" } })],
    ["create a project", () => t.call("POST", "/api/v1/projects", { as, body: { name: "Another" } })],
    ["update a project", () => t.call("PATCH", `/api/v1/projects/${projectId}`, { as, body: { description: "d" } })],
    [
      "create a service",
      () => t.call("POST", `/api/v1/projects/${projectId}/services`, { as, body: imageServiceBody("new", serverId) }),
    ],
    ["update a service", () => t.call("PATCH", `/api/v1/services/${serviceId}`, { as, body: { replicas: 2 } })],
    [
      "set env vars",
      () =>
        t.call("PUT", `/api/v1/services/${serviceId}/env`, { as, body: { variables: [{ key: "ADDED", value: "x" }] } }),
    ],
    ["delete an env var", () => t.call("DELETE", `/api/v1/services/${serviceId}/env/KEPT`, { as })],
    ["deploy", () => t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as, body: {} })],
    ["cancel a deployment", () => t.call("POST", `/api/v1/deployments/${queuedDeploymentId}/cancel`, { as })],
    [
      "add a domain",
      () => t.call("POST", `/api/v1/services/${serviceId}/domains`, { as, body: { domain: "shop.example.com" } }),
    ],
    [
      "rotate a webhook secret",
      async () => {
        const res = await t.call("POST", `/api/v1/services/${builtServiceId}/webhook`, { as });
        if (res.status === 201) webhookSecret = res.body.data.secret;
        return res;
      },
    ],
    ["rotate an ingest key", () => t.call("POST", `/api/v1/services/${serviceId}/ingest/rotate`, { as })],
    [
      "approve a device login",
      () => t.call("POST", "/api/v1/auth/device/approve", { as, body: { user_code: deviceCode } }),
    ],
    ["create a token", () => t.call("POST", "/api/v1/tokens", { as, body: { name: "another" } })],
    ["revoke a token", () => t.call("DELETE", `/api/v1/tokens/${tokenId}`, { as })],
    [
      "invite",
      () => t.call("POST", "/api/v1/org/invitations", { as, body: { email: "later@example.com", role: "viewer" } }),
    ],
    [
      "change a role",
      () => t.call("PATCH", `/api/v1/org/members/${developer.userId}`, { as, body: { role: "viewer" } }),
    ],
    ["register a server", () => t.call("POST", "/api/v1/servers", { as, body: { name: "edge-2" } })],
    ["rename a server", () => t.call("PATCH", `/api/v1/servers/${serverId}`, { as, body: { name: "edge-renamed" } })],
    [
      "sign up with an invitation",
      () =>
        t.call("POST", "/api/v1/auth/signup", {
          body: { email: "new@example.com", password: TEST_PASSWORD, invite_token: inviteToken },
        }),
    ],
    [
      "log in",
      () => t.call("POST", "/api/v1/auth/login", { body: { email: "owner@example.com", password: TEST_PASSWORD } }),
    ],
    ["log out", () => t.call("POST", "/api/v1/auth/logout", { as: developer })],
    [
      "push to a webhook (no user: the webhook intake)",
      () => t.call("POST", "/api/v1/webhooks/github", githubPush(webhookSecret)),
    ],
    // Deletions last: the calls before them need what they delete.
    ["delete a service", () => t.call("DELETE", `/api/v1/services/${serviceId}`, { as })],
    ["delete a project", () => t.call("DELETE", `/api/v1/projects/${projectId}`, { as })],
  ];
}

test("when the audit entry cannot be stored, no audited change is stored either", async () => {
  const before = await snapshot();
  await refuseAuditWrites(true);
  try {
    for (const [what, call] of changes()) {
      const res = await call();
      assert.equal(res.status, 500, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "INTERNAL_ERROR", what);
      assert.deepEqual(await snapshot(), before, `${what} left a change behind without its audit entry`);
    }
  } finally {
    await refuseAuditWrites(false);
  }
  // The same calls were valid: with the audit log writable again, each succeeds and leaves its entry.
  for (const [what, call] of changes()) {
    const entries = (await snapshot()).audit_logs?.length ?? 0;
    const res = await call();
    assert.ok(res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
    assert.ok(((await snapshot()).audit_logs?.length ?? 0) > entries, `${what} has its audit entry`);
    if (what === "log in") sessionCookie(res);
  }
});

test("a rename the audit log cannot record (a lone surrogate, the old failure) is not kept either", async () => {
  const org = async () => (await t.call("GET", "/api/v1/org", { as: owner })).body.data.name;
  const entries = async () =>
    (await t.call("GET", "/api/v1/audit-logs?action=org.update&limit=200", { as: owner })).body.data.length;
  const [name, count] = [await org(), await entries()];
  const res = await t.call("PATCH", "/api/v1/org", { as: owner, body: { name: "Acme \ud800" } });
  // Refused at validation, or failed in the store: either way an error envelope, and nothing half done.
  assert.ok(res.status === 400 || res.status === 500, `${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.success, false);
  assert.equal(await org(), name, "the organization keeps its name");
  assert.equal(await entries(), count);
});
