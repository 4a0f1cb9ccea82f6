import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createTestApp, sessionCookie, TEST_PASSWORD, type TestApp } from "../testing/harness";
import { registerUser } from "./accounts";
import { createSession } from "./sessions";

const NEW_PASSWORD = "changed-password-2024";

const login = (t: TestApp, email: string, password: string) =>
  t.call("POST", "/api/v1/auth/login", { body: { email, password } });
const change = (t: TestApp, cookie: string, body: Record<string, string>) =>
  t.call("PUT", "/api/v1/me/password", { as: { cookie }, body });
const me = (t: TestApp, cookie: string) => t.call("GET", "/api/v1/me", { as: { cookie } });

describe("changing a password", () => {
  let t: TestApp;
  let owner: { cookie: string; userId: string; orgId: string };

  before(async () => {
    t = await createTestApp({ SYNTRA_LOGIN_MAX_ATTEMPTS: "3", SYNTRA_LOGIN_WINDOW_SECONDS: "600" });
    owner = await t.signup("owner@example.com", { orgName: "Change Org" });
  });
  after(() => t.close());

  test("the current password is checked; this session stays, the others end, API tokens stay", async () => {
    const member = await t.member({ cookie: owner.cookie }, "dev@example.com", "developer");
    const laptop = sessionCookie(await login(t, "dev@example.com", TEST_PASSWORD));
    const token = (await t.call("POST", "/api/v1/tokens", { as: { cookie: member.cookie }, body: { name: "ci" } })).body
      .data.token;
    assert.equal((await me(t, member.cookie)).body.data.has_password, true);

    const res = await change(t, member.cookie, { current_password: TEST_PASSWORD, new_password: NEW_PASSWORD });
    assert.equal(res.status, 204, JSON.stringify(res.body));

    assert.equal((await me(t, member.cookie)).status, 200, "the session that changed it stays signed in");
    assert.equal((await me(t, laptop)).status, 401, "other sessions end");
    assert.equal((await t.call("GET", "/api/v1/me", { as: { token } })).status, 200, "API tokens stay");
    assert.equal((await login(t, "dev@example.com", TEST_PASSWORD)).status, 401);
    assert.equal((await login(t, "dev@example.com", NEW_PASSWORD)).status, 200);

    const audit = await t.call("GET", "/api/v1/audit-logs?action=auth.password_change", {
      as: { cookie: owner.cookie },
    });
    assert.equal(audit.body.data.length, 1);
    assert.equal(audit.body.data[0].user_email, "dev@example.com");
    assert.equal(audit.body.data[0].details, null, "nothing about the passwords is recorded");
  });

  test("the new password follows sign-up's rules; the current one is required when the account has one", async () => {
    const short = await change(t, owner.cookie, { current_password: TEST_PASSWORD, new_password: "short" });
    assert.equal(short.status, 400);
    assert.equal(short.body.error.details[0].path, "body.new_password");
    const missing = await change(t, owner.cookie, { new_password: NEW_PASSWORD });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, "VALIDATION_ERROR");
    assert.equal(missing.body.error.details[0].path, "body.current_password");
    assert.equal((await login(t, "owner@example.com", TEST_PASSWORD)).status, 200, "unchanged");
  });

  test("a wrong current password is 401 INVALID_CREDENTIALS and counts as a failed login", async () => {
    const victim = await t.member({ cookie: owner.cookie }, "victim@example.com", "viewer");
    t.advanceClock(601_000); // this client's earlier failed logins are forgotten
    for (let i = 0; i < 3; i++) {
      const res = await change(t, victim.cookie, { current_password: `guess-number-${i}`, new_password: NEW_PASSWORD });
      assert.equal(res.status, 401, `attempt ${i + 1}`);
      assert.equal(res.body.error.code, "INVALID_CREDENTIALS");
    }
    const blocked = await change(t, victim.cookie, { current_password: TEST_PASSWORD, new_password: NEW_PASSWORD });
    assert.equal(blocked.status, 429);
    assert.match(String(blocked.headers["retry-after"]), /^[1-9]\d*$/);
    assert.equal((await login(t, "victim@example.com", TEST_PASSWORD)).status, 429, "and login is limited too");
    t.advanceClock(601_000);
    assert.equal((await me(t, victim.cookie)).status, 200, "the guesses did not sign the session out");
    assert.equal((await login(t, "victim@example.com", TEST_PASSWORD)).status, 200, "the password is unchanged");
  });

  test("an account made without a password (GitHub) sets its first one without a current password", async () => {
    t.advanceClock(601_000);
    const invite = await t.call("POST", "/api/v1/org/invitations", {
      as: { cookie: owner.cookie },
      body: { email: "octo@example.com", role: "developer" },
    });
    // The path the GitHub callback takes: an account with a verified email and no password.
    const { user } = await registerUser(t.deps.db, t.deps, {
      email: "octo@example.com",
      name: "Octo",
      passwordHash: null,
      emailVerified: true,
      inviteToken: invite.body.data.token,
    });
    const session = await createSession(t.deps.db, t.deps, { userId: user.id, orgId: null, ip: null, userAgent: null });
    assert.equal((await me(t, session.token)).body.data.has_password, false);
    assert.equal((await login(t, "octo@example.com", NEW_PASSWORD)).status, 401);

    const res = await change(t, session.token, { new_password: NEW_PASSWORD });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.equal((await me(t, session.token)).body.data.has_password, true);
    assert.equal((await login(t, "octo@example.com", NEW_PASSWORD)).status, 200);
    const again = await change(t, session.token, { new_password: "yet-another-password" });
    assert.equal(again.body.error.code, "VALIDATION_ERROR", "from now on the current password is needed");
  });

  test("without credentials the call is 401 UNAUTHORIZED; no password reaches the log", async () => {
    const res = await t.call("PUT", "/api/v1/me/password", { body: { new_password: NEW_PASSWORD } });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, "UNAUTHORIZED");
    const log = t.logs.join("");
    assert.match(log, /\/api\/v1\/me\/password/, "the calls were logged");
    for (const secret of [TEST_PASSWORD, NEW_PASSWORD, "guess-number-0"]) assert.ok(!log.includes(secret), secret);
  });
});
