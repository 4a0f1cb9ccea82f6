// Forgotten passwords end to end: the control plane mails a link through a real SMTP server on loopback that
// requires AUTH, the test reads the mail as a user would and follows the link.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import { passwordResets } from "../db/schema";
import { createTestApp, sessionCookie, TEST_PASSWORD, type TestApp } from "../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../testing/smtp-inbox";
import { sha256Hex } from "./random";

const PUBLIC_URL = "https://syntra.example.com";
const NEW_PASSWORD = "brand-new-password-77";

const login = (t: TestApp, email: string, password: string) =>
  t.call("POST", "/api/v1/auth/login", { body: { email, password } });
const forgot = (t: TestApp, email: string) => t.call("POST", "/api/v1/auth/password/forgot", { body: { email } });
const reset = (t: TestApp, token: string, password: string) =>
  t.call("POST", "/api/v1/auth/password/reset", { body: { token, password } });

/** The reset token in a mail's link, checking the link's shape on the way. */
function tokenOf(text: string): string {
  const match = /https:\/\/syntra\.example\.com\/reset-password\?token=(rst_[0-9A-Za-z]{40})\b/.exec(text);
  assert.ok(match?.[1], `no reset link in:\n${text}`);
  return match[1];
}

/** Asks for a reset for the address and returns the token from the mail that arrives. */
async function mailedToken(t: TestApp, inbox: SmtpInbox, email: string): Promise<string> {
  const before = inbox.to(email).length;
  const res = await forgot(t, email);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return tokenOf((await inbox.waitFor(email, before)).text ?? "");
}

