import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { and, eq } from "drizzle-orm";
import { oauthAccounts, users } from "../db/schema";
import { type ApiAnswer, createTestApp, type TestApp } from "../testing/harness";

const CLIENT_ID = "Iv1.stand-in-client";
const CLIENT_SECRET = "stand-in-client-secret-0123456789abcdef";
const PUBLIC_URL = "https://syntra.example.com";
const CALLBACK_URL = `${PUBLIC_URL}/api/v1/auth/github/callback`;
const BAD_CODE = { error: "bad_verification_code", error_description: "The code passed is incorrect or expired." };

/** A GitHub account the stand-in knows: its profile, its emails and the access token it is issued. */
interface GithubAccount {
  id: number;
  login: string;
  name: string | null;
  emails: { email: string; primary: boolean; verified: boolean }[];
  accessToken: string;
}

/**
 * Local stand-in for GitHub's OAuth endpoints: POST /login/oauth/access_token (JSON, one-time codes,
 * `bad_verification_code` otherwise) and the REST API's GET /api/user and GET /api/user/emails, which
 * demand the issued access token as a Bearer credential. It records what it was sent.
 */
class GithubStandIn {
  readonly server: Server;
  readonly exchanges: Record<string, unknown>[] = [];
  private readonly codes = new Map<string, GithubAccount>();
  private readonly tokens = new Map<string, GithubAccount>();

  constructor() {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Plays the user approving the app on GitHub: returns the one-time code GitHub would redirect back with. */
  approve(account: GithubAccount): string {
    const code = randomBytes(10).toString("hex");
    this.codes.set(code, account);
    this.tokens.set(account.accessToken, account);
    return code;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw) as Record<string, string>;
      this.exchanges.push({ ...body, accept: req.headers.accept });
      const account = body.code ? this.codes.get(body.code) : undefined;
      const valid = body.client_id === CLIENT_ID && body.client_secret === CLIENT_SECRET && account;
      if (!valid || body.redirect_uri !== CALLBACK_URL) {
        // GitHub answers a bad exchange with 200 and an error field.
        return { status: 200, body: BAD_CODE };
      }
      this.codes.delete(body.code ?? "");
      return {
        status: 200,
        body: { access_token: account.accessToken, token_type: "bearer", scope: "read:user,user:email" },
      };
    }
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const account = token ? this.tokens.get(token) : undefined;
    if (req.method === "GET" && (url.pathname === "/api/user" || url.pathname === "/api/user/emails")) {
      if (!account) return { status: 401, body: { message: "Bad credentials" } };
      if (url.pathname === "/api/user/emails") return { status: 200, body: account.emails };
      const { id, login, name } = account;
      return { status: 200, body: { id, login, name, avatar_url: `https://avatars.example/${id}` } };
    }
    return { status: 404, body: { message: "Not Found" } };
  }
}

function account(id: number, login: string, email: string, verified = true): GithubAccount {
  return {
    id,
    login,
    name: login.toUpperCase(),
    emails: [
      { email: `${login}@users.noreply.github.com`, primary: false, verified: true },
      { email, primary: true, verified },
    ],
    accessToken: `gho_${randomBytes(18).toString("hex")}`,
  };
}

function setCookies(res: ApiAnswer): string[] {
  const raw = res.headers["set-cookie"];
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw : [String(raw)];
}

function sessionOf(res: ApiAnswer): string | undefined {
  return setCookies(res)
    .map((c) => /^syntra_session=([^;]+)/.exec(c)?.[1])
    .find(Boolean);
}

/** Starts the sign-in: the redirect to GitHub and the state cookie the browser keeps. */
async function start(t: TestApp, query = "") {
  const res = await t.call("GET", `/api/v1/auth/github${query}`);
  assert.equal(res.status, 302);
  const location = new URL(String(res.headers.location));
  const stateCookie = setCookies(res)
    .find((c) => c.startsWith("syntra_oauth_state="))
    ?.split(";")[0];
  assert.ok(stateCookie, "the state is kept in a cookie");
  return { location, state: location.searchParams.get("state") ?? "", stateCookie };
}

/** GitHub redirecting the browser back, with the state cookie unless told otherwise. */
function callback(t: TestApp, query: Record<string, string>, stateCookie?: string) {
  return t.call("GET", `/api/v1/auth/github/callback?${new URLSearchParams(query)}`, {
    headers: stateCookie ? { cookie: stateCookie } : {},
  });
}

/** The whole round trip for an account; answers the callback's reply. */
async function signInAs(t: TestApp, github: GithubStandIn, who: GithubAccount, query = "") {
  const { state, stateCookie } = await start(t, query);
  return callback(t, { code: github.approve(who), state }, stateCookie);
}

function assertFailed(res: ApiAnswer, code = "OAUTH_FAILED") {
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, `/login?error=${code}`);
  assert.equal(sessionOf(res), undefined, "no session on failure");
}

