// The Volumes card of a service's settings in a real browser (Debian's chromium driven by playwright-core)
// against a control plane serving the built dashboard. No agent is needed: volumes are settings until a deploy.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, shoot } from "./browser";

let t: TestApp;
let baseUrl: string;
let browser: Browser;
let owner: { cookie: string };
let developer: { cookie: string };
let settingsUrl: string;
let serviceId: string;

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  [t] = await Promise.all([createTestApp({ SYNTRA_PUBLIC_URL: baseUrl }), ensureWebBuild({ quiet: true })]);
  await t.app.listen({ host: "127.0.0.1", port });
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  developer = await t.member(owner, "dev@example.com", "developer");
  const serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "db-host" } })).body.data
    .server_id;
  const projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Data" } })).body.data.id;
  const created = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: {
      name: "pg",
      type: "database",
      server_id: serverId,
      source_type: "image",
      source_config: { image: "postgres", tag: "17" },
      port: 5432,
    },
  });
  serviceId = created.body.data.id;
  settingsUrl = `${baseUrl}/projects/${projectId}/services/${serviceId}/settings`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await t?.close();
});

/** The service's settings page, signed in with an API session cookie. */
async function settingsAs(cookie: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([{ name: "syntra_session", value: cookie, url: baseUrl }]);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await goto(page, settingsUrl);
  await page.getByRole("heading", { name: "Volumes" }).waitFor();
  return { context, page };
}

const volumes = async () =>
  (await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner })).body.data.volumes as { name: string }[];

test("an owner adds a named volume and a bind mount; bad fields are marked where they are", async () => {
  const { context, page } = await settingsAs(owner.cookie);
  const form = page.getByRole("form", { name: "Add a volume" });
  await page.getByText("No volumes").waitFor();
  await page.getByText("a database with volumes is deployed with the instant strategy").waitFor();

  await form.getByLabel("Name").fill("Data");
  await form.getByLabel("Path in the container").fill("data/");
  await form.getByRole("button", { name: "Add volume" }).click();
  await page.locator("#volume_name-error").filter({ hasText: "lowercase letters" }).waitFor();
  await page.locator("#volume_container_path-error").filter({ hasText: "absolute path" }).waitFor();
  assert.equal(await form.getByLabel("Name").getAttribute("aria-invalid"), "true");
  await shoot(page, "service-volumes-errors");
  assert.deepEqual(await volumes(), [], "nothing was saved");

  await form.getByLabel("Name").fill("data");
  await form.getByLabel("Path in the container").fill("/var/lib/postgresql/data");
  await form.getByRole("button", { name: "Add volume" }).click();
  await page.locator('[data-volume="data"]').waitFor();

  await form.getByLabel("Name").fill("shared");
  await form.getByLabel("Path in the container").fill("/shared");
  await form.getByLabel("Host path (optional)").fill("/srv/shared");
  await form.getByLabel("Read-only").check();
  await form.getByRole("button", { name: "Add volume" }).click();
  const bind = page.locator('[data-volume="shared"]');
  await bind.getByText("bind mount").waitFor();
  await bind.getByText("read-only").waitFor();
  await shoot(page, "service-volumes");
  assert.deepEqual(await volumes(), [
    { name: "data", container_path: "/var/lib/postgresql/data", read_only: false },
    { name: "shared", container_path: "/shared", host_path: "/srv/shared", read_only: true },
  ]);
  await context.close();
});

test("a developer is offered no host path, and cannot edit a service an admin gave a bind mount", async () => {
  const dev = await settingsAs(developer.cookie);
  await dev.page.locator('[data-volume="shared"]').waitFor();
  await dev.page.getByText("only an owner or admin can change its volumes").waitFor();
  assert.equal(await dev.page.getByRole("form", { name: "Add a volume" }).count(), 0);
  assert.equal(await dev.page.getByRole("button", { name: /^Remove volume/ }).count(), 0);
  await dev.context.close();

  const own = await settingsAs(owner.cookie);
  await own.page.getByRole("button", { name: "Remove volume shared" }).click();
  await own.page.locator('[data-volume="shared"]').waitFor({ state: "detached" });
  await own.context.close();

  const again = await settingsAs(developer.cookie);
  const form = again.page.getByRole("form", { name: "Add a volume" });
  assert.equal(await form.getByLabel("Host path (optional)").count(), 0, "bind mounts are an owner's or admin's");
  await form.getByLabel("Name").fill("data");
  await form.getByLabel("Path in the container").fill("/cache");
  await form.getByRole("button", { name: "Add volume" }).click();
  await again.page.locator("#volume_name-error").filter({ hasText: "'data' is used twice" }).waitFor();
  await form.getByLabel("Name").fill("cache");
  await form.getByRole("button", { name: "Add volume" }).click();
  await again.page.locator('[data-volume="cache"]').waitFor();
  assert.deepEqual(
    (await volumes()).map((v) => v.name),
    ["data", "cache"],
  );
  await again.context.close();
});