describe("password reset by email", () => {
  let inbox: SmtpInbox;
  let t: TestApp;
  let owner: { cookie: string; userId: string; orgId: string };

  before(async () => {
    inbox = await startSmtpInbox();
    t = await createTestApp({ SYNTRA_SMTP_URL: inbox.url, SYNTRA_PUBLIC_URL: PUBLIC_URL });
    owner = await t.signup("owner@example.com", { orgName: "Reset Org" });
  });
  after(async () => {
    await t.close();
    await inbox.close();
  });

  test("forgot -> mail -> link -> new password: sessions end, API tokens stay, only the new password signs in", async () => {
    const member = await t.member({ cookie: owner.cookie }, "dev@example.com", "developer");
    const apiToken = (await t.call("POST", "/api/v1/tokens", { as: { cookie: member.cookie }, body: { name: "cli" } }))
      .body.data.token;

    const invited = inbox.to("dev@example.com").length;
    const res = await forgot(t, "dev@example.com");
    assert.equal(res.status, 202);
    assert.deepEqual(res.body.data, { email: "dev@example.com", expires_in_minutes: 60 });

    const mail = await inbox.waitFor("dev@example.com", invited);
    assert.equal(mail.subject, "Reset your Syntra password");
    assert.deepEqual(mail.from?.value, [{ name: "Syntra", address: "syntra@syntra.example.com" }]);
    const token = tokenOf(mail.text ?? "");
    assert.ok(typeof mail.html === "string" && mail.html.includes(`reset-password?token=${token}`), "HTML body too");
    assert.match(mail.text ?? "", /within 60 minutes/);

    // Only the token's hash is stored.
    const rows = await t.deps.db.select().from(passwordResets).where(eq(passwordResets.userId, member.userId));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.tokenHash, sha256Hex(token));

    const done = await reset(t, token, NEW_PASSWORD);
    assert.equal(done.status, 204, JSON.stringify(done.body));

    const old = await t.call("GET", "/api/v1/me", { as: { cookie: member.cookie } });
    assert.equal(old.status, 401, "the session from before the reset has ended");
    assert.equal((await t.call("GET", "/api/v1/me", { as: { token: apiToken } })).status, 200, "API tokens stay");
    assert.equal((await login(t, "dev@example.com", TEST_PASSWORD)).status, 401, "the old password is refused");
    const fresh = await login(t, "dev@example.com", NEW_PASSWORD);
    assert.equal(fresh.status, 200);
    sessionCookie(fresh);
  });

  test("a link works once", async () => {
    await t.member({ cookie: owner.cookie }, "once@example.com", "viewer");
    const token = await mailedToken(t, inbox, "once@example.com");
    assert.equal((await reset(t, token, NEW_PASSWORD)).status, 204);
    const replay = await reset(t, token, "another-password-99");
    assert.equal(replay.status, 422);
    assert.equal(replay.body.error.code, "RESET_TOKEN_INVALID");
    assert.match(replay.body.error.message, /unknown, expired or already used/);
    assert.equal((await login(t, "once@example.com", NEW_PASSWORD)).status, 200, "the replay changed nothing");
  });

  test("a new request voids the earlier link", async () => {
    await t.member({ cookie: owner.cookie }, "twice@example.com", "viewer");
    const first = await mailedToken(t, inbox, "twice@example.com");
    const second = await mailedToken(t, inbox, "twice@example.com");
    assert.notEqual(first, second);
    assert.equal((await reset(t, first, NEW_PASSWORD)).body.error.code, "RESET_TOKEN_INVALID");
    assert.equal((await reset(t, second, NEW_PASSWORD)).status, 204);
  });

  test("the new password follows sign-up's rules, and an unknown token is refused", async () => {
    await t.member({ cookie: owner.cookie }, "rules@example.com", "viewer");
    const token = await mailedToken(t, inbox, "rules@example.com");
    const short = await reset(t, token, "short");
    assert.equal(short.status, 400);
    assert.equal(short.body.error.code, "VALIDATION_ERROR");
    assert.equal(short.body.error.details[0].path, "body.password");
    const unknown = await reset(t, `rst_${"x".repeat(40)}`, NEW_PASSWORD);
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.code, "RESET_TOKEN_INVALID");
    assert.equal((await reset(t, token, NEW_PASSWORD)).status, 204, "the refused tries did not use the link up");
  });

  test("a link expires after an hour", async () => {
    await t.member({ cookie: owner.cookie }, "late@example.com", "viewer");
    const token = await mailedToken(t, inbox, "late@example.com");
    t.advanceClock(61 * 60_000);
    const res = await reset(t, token, NEW_PASSWORD);
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "RESET_TOKEN_INVALID");
    assert.equal((await login(t, "late@example.com", TEST_PASSWORD)).status, 200, "the password is unchanged");
  });

  test("an unknown email gets the same answer and no mail", async () => {
    await t.member({ cookie: owner.cookie }, "known@example.com", "viewer");
    const count = inbox.messages.length;
    const invited = inbox.to("known@example.com").length;
    const known = await forgot(t, "known@example.com");
    const unknown = await forgot(t, "nobody@example.com");
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    assert.deepEqual({ ...unknown.body.data, email: "known@example.com" }, known.body.data);
    await inbox.waitFor("known@example.com", invited);
    assert.equal(inbox.messages.length, count + 1, "one mail, to the account that exists");
    assert.deepEqual(inbox.to("nobody@example.com"), []);
  });

  test("requests are limited per email and per client address (429 with Retry-After)", async () => {
    await t.member({ cookie: owner.cookie }, "flood@example.com", "viewer");
    const from = (ip: string, email: string) =>
      t.app.inject({ method: "POST", url: "/api/v1/auth/password/forgot", remoteAddress: ip, payload: { email } });
    for (let i = 0; i < 3; i++) assert.equal((await from(`192.0.2.${i}`, "flood@example.com")).statusCode, 202);
    const limited = await from("192.0.2.9", "flood@example.com");
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, "RATE_LIMITED");
    assert.match(String(limited.headers["retry-after"]), /^[1-9]\d*$/);
    assert.ok(Number(limited.headers["retry-after"]) <= 3600);
    const resets = inbox.to("flood@example.com").filter((m) => m.subject === "Reset your Syntra password");
    assert.equal(resets.length, 3, "no mail for the refused request");

    for (let i = 0; i < 20; i++) {
      assert.equal((await from("198.51.100.7", `guess-${i}@example.com`)).statusCode, 202, `request ${i + 1}`);
    }
    assert.equal((await from("198.51.100.7", "guess-20@example.com")).statusCode, 429);
    assert.equal((await from("198.51.100.8", "guess-20@example.com")).statusCode, 202, "other clients go on");
  });

  test("the reset is audited without the token or the password", async () => {
    const audit = async (action: string) =>
      (await t.call("GET", `/api/v1/audit-logs?action=${action}`, { as: { cookie: owner.cookie } })).body
        .data as Array<{
        details: unknown;
        user_email: string;
        ip_address: string | null;
      }>;
    const resets = await audit("auth.password_reset");
    const requests = await audit("auth.password_reset_request");
    assert.ok(resets.some((e) => e.user_email === "dev@example.com"));
    assert.ok(requests.some((e) => e.user_email === "dev@example.com" && e.ip_address));
    assert.doesNotMatch(JSON.stringify([...resets, ...requests]), /rst_|brand-new-password/);
  });

  test("neither tokens, passwords nor the SMTP password reach the log", () => {
    const log = t.logs.join("");
    assert.match(log, /"mail sent"/, "the log was captured");
    const tokens = inbox.messages.flatMap((m) => [...(m.text ?? "").matchAll(/rst_[0-9A-Za-z]{40}/g)].map((x) => x[0]));
    assert.ok(tokens.length > 5);
    for (const secret of [...tokens, NEW_PASSWORD, TEST_PASSWORD, inbox.password, encodeURIComponent(inbox.password)]) {
      assert.ok(!log.includes(secret), `the log holds ${secret}`);
    }
  });
});