describe("Sign in with GitHub", () => {
  const github = new GithubStandIn();
  const octo = account(1001, "octo", "Octo@Example.com");
  let t: TestApp;
  let base: string;

  before(async () => {
    base = await github.listen();
    t = await createTestApp({
      SYNTRA_PUBLIC_URL: PUBLIC_URL,
      GITHUB_CLIENT_ID: CLIENT_ID,
      GITHUB_CLIENT_SECRET: CLIENT_SECRET,
      GITHUB_OAUTH_URL: base,
      GITHUB_API_URL: `${base}/api`,
    });
  });
  after(async () => {
    await t.close();
    await github.close();
  });

  test("providers advertise GitHub", async () => {
    const res = await t.call("GET", "/api/v1/auth/providers");
    assert.equal(res.body.data.github, true);
  });

  test("the start redirects to GitHub's authorize page with the app's parameters", async () => {
    const { location, state, stateCookie } = await start(t);
    assert.equal(`${location.origin}${location.pathname}`, `${base}/login/oauth/authorize`);
    assert.equal(location.searchParams.get("client_id"), CLIENT_ID);
    assert.equal(location.searchParams.get("redirect_uri"), CALLBACK_URL);
    assert.equal(location.searchParams.get("scope"), "read:user user:email");
    assert.match(state, /^[A-Za-z0-9]{32}$/);
    assert.ok(decodeURIComponent(stateCookie).includes(state));
    assert.ok(!location.searchParams.has("client_secret"));
  });

  test("the first user signs up through GitHub, owns the new org and lands on the dashboard", async () => {
    const res = await signInAs(t, github, octo);
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, "/");
    const cookie = sessionOf(res);
    assert.ok(cookie);
    const me = await t.call("GET", "/api/v1/me", { as: { cookie } });
    assert.equal(me.status, 200);
    assert.equal(me.body.data.user.email, "octo@example.com");
    assert.equal(me.body.data.user.name, "OCTO");
    assert.equal(me.body.data.org.role, "owner");

    const exchange = github.exchanges.at(-1);
    assert.equal(exchange?.client_id, CLIENT_ID);
    assert.equal(exchange?.client_secret, CLIENT_SECRET);
    assert.equal(exchange?.redirect_uri, CALLBACK_URL);
    assert.equal(exchange?.accept, "application/json");

    const [link] = await t.deps.db
      .select()
      .from(oauthAccounts)
      .where(and(eq(oauthAccounts.provider, "github"), eq(oauthAccounts.providerUserId, "1001")));
    assert.equal(link?.userId, me.body.data.user.id);
    assert.equal(link?.login, "octo");
    const [row] = await t.deps.db.select().from(users).where(eq(users.id, me.body.data.user.id));
    assert.equal(row?.passwordHash, null, "a GitHub user has no password");
    assert.ok(row?.emailVerifiedAt, "GitHub verified the email");
    const password = await t.call("POST", "/api/v1/auth/login", {
      body: { email: "octo@example.com", password: "any-password-at-all" },
    });
    assert.equal(password.status, 401, "no password sign-in for an account without a password");
  });

  test("signing in again reuses the same user", async () => {
    const usersBefore = await t.deps.db.select({ id: users.id }).from(users);
    const res = await signInAs(t, github, octo);
    const cookie = sessionOf(res);
    assert.ok(cookie);
    const me = await t.call("GET", "/api/v1/me", { as: { cookie } });
    assert.equal(me.body.data.user.email, "octo@example.com");
    assert.equal((await t.deps.db.select({ id: users.id }).from(users)).length, usersBefore.length);
  });

  test("a password account with the same email is not taken over; its owner connects GitHub while signed in", async () => {
    const owner = await signInAs(t, github, octo);
    const ownerCookie = { cookie: sessionOf(owner) ?? "" };
    const existing = await t.member(ownerCookie, "mona@example.com", "developer");
    const mona = account(2002, "mona", "MONA@example.com");
    // Whoever controls the GitHub account does not get into an account Syntra never saw them verify.
    assertFailed(await signInAs(t, github, mona), "CONFLICT");
    assert.equal(
      (await t.deps.db.select().from(oauthAccounts).where(eq(oauthAccounts.providerUserId, "2002"))).length,
      0,
    );

    // Signed in with the password, the same round trip connects the account.
    const { state, stateCookie } = await start(t);
    const connected = await t.call(
      "GET",
      `/api/v1/auth/github/callback?${new URLSearchParams({ code: github.approve(mona), state })}`,
      { headers: { cookie: `${stateCookie}; syntra_session=${existing.cookie}` } },
    );
    assert.equal(connected.headers.location, "/");
    const [link] = await t.deps.db.select().from(oauthAccounts).where(eq(oauthAccounts.providerUserId, "2002"));
    assert.equal(link?.userId, existing.userId);

    // From then on GitHub signs in to that same user, with no duplicate.
    const res = await signInAs(t, github, mona);
    const me = await t.call("GET", "/api/v1/me", { as: { cookie: sessionOf(res) ?? "" } });
    assert.equal(me.body.data.user.id, existing.userId);
    assert.equal(me.body.data.org.role, "developer");
    assert.equal((await t.deps.db.select().from(users).where(eq(users.email, "mona@example.com"))).length, 1);
  });

  test("an account whose email Syntra verified is linked on first GitHub sign-in", async () => {
    const owner = { cookie: sessionOf(await signInAs(t, github, octo)) ?? "" };
    const existing = await t.member(owner, "verified@example.com", "viewer");
    await t.deps.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, existing.userId));
    const res = await signInAs(t, github, account(2003, "veri", "verified@example.com"));
    assert.equal(res.headers.location, "/");
    const me = await t.call("GET", "/api/v1/me", { as: { cookie: sessionOf(res) ?? "" } });
    assert.equal(me.body.data.user.id, existing.userId);
  });

  test("a new GitHub user needs an invitation when sign-up is closed, and can bring one", async () => {
    const newcomer = account(3003, "newcomer", "newcomer@example.com");
    assertFailed(await signInAs(t, github, newcomer), "SIGNUP_CLOSED");

    const owner = { cookie: sessionOf(await signInAs(t, github, octo)) ?? "" };
    const inv = await t.call("POST", "/api/v1/org/invitations", {
      as: owner,
      body: { email: "newcomer@example.com", role: "viewer" },
    });
    const res = await signInAs(t, github, newcomer, `?invite_token=${inv.body.data.token}`);
    assert.equal(res.headers.location, "/");
    const me = await t.call("GET", "/api/v1/me", { as: { cookie: sessionOf(res) ?? "" } });
    assert.equal(me.body.data.org.role, "viewer");
  });

  test("an account without a verified primary email is refused", async () => {
    assertFailed(await signInAs(t, github, account(4004, "unverified", "unverified@example.com", false)));
  });

  test("a state that does not match, or no state cookie at all, is refused", async () => {
    const { stateCookie } = await start(t);
    assertFailed(await callback(t, { code: github.approve(octo), state: "x".repeat(32) }, stateCookie));
    const { state } = await start(t);
    assertFailed(await callback(t, { code: github.approve(octo), state }));
  });

  test("a code GitHub does not accept is refused", async () => {
    const { state, stateCookie } = await start(t);
    assertFailed(await callback(t, { code: "bogus-code", state }, stateCookie));
    assert.equal(github.exchanges.at(-1)?.code, "bogus-code");
  });

  test("a user who cancels on GitHub is sent back to the login page", async () => {
    const { state, stateCookie } = await start(t);
    assertFailed(await callback(t, { error: "access_denied", state }, stateCookie));
  });

  test("neither the client secret nor GitHub's tokens and codes reach the logs", async () => {
    assert.ok(t.logs.length > 0);
    const logs = t.logs.join("\n");
    assert.ok(!logs.includes(CLIENT_SECRET), "client secret in logs");
    assert.ok(!logs.includes(octo.accessToken), "access token in logs");
    for (const exchange of github.exchanges) assert.ok(!logs.includes(String(exchange.code)), "code in logs");
  });
});

