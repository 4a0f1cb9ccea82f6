// Forgotten and changed passwords in a real browser (Debian's chromium driven by playwright-core) against a
// control plane serving the built dashboard and mailing through a real SMTP server on loopback, whose mail
// the test reads as the user would. No agent is needed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import type { Browser, Page } from "playwright-core";
import { createTestApp, TEST_PASSWORD, type TestApp } from "../apps/server/src/testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../apps/server/src/testing/smtp-inbox";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, shoot } from "./browser";

const EMAIL = "ada@example.com";
const NEW_PASSWORD = "a-new-correct-horse";
const CHANGED_PASSWORD = "changed-in-settings-42";

let t: TestApp;
let inbox: SmtpInbox;
let baseUrl: string;
let browser: Browser;
let page: Page;

before(async () => {
  await ensureWebBuild({ quiet: true });
  inbox = await startSmtpInbox();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({ SYNTRA_PUBLIC_URL: baseUrl, SYNTRA_SMTP_URL: inbox.url });
  await t.app.listen({ host: "127.0.0.1", port });
  await t.signup(EMAIL, { orgName: "Acme" });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await t?.close();
  await inbox?.close();
});

async function signIn(password: string): Promise<void> {
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("forgot password: the emailed link sets a new password, which then signs in", async () => {
  await goto(page, `${baseUrl}/login`);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.waitForURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await page.getByText(`If an account exists for ${EMAIL}`).waitFor();
  await shoot(page, "forgot-password");

  const mail = await inbox.waitFor(EMAIL);
  const link = new RegExp(`${baseUrl}/reset-password\\?token=rst_[0-9A-Za-z]{40}`).exec(mail.text ?? "")?.[0];
  assert.ok(link, mail.text);
  await goto(page, link);
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat the new password").fill(`${NEW_PASSWORD}-typo`);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await page.getByText("the passwords differ").waitFor();
  await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
  await shoot(page, "reset-password");
  await page.getByRole("button", { name: "Set the new password" }).click();

  await page.waitForURL(/\/login\?reset=done$/);
  await page.getByText("Your password was changed. Sign in with the new one.").waitFor();
  await signIn(TEST_PASSWORD);
  await page.getByText("Email or password is wrong").waitFor();
  await signIn(NEW_PASSWORD);
  await page.waitForURL(/\/dashboard$/);

  // The link was used up: opening it again says so and offers a new one.
  await goto(page, link);
  await page.getByLabel("New password", { exact: true }).fill("yet-another-password");
  await page.getByLabel("Repeat the new password").fill("yet-another-password");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await page.getByText("unknown, expired or already used").waitFor();
  await page.getByRole("link", { name: "Ask for a new link" }).waitFor();
});

test("settings: an invitation says it was emailed, and the Password card changes the password", async () => {
  await goto(page, `${baseUrl}/login`);
  await signIn(NEW_PASSWORD);
  await page.waitForURL(/\/dashboard$/);
  await goto(page, `${baseUrl}/settings`);
  await page.getByLabel("Invite by email").fill("grace@example.com");
  await page.getByRole("button", { name: "Invite" }).click();
  await page.getByText("Invitation emailed to grace@example.com").waitFor();
  assert.equal(
    (await inbox.waitFor("grace@example.com")).subject,
    "ada (ada@example.com) invited you to Acme on Syntra",
  );

  await page.getByLabel("Current password").fill("not-my-password");
  await page.getByLabel("New password", { exact: true }).fill(CHANGED_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Your current password is wrong").waitFor();
  await page.getByLabel("Current password").fill(NEW_PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(CHANGED_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Password changed.").waitFor();
  await shoot(page, "settings-password");

  const login = await t.call("POST", "/api/v1/auth/login", { body: { email: EMAIL, password: CHANGED_PASSWORD } });
  assert.equal(login.status, 200);
});