describe("password reset without a usable mail server", () => {
  test("no SMTP_URL: 503 MAIL_NOT_CONFIGURED telling the admin what to set", async () => {
    const t = await createTestApp();
    try {
      await t.signup("owner@example.com");
      const res = await forgot(t, "owner@example.com");
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, "MAIL_NOT_CONFIGURED");
      assert.match(res.body.error.message, /SYNTRA_SMTP_URL/);
      assert.equal((await forgot(t, "nobody@example.com")).status, 503, "the same for every address");
    } finally {
      await t.close();
    }
  });

  test("mail server down: 502 MAIL_FAILED for known and unknown addresses alike", async () => {
    const gone = await startSmtpInbox();
    await gone.close();
    const t = await createTestApp({ SYNTRA_SMTP_URL: gone.url });
    try {
      await t.signup("owner@example.com");
      const known = await forgot(t, "owner@example.com");
      const unknown = await forgot(t, "nobody@example.com");
      for (const res of [known, unknown]) {
        assert.equal(res.status, 502);
        assert.equal(res.body.error.code, "MAIL_FAILED");
        assert.match(res.body.error.message, /could not be reached/);
      }
      assert.equal(known.body.error.message, unknown.body.error.message);
      assert.match(t.logs.join(""), /"reason":"connect ECONNREFUSED[^\n]*"msg":"mail not sent"/);
    } finally {
      await t.close();
    }
  });

  test("wrong SMTP credentials: 502 MAIL_FAILED, and the password is in no answer and no log line", async () => {
    const inbox = await startSmtpInbox();
    const wrong = "wrong-smtp-secret-314";
    const t = await createTestApp({ SYNTRA_SMTP_URL: inbox.url.replace(encodeURIComponent(inbox.password), wrong) });
    try {
      await t.signup("owner@example.com");
      const res = await forgot(t, "owner@example.com");
      assert.equal(res.status, 502);
      assert.equal(res.body.error.code, "MAIL_FAILED");
      assert.match(res.body.error.message, /refused its credentials/);
      assert.ok(inbox.refusedLogins > 0, "the server was asked and said no");
      assert.equal(inbox.messages.length, 0);
      const everything = t.logs.join("") + JSON.stringify(res.body);
      assert.match(everything, /"code":"EAUTH"/);
      assert.ok(!everything.includes(wrong), "the SMTP password leaked");
      assert.ok(!everything.includes(Buffer.from(wrong).toString("base64")));
    } finally {
      await t.close();
      await inbox.close();
    }
  });
});
