import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ApiAnswer, createTestApp, TEST_PASSWORD, type TestApp } from "../testing/harness";

const HOUR_MS = 3_600_000;

function setCookies(res: ApiAnswer): string[] {
  const raw = res.headers["set-cookie"];
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw : [String(raw)];
}

function sessionCookie(res: ApiAnswer): string {
  const line = setCookies(res).find((c) => c.startsWith("syntra_session="));
  const value = line && /^syntra_session=([^;]*)/.exec(line)?.[1];
  if (!value) throw new Error(`no session cookie in ${res.status} answer`);
  return value;
}

function login(t: TestApp, email: string, password: string) {
  return t.call("POST", "/api/v1/auth/login", { body: { email, password } });
}

describe("login, logout and sessions", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ SYNTRA_SESSION_TTL_HOURS: "2" });
    await t.signup("owner@example.com", { orgName: "Login Org" });
  });
  after(() => t.close());

  test("login sets an httpOnly, SameSite=Lax, Path=/ session cookie and answers who is signed in", async () => {
    const res = await login(t, "owner@example.com", TEST_PASSWORD);
    assert.equal(res.status, 200);
    assert.equal(res.body.data.user.email, "owner@example.com");
    assert.equal(res.body.data.org.role, "owner");
    const line = setCookies(res).find((c) => c.startsWith("syntra_session="));
    assert.ok(line, "a session cookie is set");
    const attrs = line.split(";").map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes("httponly"), line);
    assert.ok(attrs.includes("samesite=lax"), line);
    assert.ok(attrs.includes("path=/"), line);
    assert.ok(!attrs.includes("secure"), "plain-http installations cannot use Secure cookies");
    assert.ok(
      attrs.some((a) => a.startsWith("expires=")),
      "the cookie lives as long as the session",
    );
  });

  test("GET /me with the cookie answers the user, org and permissions", async () => {
    const cookie = sessionCookie(await login(t, "owner@example.com", TEST_PASSWORD));
    const me = await t.call("GET", "/api/v1/me", { as: { cookie } });
    assert.equal(me.status, 200);
    assert.equal(me.body.data.user.email, "owner@example.com");
    assert.equal(me.body.data.org.name, "Login Org");
    assert.equal(me.body.data.auth_method, "session");
    assert.ok(me.body.data.permissions.includes("org:write"));
  });

  test("GET /me without credentials or with an unknown cookie is 401", async () => {
    const none = await t.call("GET", "/api/v1/me");
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, "UNAUTHORIZED");
    const forged = await t.call("GET", "/api/v1/me", { as: { cookie: "not-a-real-session-value" } });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, "UNAUTHORIZED");
  });

  test("a wrong password and an unknown email answer exactly the same", async () => {
    const wrong = await login(t, "owner@example.com", "wrong-password-1");
    const unknown = await login(t, "nobody@example.com", "wrong-password-1");
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, "INVALID_CREDENTIALS");
      assert.equal(setCookies(res).length, 0, "no cookie on failure");
    }
    assert.equal(wrong.body.error.message, unknown.body.error.message);
  });

  test("after logout the same cookie is refused, other sessions live on", async () => {
    const cookie = sessionCookie(await login(t, "owner@example.com", TEST_PASSWORD));
    const other = sessionCookie(await login(t, "owner@example.com", TEST_PASSWORD));
    const out = await t.call("POST", "/api/v1/auth/logout", { as: { cookie } });
    assert.equal(out.status, 204);
    const cleared = setCookies(out).find((c) => c.startsWith("syntra_session="));
    assert.ok(cleared, "the browser is told to drop the cookie");
    assert.match(cleared, /Expires=Thu, 01 Jan 1970/);

    const afterLogout = await t.call("GET", "/api/v1/me", { as: { cookie } });
    assert.equal(afterLogout.status, 401);
    assert.equal(afterLogout.body.error.code, "UNAUTHORIZED");
    assert.equal((await t.call("GET", "/api/v1/me", { as: { cookie: other } })).status, 200);

    const again = await t.call("POST", "/api/v1/auth/logout", { as: { cookie } });
    assert.equal(again.status, 401, "logging out twice is not possible");
  });

  test("a session ends after SYNTRA_SESSION_TTL_HOURS", async () => {
    const cookie = sessionCookie(await login(t, "owner@example.com", TEST_PASSWORD));
    t.advanceClock(2 * HOUR_MS - 60_000);
    assert.equal((await t.call("GET", "/api/v1/me", { as: { cookie } })).status, 200, "still valid just before");
    t.advanceClock(2 * 60_000);
    const res = await t.call("GET", "/api/v1/me", { as: { cookie } });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, "UNAUTHORIZED");
  });
});

describe("login rate limiting", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ SYNTRA_LOGIN_MAX_ATTEMPTS: "3", SYNTRA_LOGIN_WINDOW_SECONDS: "600" });
    await t.signup("target@example.com");
  });
  after(() => t.close());

  test("after 3 failures the 4th attempt is 429 with Retry-After, even with the right password", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await login(t, "target@example.com", `wrong-password-${i}`);
      assert.equal(res.status, 401, `attempt ${i + 1}`);
    }
    const blocked = await login(t, "target@example.com", TEST_PASSWORD);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.error.code, "RATE_LIMITED");
    const retryAfter = String(blocked.headers["retry-after"]);
    assert.match(retryAfter, /^[1-9][0-9]*$/);
    assert.ok(Number(retryAfter) <= 600, retryAfter);
    assert.equal(setCookies(blocked).length, 0);

    // Other case of the same email is the same account, so it is blocked too.
    assert.equal((await login(t, "TARGET@example.com", TEST_PASSWORD)).status, 429);
  });

  test("once the window has passed, the right password works again", async () => {
    t.advanceClock(601_000);
    const res = await login(t, "target@example.com", TEST_PASSWORD);
    assert.equal(res.status, 200);
    sessionCookie(res);
  });

  test("a successful login clears the email's failures", async () => {
    t.advanceClock(601_000);
    await login(t, "target@example.com", "wrong-password-a");
    await login(t, "target@example.com", "wrong-password-b");
    assert.equal((await login(t, "target@example.com", TEST_PASSWORD)).status, 200);
    // Fresh window for the email; the address still carries two failures, so one more is allowed.
    assert.equal((await login(t, "target@example.com", "wrong-password-c")).status, 401);
    assert.equal((await login(t, "target@example.com", TEST_PASSWORD)).status, 429);
  });

  test("guessing across many emails from one address is limited too, whatever X-Forwarded-For says", async () => {
    t.advanceClock(601_000);
    for (let i = 0; i < 3; i++) {
      const res = await t.call("POST", "/api/v1/auth/login", {
        body: { email: `guess-${i}@example.com`, password: "wrong-password" },
        headers: { "x-forwarded-for": `203.0.113.${i}` },
      });
      assert.equal(res.status, 401);
    }
    const res = await t.call("POST", "/api/v1/auth/login", {
      body: { email: "target@example.com", password: TEST_PASSWORD },
      headers: { "x-forwarded-for": "198.51.100.7" },
    });
    assert.equal(res.status, 429);
  });
});

describe("session cookies on an https installation", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ SYNTRA_PUBLIC_URL: "https://syntra.example.com" });
    await t.signup("secure@example.com");
  });
  after(() => t.close());

  test("the session cookie is marked Secure", async () => {
    const res = await login(t, "secure@example.com", TEST_PASSWORD);
    const line = setCookies(res).find((c) => c.startsWith("syntra_session="));
    assert.ok(line);
    assert.match(line, /;\s*Secure/i);
  });
});