describe("Sign in with GitHub when GitHub is unreachable", () => {
  let t: TestApp;
  before(async () => {
    const gone = new GithubStandIn();
    const base = await gone.listen();
    await gone.close();
    t = await createTestApp({
      GITHUB_CLIENT_ID: CLIENT_ID,
      GITHUB_CLIENT_SECRET: CLIENT_SECRET,
      GITHUB_OAUTH_URL: base,
      GITHUB_API_URL: `${base}/api`,
    });
  });
  after(() => t.close());

  test("the callback redirects with OAUTH_FAILED and the app keeps serving", async () => {
    const { state, stateCookie } = await start(t);
    assertFailed(await callback(t, { code: "any-code", state }, stateCookie));
    assert.equal((await t.call("GET", "/healthz")).status, 200);
    const logs = t.logs.join("\n");
    assert.match(logs, /GitHub could not be reached/, "the failure is logged with its reason");
    assert.ok(!logs.includes(CLIENT_SECRET));
  });
});

describe("Sign in with GitHub when it is not configured", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  test("the start and callback routes answer 404 and providers say github: false", async () => {
    const startRes = await t.call("GET", "/api/v1/auth/github");
    assert.equal(startRes.status, 404);
    assert.equal(startRes.body.error.code, "NOT_FOUND");
    assert.equal((await t.call("GET", "/api/v1/auth/github/callback?code=x&state=y")).status, 404);
    const providers = await t.call("GET", "/api/v1/auth/providers");
    assert.deepEqual(providers.body.data, { password: true, github: false, open_signup: false });
  });
});
