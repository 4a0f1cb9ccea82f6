import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { apiTokens, users } from "../db/schema";
import { tryUpgrade } from "../testing/agent-peer";
import { createTestApp, TEST_PASSWORD, type TestApp } from "../testing/harness";

// The log check: error paths are driven through the API (failed logins, bad tokens, refused webhooks, conflicts,
// refused input) and a failed query carrying secrets as bound parameters is logged the way the error handler logs
// one; afterwards no captured log line holds a password, a password or token hash, a token, a secret value or a
// query parameter dump.

let t: TestApp;
let owner: { cookie: string };
const secrets = new Map<string, string>();
before(async () => {
  t = await createTestApp();
  const signup = await t.signup("owner@example.com", { orgName: "Acme" });
  owner = { cookie: signup.cookie };
  secrets.set("password", TEST_PASSWORD);
  secrets.set("session cookie", signup.cookie);
});
after(() => t.close());

test("error paths and failed queries leave no secret and no bound parameter in the log", async () => {
  const token = await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "ci" } });
  secrets.set("api token", token.body.data.token);
  const server = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } });
  secrets.set("agent token", server.body.data.token);
  const project = await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } });
  const svc = await t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: owner,
    body: {
      name: "api",
      server_id: server.body.data.server_id,
      source_type: "dockerfile",
      source_config: { repo_url: "https://git.example.com/acme/shop.git" },
      env_vars: { DATABASE_PASSWORD: "env-secret-value-93812" },
    },
  });
  secrets.set("env value", "env-secret-value-93812");
  const hook = await t.call("POST", `/api/v1/services/${svc.body.data.id}/webhook`, { as: owner });
  secrets.set("webhook secret", hook.body.data.secret);
  await t.call("PUT", `/api/v1/services/${svc.body.data.id}/git/credentials`, {
    as: owner,
    body: { kind: "token", token: "ghp_gittoken0123456789" },
  });
  secrets.set("git token", "ghp_gittoken0123456789");
  const [row] = await t.deps.db.select().from(users).where(eq(users.email, "owner@example.com"));
  secrets.set("password hash", String(row?.passwordHash));
  const [tokenRow] = await t.deps.db.select().from(apiTokens).limit(1);
  secrets.set("token hash", String(tokenRow?.tokenHash));

  // Failed logins up to the rate limit, with the right email and wrong passwords, then the right one.
  for (let i = 0; i < 6; i++) {
    await t.call("POST", "/api/v1/auth/login", { body: { email: "owner@example.com", password: `${TEST_PASSWORD}x` } });
  }
  await t.call("POST", "/api/v1/auth/login", { body: { email: "owner@example.com", password: TEST_PASSWORD } });
  // A token that is almost right, a refused agent upgrade, a webhook signed with another secret.
  await t.call("GET", "/api/v1/me", { as: { token: `${secrets.get("api token")?.slice(0, -2)}xx` } });
  await tryUpgrade(await t.agentUrl(), {
    authorization: `Bearer ${secrets.get("agent token")?.slice(0, -2)}xx`,
    "x-agent-version": "0.1.0",
  });
  const body = JSON.stringify({
    ref: "refs/heads/main",
    after: "a".repeat(40),
    repository: { clone_url: "https://git.example.com/acme/shop.git" },
  });
  await t.call("POST", "/api/v1/webhooks/github", {
    body: JSON.parse(body),
    headers: {
      "x-github-event": "push",
      "x-hub-signature-256": `sha256=${createHmac("sha256", "wrong").update(body).digest("hex")}`,
    },
  });
  // Conflicts and refused input carrying secret-looking values.
  await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } });
  await t.call("PUT", `/api/v1/services/${svc.body.data.id}/env`, {
    as: owner,
    body: { variables: [{ key: "X", value: `${secrets.get("env value")}\u0000` }] },
  });

  // A failed query whose bound parameters are a password hash and a token hash (a unique violation on the email,
  // then a type error quoting the value), logged as the error handler logs unexpected errors.
  for (const failing of [
    () =>
      t.deps.db.insert(users).values({ email: "owner@example.com", passwordHash: secrets.get("password hash") ?? "" }),
    () =>
      t.deps.db
        .select()
        .from(users)
        .where(eq(users.id, secrets.get("token hash") ?? "")),
  ]) {
    const err = await failing().then(
      () => assert.fail("the query should fail"),
      (e: unknown) => e,
    );
    t.deps.logger.error({ err }, "unhandled error");
  }

  const log = t.logs.join("");
  assert.match(log, /unhandled error/, "the failed queries were logged");
  assert.match(log, /Failed query: /, "with their SQL");
  for (const [what, value] of secrets) {
    assert.ok(value.length >= 8, what);
    assert.ok(!log.includes(value), `the log holds the ${what}`);
  }
  assert.doesNotMatch(log, /params: |"params"|"parameters"|"detail"/, "no query parameter dump");
  assert.doesNotMatch(log, /scrypt\$|\$scrypt/i, "no password hash of any form");
});
