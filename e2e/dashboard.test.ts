// The dashboard in a real browser (Debian's chromium driven by playwright-core) against the real stack: the
// control plane serving the built dashboard, a real agent process started with the token the wizard shows,
// Docker and Caddy. It walks what a new user does, and writes screenshots of each main page at desktop and
// phone width to test-artifacts/screenshots/.
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startCaddy, type TestCaddy } from "@syntra/testing/caddy";
import { ensureTestImages } from "@syntra/testing/images";
import { freePort } from "@syntra/testing/ports";
import Dockerode from "dockerode";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { stopUpstreamDaemon } from "../apps/agent/src/proxy/upstream-table";
import { removeService } from "../apps/agent/src/testing/fixtures";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, PHONE, shoot } from "./browser";
import { type AgentProcess, spawnAgent, startTestZone } from "./stack";

const here = path.dirname(fileURLToPath(import.meta.url));
const agentMain = path.resolve(here, "../apps/agent/src/main.ts");
const DOMAIN = "shop.e2e.test";
const OWNER = { name: "Ada Owner", email: "ada@example.com", password: "correct-horse-battery" };

let t: TestApp;
let baseUrl: string;
let caddy: TestCaddy;
let dns: Awaited<ReturnType<typeof startTestZone>>;
let browser: Browser;
let owner: BrowserContext;
let page: Page;
let agent: AgentProcess | undefined;
let stateDir: string;
let serviceUrl = "";
let serviceId = "";

/** What the app on the domain answers, fetched by the browser through Caddy. */
async function appAnswer(): Promise<string> {
  const app = await owner.newPage();
  try {
    // A fresh URL each time: the browser would otherwise answer from its cache.
    await goto(app, `http://${DOMAIN}:${caddy.httpPort}/?visit=${Date.now()}`);
    return ((await app.textContent("body")) ?? "").trim();
  } finally {
    await app.close();
  }
}

/** Waits until the service header shows the status. */
async function serviceStatus(status: string): Promise<void> {
  await page.locator(`[data-testid="service-status"] [data-status="${status}"]`).waitFor({ timeout: 90_000 });
}

before(async () => {
  await Promise.all([ensureWebBuild({ quiet: true }), ensureTestImages("v1", "v2")]);
  dns = await startTestZone();
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({
    SYNTRA_AGENT_HEARTBEAT_SECONDS: "1",
    SYNTRA_DNS_RESOLVER: `127.0.0.1:${dns.addresses().udp?.port}`,
    SYNTRA_PUBLIC_URL: baseUrl,
  });
  await t.app.listen({ host: "127.0.0.1", port });
  // As main.ts does: the agent the wizard starts enrols on the API, then connects to the mutual-TLS agent endpoint.
  await t.agentEndpoint();
  caddy = await startCaddy();
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-dashboard-agent-"));
  browser = await launchBrowser();
  owner = await browser.newContext({ viewport: DESKTOP });
  page = await owner.newPage();
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await agent?.stop();
  // The agent leaves its upstream DNS daemon running for Caddy, as on a server.
  if (stateDir) await stopUpstreamDaemon(path.join(stateDir, "caddy"));
  if (serviceId) await removeService(new Dockerode(), serviceId);
  await caddy?.stop();
  await dns?.close();
  await t?.close();
  if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
});

test("sign up: the first account lands on an empty dashboard that offers to add a server", async () => {
  await goto(page, `${baseUrl}/`);
  await page.waitForURL(/\/login/);
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  // The API's own schema, checked before any request: no account is made with a bad password.
  await page.getByText("must be at least 10 characters").waitFor();
  await page.getByLabel("Your name").fill(OWNER.name);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByLabel("Organization").fill("Acme");
  await shoot(page, "signup");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByText("Connect your first server").waitFor();
  assert.equal(await page.getByTestId("role").textContent(), "owner");
});

