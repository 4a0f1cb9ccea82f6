// Invitations by email, through a real SMTP server on loopback that requires AUTH.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createTestApp, TEST_PASSWORD, type TestApp } from "../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../testing/smtp-inbox";

const PUBLIC_URL = "https://syntra.example.com";

const invite = (t: TestApp, cookie: string, email: string, role = "developer") =>
  t.call("POST", "/api/v1/org/invitations", { as: { cookie }, body: { email, role } });

/** The invitation token in an accept link. */
const tokenOf = (link: string) => new URL(link).searchParams.get("invite") ?? "";

describe("invitation emails", () => {
  let inbox: SmtpInbox;
  let t: TestApp;
  let owner: { cookie: string; userId: string; orgId: string };

  before(async () => {
    inbox = await startSmtpInbox();
    t = await createTestApp({ SYNTRA_SMTP_URL: inbox.url, SYNTRA_PUBLIC_URL: PUBLIC_URL });
    owner = await t.signup("ada@example.com", { orgName: "Acme" });
  });
  after(async () => {
    await t.close();
    await inbox.close();
  });

  test("the invitee is emailed who invites them, where, as what, and the link that lets them join", async () => {
    const res = await invite(t, owner.cookie, "grace@example.com", "admin");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data.email_sent, true);
    const link: string = res.body.data.accept_url;
    assert.ok(link.startsWith(`${PUBLIC_URL}/signup?invite=inv_`), link);

    const mail = await inbox.waitFor("grace@example.com");
    assert.equal(mail.subject, "ada (ada@example.com) invited you to Acme on Syntra");
    const text = mail.text ?? "";
    assert.match(text, /ada \(ada@example\.com\) invited you to join Acme on Syntra as an admin\./);
    assert.ok(text.includes(link), text);
    assert.match(text, /expires on /);
    assert.ok(typeof mail.html === "string" && mail.html.includes(`href="${link}"`), "the HTML body links too");

    // The mailed link is the invitation: signing up with it joins Acme as admin.
    const joined = await t.call("POST", "/api/v1/auth/signup", {
      body: { email: "grace@example.com", password: TEST_PASSWORD, invite_token: tokenOf(link) },
    });
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    assert.equal(joined.body.data.org.name, "Acme");
    assert.equal(joined.body.data.org.role, "admin");
  });

  test("names from users are escaped in the HTML and cannot add headers or recipients", async () => {
    const renamed = await t.call("PATCH", "/api/v1/org", {
      as: { cookie: owner.cookie },
      body: { name: 'Acme <script>alert(1)</script> & "Co"\r\nBcc: mallory@example.com' },
    });
    assert.equal(renamed.status, 200);
    const res = await invite(t, owner.cookie, "linus@example.com");
    assert.equal(res.body.data.email_sent, true);
    const mail = await inbox.waitFor("linus@example.com");
    assert.deepEqual(mail.envelopeTo, ["linus@example.com"]);
    assert.equal(mail.bcc, undefined);
    assert.deepEqual(inbox.to("mallory@example.com"), []);
    assert.doesNotMatch(mail.subject ?? "", /[\r\n]/);
    const html = String(mail.html);
    assert.ok(!html.includes("<script>"), html);
    assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"), html);
    await t.call("PATCH", "/api/v1/org", { as: { cookie: owner.cookie }, body: { name: "Acme" } });
  });
});

describe("invitations when mail cannot go out", () => {
  test("without a mail server the invitation is made and email_sent is false", async () => {
    const t = await createTestApp();
    try {
      const owner = await t.signup("ada@example.com", { orgName: "Acme" });
      const res = await invite(t, owner.cookie, "grace@example.com");
      assert.equal(res.status, 201);
      assert.equal(res.body.data.email_sent, false);
      assert.match(res.body.data.accept_url, /\/signup\?invite=inv_/);
    } finally {
      await t.close();
    }
  });

  test("with the mail server down the invitation still stands: email_sent false, the link works", async () => {
    const gone = await startSmtpInbox();
    await gone.close();
    const t = await createTestApp({ SYNTRA_SMTP_URL: gone.url });
    try {
      const owner = await t.signup("ada@example.com", { orgName: "Acme" });
      const res = await invite(t, owner.cookie, "grace@example.com", "viewer");
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.data.email_sent, false);
      const pending = await t.call("GET", "/api/v1/org/invitations", { as: { cookie: owner.cookie } });
      assert.deepEqual(
        pending.body.data.map((i: { email: string }) => i.email),
        ["grace@example.com"],
      );
      assert.match(t.logs.join(""), /"to":"grace@example\.com"[^\n]*"msg":"mail not sent"/);
      const joined = await t.call("POST", "/api/v1/auth/signup", {
        body: { email: "grace@example.com", password: TEST_PASSWORD, invite_token: tokenOf(res.body.data.accept_url) },
      });
      assert.equal(joined.status, 201);
      assert.equal(joined.body.data.org.role, "viewer");
    } finally {
      await t.close();
    }
  });
});