test("add server: the wizard's install command starts an agent, and the wizard turns green when it connects", async () => {
  await page.getByRole("link", { name: "Add a server" }).click();
  await page.waitForURL(/\/servers\/new$/);
  await page.getByLabel("Server name").fill("local");
  await page.getByRole("button", { name: "Create" }).click();
  const command = (await page.getByTestId("install command").textContent()) ?? "";
  const env = Object.fromEntries([...command.matchAll(/(SYNTRA_\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  assert.equal(env.SYNTRA_URL, baseUrl, command);
  assert.match(env.SYNTRA_TOKEN ?? "", /^syn_agt_/);
  await page.getByText("Waiting for the agent to connect").waitFor();
  await shoot(page, "server-new");
  // What the install script would run on the server, with this machine's test Caddy.
  agent = spawnAgent(["--import", "tsx", agentMain], {
    SYNTRA_URL: env.SYNTRA_URL ?? "",
    SYNTRA_TOKEN: env.SYNTRA_TOKEN ?? "",
    SYNTRA_SERVER_ID: env.SYNTRA_SERVER_ID ?? "",
    SYNTRA_AGENT_STATE_DIR: stateDir,
    SYNTRA_CADDY_ADMIN_URL: caddy.adminUrl,
    SYNTRA_PROXY_HTTP_PORT: String(caddy.httpPort),
    SYNTRA_PROXY_TLS: "false",
    SYNTRA_AGENT_MAX_BACKOFF_SECONDS: "1",
  });
  // Live: no reload; the server event arrives over the event stream.
  await page.getByText(/^Connected:/).waitFor({ timeout: 60_000 });
  await page.getByRole("link", { name: "Open server" }).click();
  await page.getByText("Resources").waitFor();
  await page.waitForTimeout(2500);
  await page.getByRole("button", { name: "6 h" }).click();
  // Heartbeats (every second here) are charted.
  await page.locator(".recharts-line").first().waitFor({ state: "attached", timeout: 15_000 });
  await shoot(page, "server-detail");
  await page.getByRole("link", { name: "Servers", exact: true }).first().click();
  await page.locator('[data-status="online"]').first().waitFor();
  await shoot(page, "servers");
});

test("project and service: created from forms validated with the API's schemas", async () => {
  await page.getByRole("link", { name: "Projects", exact: true }).first().click();
  await page.getByText("No projects yet").waitFor();
  await page.getByRole("link", { name: "New project" }).click();
  await page.getByLabel("Name").fill("Shop");
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/projects\/[0-9a-f-]+\/overview$/);
  await page.getByText("No services yet").waitFor();
  await page.getByRole("link", { name: "New service" }).click();
  await page.getByLabel("Name").fill("Web App");
  await page.getByLabel("Image", { exact: true }).fill("syntra-test/webapp");
  await page.getByRole("button", { name: "Create service" }).click();
  await page.getByText("lowercase letters, digits and dashes, at most 63").waitFor();
  await page.getByLabel("Name").fill("web");
  await page.getByLabel("Tag").fill("v1");
  await page.getByLabel("Port").fill("8080");
  await page.getByLabel("Domains (optional)").fill(DOMAIN);
  await page.getByLabel("Health check path (optional)").fill("/healthz");
  await shoot(page, "service-new");
  await page.getByRole("button", { name: "Create service" }).click();
  await page.waitForURL(/\/services\/[0-9a-f-]+\/deployments$/);
  serviceUrl = page.url().replace(/\/deployments$/, "");
  serviceId = serviceUrl.split("/").pop() ?? "";
  await page.getByText("Not deployed yet").waitFor();

  // The domain is routed once its DNS points at the server: the test zone has the record.
  await page.getByRole("link", { name: "Settings" }).last().click();
  const domain = page.locator(`[data-domain="${DOMAIN}"]`);
  await domain.getByRole("button", { name: "Check DNS" }).click();
  await domain.locator('[data-status="verified"]').waitFor();
});

test("deploy: progress and the deploy log arrive live until it runs, and the app answers through Caddy", async () => {
  await page.getByRole("link", { name: "Deployments" }).click();
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Deploy web" });
  await dialog.getByLabel("Image tag").fill("v1");
  await dialog.getByRole("button", { name: "Deploy", exact: true }).click();
  await serviceStatus("running");
  const log = page.getByRole("list", { name: "Deploy log" });
  await log.getByText("running", { exact: true }).last().waitFor();
  assert.ok((await log.locator("li").count()) >= 3, "the agent's steps are listed");
  assert.equal(await appAnswer(), "v1");
  await shoot(page, "service-deployments");
});

test("open: the service's default URL (web-shop.localhost, no DNS) opens the app in a new tab", async () => {
  const open = page.getByRole("link", { name: /^Open web at / });
  const href = (await open.getAttribute("href")) ?? "";
  assert.equal(href, `http://web-shop.localhost:${caddy.httpPort}/`);
  // Chromium resolves *.localhost to loopback itself (RFC 6761): the link works with no DNS at all.
  const [tab] = await Promise.all([owner.waitForEvent("page"), open.click()]);
  await tab.waitForLoadState();
  assert.equal(((await tab.textContent("body")) ?? "").trim(), "v1");
  await tab.close();
  // The project overview offers it too.
  await goto(page, serviceUrl.replace(/\/services\/.*$/, "/overview"));
  await page.getByRole("link", { name: /^Open web at / }).waitFor();
  await shoot(page, "project-overview");
  await goto(page, `${serviceUrl}/deployments`);
});

test("logs: the live tail shows the container's output", async () => {
  await page.getByRole("link", { name: "Logs" }).click();
  await page.getByRole("tab", { name: "Live tail" }).click();
  const lines = page.getByRole("log", { name: "Live log lines" });
  await lines.getByText("webapp v1 starting").first().waitFor();
  await page.getByLabel("Filter lines").fill("stderr");
  await lines.getByText("webapp v1 stderr line").first().waitFor();
  assert.equal(await lines.getByText("webapp v1 starting").count(), 0, "the filter hides the other lines");
  await page.getByLabel("Filter lines").fill("");
  await page.getByRole("button", { name: "Pause" }).click();
  await page.getByRole("button", { name: "Resume" }).waitFor();
  await shoot(page, "service-logs");
  await page.getByRole("button", { name: "Resume" }).click();
});

test("rollback: a newer version, then one click (confirmed) brings the earlier one back", async () => {
  await page.getByRole("link", { name: "Deployments" }).click();
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Deploy web" });
  await dialog.getByLabel("Image tag").fill("v2");
  await dialog.getByRole("button", { name: "Deploy", exact: true }).click();
  const rows = page.getByRole("list", { name: "Deployments" }).locator("li");
  await rows.filter({ hasText: "v2 · current" }).waitFor({ timeout: 90_000 });
  assert.equal(await appAnswer(), "v2");

  const v1 = rows.filter({ has: page.getByText("v1", { exact: true }) });
  await v1.getByRole("button", { name: "Roll back" }).click();
  const confirm = page.getByRole("dialog", { name: "Roll back?" });
  // Escape keeps the current version: nothing is started by accident.
  await page.keyboard.press("Escape");
  await confirm.waitFor({ state: "hidden" });
  await v1.getByRole("button", { name: "Roll back" }).click();
  await confirm.getByRole("button", { name: "Roll back" }).click();
  await rows.filter({ hasText: "v1 · current" }).waitFor({ timeout: 90_000 });
  await rows.filter({ hasText: "rollback" }).first().waitFor();
  assert.equal(await appAnswer(), "v1");
});

test("env var: set as a secret, shown masked, revealed on request", async () => {
  await page.getByRole("link", { name: "Settings" }).last().click();
  await page.getByLabel("Key").fill("API_KEY");
  await page.getByLabel("Value").fill("s3cret-value");
  await page.getByRole("button", { name: "Set variable" }).click();
  const value = page.locator('[data-env="API_KEY"] [data-testid="env-value"]');
  await value.waitFor();
  assert.equal(await value.textContent(), "********");
  assert.doesNotMatch(await page.content(), /s3cret-value/);
  await shoot(page, "service-settings");
  await page.getByRole("button", { name: "Reveal values" }).click();
  await page.locator('[data-env="API_KEY"] [data-testid="env-value"]', { hasText: "s3cret-value" }).waitFor();
  await page.getByRole("button", { name: "Hide values" }).click();
});

test("invite a member: the viewer who joins is not offered what a viewer cannot do", async () => {
  await page.getByRole("link", { name: "Settings", exact: true }).first().click();
  await page.getByLabel("Invite by email").fill("vera@example.com");
  await page.getByLabel("Role").selectOption("viewer");
  await page.getByRole("button", { name: "Invite" }).click();
  const link = (await page.getByTestId("invitation link").textContent()) ?? "";
  assert.match(link, /\/signup\?invite=/);
  await page.getByRole("list", { name: "Pending invitations" }).getByText("vera@example.com").waitFor();
  await shoot(page, "settings");
  await goto(page, `${baseUrl}/dashboard`);
  await page.getByText("Services running").waitFor();
  await shoot(page, "dashboard");

  const viewer = await browser.newContext({ viewport: DESKTOP });
  try {
    const v = await viewer.newPage();
    await goto(v, link);
    await v.getByText("Join your team").waitFor();
    await v.getByLabel("Your name").fill("Vera Viewer");
    await v.getByLabel("Email").fill("vera@example.com");
    await v.getByLabel("Password").fill("another-long-password");
    await v.getByRole("button", { name: "Create account" }).click();
    await v.waitForURL(/\/dashboard$/);
    assert.equal(await v.getByTestId("role").textContent(), "viewer");
    assert.equal(await v.getByRole("link", { name: "New project" }).count(), 0);

    await goto(v, `${serviceUrl}/settings`);
    await v.locator('[data-env="API_KEY"] [data-testid="env-value"]').waitFor();
    assert.equal(await v.locator('[data-env="API_KEY"] [data-testid="env-value"]').textContent(), "********");
    for (const name of ["Deploy", "Reveal values", "Set variable", "Save", "Check DNS", "Upload certificate"]) {
      assert.equal(await v.getByRole("button", { name }).count(), 0, `a viewer is not offered "${name}"`);
    }
    await v.getByRole("link", { name: "Deployments" }).click();
    await v.getByRole("list", { name: "Deployments" }).waitFor();
    assert.equal(await v.getByRole("button", { name: "Roll back" }).count(), 0);

    // Tried anyway (a bookmarked page): the API's refusal is shown in its words.
    await goto(v, `${baseUrl}/servers/new`);
    await v.getByLabel("Server name").fill("sneaky");
    await v.getByRole("button", { name: "Create" }).click();
    await v.getByRole("alert").getByText("This needs the 'servers:write' permission").waitFor();
  } finally {
    await viewer.close();
  }
});

test("every main page renders at phone width without sideways scrolling", async () => {
  await page.setViewportSize(PHONE);
  try {
    for (const url of [
      "/dashboard",
      "/servers",
      "/projects",
      `${new URL(serviceUrl).pathname}/deployments`,
      "/settings",
    ]) {
      await goto(page, `${baseUrl}${url}`);
      await page.locator("main h1").first().waitFor();
      const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
      assert.ok(overflow <= 1, `${url} scrolls sideways by ${overflow} px at 390 px`);
    }
    await page.getByRole("button", { name: "Open menu" }).click();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Servers" }).click();
    await page.waitForURL(/\/servers$/);
  } finally {
    await page.setViewportSize(DESKTOP);
  }
});
