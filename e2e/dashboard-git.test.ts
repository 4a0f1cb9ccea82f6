// The dashboard's pages for services built from git, in a real browser against the real stack: a bare
// repository on this machine, the control plane's build worker on the Docker engine, an agent and Caddy. A
// service is created from the repository, deployed from the UI while its build log streams in, switched to
// stack detection, and a slow build is cancelled; git access, the webhook, build-time variables and a
// custom certificate are set from the settings; a viewer is offered none of it.
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { selfSignedCertificate } from "@syntra/testing/openssl";
import { get } from "@syntra/testing/traffic";
import Dockerode from "dockerode";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { removeService } from "../apps/agent/src/testing/fixtures";
import { createTestRepo, type TestRepo } from "../apps/server/src/builds/builder/testing/git-repos";
import { startBuildWorker } from "../apps/server/src/builds/start-worker";
import type { BuildWorker } from "../apps/server/src/builds/worker";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, PHONE, shoot } from "./browser";
import { dockerfileSite } from "./site-commit";
import { type Stack, startStack } from "./stack";

const DOMAIN = "site.e2e.test";
const WILDCARD = "*.previews.e2e.test";
const BASE = "syntra-test/busybox:latest";

let stack: Stack;
let repo: TestRepo;
let worker: BuildWorker | null = null;
let browser: Browser;
let owner: BrowserContext;
let page: Page;
let viewer: { cookie: string };
let projectId = "";
let serviceId = "";
const commits: Record<string, string> = {};

/** A commit whose own Dockerfile serves `text`, with the detected site's files removed. */
const dockerfileCommit = (text: string, run?: string): Record<string, string | null> => ({
  ...dockerfileSite(text, run),
  "index.html": null,
  healthz: null,
});

/** A commit without a Dockerfile: a static site Syntra detects. */
const detectedSite = (text: string) => ({
  Dockerfile: null,
  "www/index.html": null,
  "www/healthz": null,
  "index.html": text,
  healthz: "ok",
});

const served = async () => (await get(stack.caddy.httpPort, DOMAIN)).body.trim();
/** Shows the service page's tab `name`; one already shown is not clicked again (nothing would change). */
async function tab(name: string): Promise<void> {
  const link = page.getByRole("navigation", { name: "Service" }).getByRole("link", { name });
  if ((await link.getAttribute("aria-current")) !== "page") await link.click();
}
const deploymentStatus = (p: Page, status: string, timeout = 90_000) =>
  p.locator(`[data-testid="deployment-status"] [data-status="${status}"]`).waitFor({ timeout });

/** A browser session signed in with an API session cookie. */
async function signedIn(cookie: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([{ name: "syntra_session", value: cookie, url: stack.baseUrl }]);
  return context;
}

/** Opens the Deploy dialog, optionally with a ref, and starts it; resolves on the new deployment's page. */
async function deployFromUi(ref?: string): Promise<void> {
  await tab("Deployments");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Deploy site" });
  if (ref) await dialog.getByLabel("Branch or commit (optional)").fill(ref);
  await dialog.getByRole("button", { name: "Build and deploy" }).click();
  await page.waitForURL(/\/deployments\?d=[0-9a-f-]+$/);
}

async function chooseSource(label: string): Promise<void> {
  await tab("Settings");
  await page.getByLabel(label).check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
}

before(async () => {
  repo = await createTestRepo();
  commits.first = await repo.commit(dockerfileCommit("hello from git"), "First release");
  const [s] = await Promise.all([startStack({ SYNTRA_BUILD_IMAGE_STATIC: BASE }), ensureWebBuild({ quiet: true })]);
  stack = s;
  worker = await startBuildWorker(stack.t.deps, { pollMs: 200, heartbeatMs: 500 });
  assert.ok(worker, "the build worker needs the Docker engine");
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "Docs" } });
  projectId = project.body.data.id;
  viewer = await stack.t.member(stack.owner, "vera@example.com", "viewer");
  browser = await launchBrowser();
  owner = await signedIn(stack.owner.cookie);
  page = await owner.newPage();
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  if (serviceId) await removeService(new Dockerode(), serviceId);
  await stack?.close();
  await repo?.cleanup();
});

test("new service from git: the source is chosen in the form, its fields checked with the API's schemas", async () => {
  await goto(page, `${stack.baseUrl}/projects/${projectId}/services/new`);
  await page.getByLabel("Name").fill("site");
  await page.getByLabel("Git repository with a Dockerfile").check();
  await page.getByLabel("Repository URL").fill("not a repository");
  await page.getByRole("button", { name: "Create service" }).click();
  await page.getByText("expected an https://, ssh:// , user@host:path or file:/// URL").waitFor();
  await page.getByLabel("Repository URL").fill(repo.url);
  await page.getByLabel("Branch").fill("main");
  await page.getByLabel("Dockerfile path").fill("Dockerfile");
  await page.getByLabel("Watch paths (optional)").fill("www/**, Dockerfile, index.html, healthz");
  await page.getByLabel("Port").fill("8080");
  await page.getByLabel("Domains (optional)").fill(DOMAIN);
  await page.getByLabel("Health check path (optional)").fill("/healthz");
  await shoot(page, "service-new-git");
  await page.getByRole("button", { name: "Create service" }).click();
  await page.waitForURL(/\/services\/[0-9a-f-]+\/deployments$/);
  serviceId = page.url().split("/").at(-2) ?? "";
  await page.getByText("Not deployed yet").waitFor();
  const created = (await stack.t.call("GET", `/api/v1/services/${serviceId}`, { as: stack.owner })).body.data;
  assert.equal(created.source_type, "dockerfile");
  assert.deepEqual(created.source_config, {
    repo_url: repo.url,
    branch: "main",
    dockerfile_path: "Dockerfile",
    build_context: ".",
    watch_paths: ["www/**", "Dockerfile", "index.html", "healthz"],
  });
  // The test zone has the domain's record: verified, it is routed once deployed.
  await stack.t.call("POST", `/api/v1/services/${serviceId}/domains/${DOMAIN}/verify`, { as: stack.owner });
});

test("deploy from the UI: the build log streams in, the deployment runs, the history shows the commit", async () => {
  await deployFromUi();
  const log = page.getByRole("log", { name: "Build log" });
  await log.getByText(/Step 1\/\d+ : FROM syntra-test\/busybox/).waitFor({ timeout: 60_000 });
  await deploymentStatus(page, "running");
  await page
    .getByTestId("commit-sha")
    .filter({ hasText: commits.first?.slice(0, 7) ?? "?" })
    .waitFor();
  assert.equal(await page.getByTestId("commit-message").textContent(), "First release");
  const row = page.getByRole("list", { name: "Deployments" }).locator("li").first();
  await row.getByText("First release").waitFor();
  assert.match((await row.textContent()) ?? "", /build [\d.]+ (ms|s) · deploy [\d.]+ (ms|s)/);
  await page.getByRole("list", { name: "Deploy log" }).getByText("running", { exact: true }).last().waitFor();
  assert.equal(await served(), "hello from git");
  await shoot(page, "deployment-git");
});

test("stack detection: switched in the settings, a deploy of an exact commit shows the Dockerfile Syntra wrote", async () => {
  commits.detected = await repo.commit(detectedSite("detected site"), "Drop the Dockerfile");
  // New content each run, so that the slow step is never taken from the build cache of an earlier run.
  await repo.commit(dockerfileCommit(`slow ${randomUUID()}`, "sleep 60"), "A slow build");
  await chooseSource("Git repository, stack detected");
  assert.equal(await page.getByLabel("Dockerfile path").count(), 0, "a detected stack has no Dockerfile path");
  // The branch's head is the slow commit: the SHA asked for is what is built.
  await deployFromUi(commits.detected);
  await deploymentStatus(page, "running");
  await page
    .getByTestId("commit-sha")
    .filter({ hasText: commits.detected?.slice(0, 7) ?? "?" })
    .waitFor();
  await page.getByText("Generated Dockerfile").click();
  const dockerfile = (await page.getByTestId("generated-dockerfile").textContent()) ?? "";
  assert.match(dockerfile, new RegExp(`^FROM ${BASE}\\nCOPY \\. /srv`, "m"));
  assert.equal(await served(), "detected site");
});

test("cancel: a slow build, its log still streaming, is stopped from the deployment view", async () => {
  await chooseSource("Git repository with a Dockerfile");
  await deployFromUi();
  const log = page.getByRole("log", { name: "Build log" });
  await log.getByText("RUN sleep 60").waitFor({ timeout: 60_000 });
  // Live: the step is on screen while the build runs, not after it.
  assert.equal(await page.locator('[data-testid="deployment-status"] [data-status="building"]').count(), 1);
  await shoot(page, "deployment-building");
  await page.getByRole("button", { name: "Cancel build" }).click();
  await deploymentStatus(page, "cancelled", 30_000);
  await page.getByRole("status").filter({ hasText: "complete" }).waitFor();
  await page.getByRole("alert").getByText("Cancelled").waitFor();
  await eventually(async () => (worker?.active ?? 0) === 0, { timeoutMs: 30_000 });
  assert.equal(await served(), "detected site", "the running version keeps serving");
});

test("git access, webhook and build-time variables are managed from the settings", async () => {
  await tab("Settings");
  const creds = page.getByTestId("git-credentials");
  await page.getByRole("button", { name: "Generate deploy key" }).click();
  await page.locator('[data-testid="git-credentials"][data-kind="ssh_key"]').waitFor();
  const key = (await page.getByTestId("deploy key").textContent()) ?? "";
  assert.match(key, /^ssh-ed25519 [A-Za-z0-9+/=]+ syntra-site-/);
  await page.getByRole("button", { name: "Copy deploy key" }).waitFor();
  await page.getByLabel("Access token").fill("ghp_never-shown-token");
  await page.getByRole("button", { name: "Save token" }).click();
  await page.locator('[data-testid="git-credentials"][data-kind="token"]').waitFor();
  assert.doesNotMatch(await page.content(), /ghp_never-shown-token/);
  await creds.getByRole("button", { name: "Remove credentials" }).click();
  await page.locator('[data-testid="git-credentials"][data-kind="none"]').waitFor();

  await page.getByRole("button", { name: "Create secret" }).click();
  const secret = (await page.getByTestId("webhook secret").textContent()) ?? "";
  assert.ok(secret.length >= 32, secret);
  const github = (await page.locator('[data-host="github"] code').textContent()) ?? "";
  assert.match(github, /\/api\/v1\/webhooks\/github$/);
  // The secret shown is the one pushes are checked against: a ping signed with it is accepted.
  const ping = { zen: "Keep it logically awesome.", repository: { clone_url: repo.url } };
  const signature = `sha256=${createHmac("sha256", secret).update(JSON.stringify(ping)).digest("hex")}`;
  const res = await stack.t.call("POST", "/api/v1/webhooks/github", {
    body: ping,
    headers: { "x-github-event": "ping", "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  await page.reload();
  await page.getByRole("button", { name: "Rotate secret" }).waitFor();
  assert.equal(await page.getByTestId("webhook secret").count(), 0, "the secret is shown once");

  await page.getByLabel("Key", { exact: true }).fill("ASSET_VERSION");
  await page.getByLabel("Value", { exact: true }).fill("42");
  await page.getByLabel("Build-time", { exact: true }).check();
  await page.getByRole("button", { name: "Set variable" }).click();
  const toggle = page.getByLabel("Build-time ASSET_VERSION");
  await toggle.waitFor();
  assert.equal(await toggle.isChecked(), true);
  await toggle.uncheck();
  await eventually(
    async () => {
      const vars = (await stack.t.call("GET", `/api/v1/services/${serviceId}/env?reveal=true`, { as: stack.owner }))
        .body.data;
      return vars.some((v: { key: string; value: string; is_build_time: boolean }) => {
        return v.key === "ASSET_VERSION" && v.value === "42" && !v.is_build_time;
      });
    },
    { timeoutMs: 10_000 },
  );
  await shoot(page, "service-settings-git");
});

test("custom certificate: a wildcard domain gets one that covers it, shown with issuer and expiry, then ACME again", async () => {
  await tab("Settings");
  await page.getByLabel("Add a domain").fill(WILDCARD);
  await page.getByRole("button", { name: "Add domain" }).click();
  const row = page.locator(`[data-domain="${WILDCARD}"]`);
  await row.getByText("A wildcard domain needs your own wildcard certificate").waitFor();
  await row.getByRole("button", { name: "Check DNS" }).click();
  // Verified, then routed: what follows depends on the proxy's report, but DNS is no longer pending.
  await row.locator('[data-status="pending_dns"]').waitFor({ state: "detached" });

  const other = await selfSignedCertificate({ commonName: "Other", names: ["other.example.com"] });
  await row.getByRole("button", { name: "Upload certificate" }).click();
  const dialog = page.getByRole("dialog", { name: `Certificate for ${WILDCARD}` });
  await dialog.getByLabel("Certificate (PEM)", { exact: true }).fill(other.certPem);
  await dialog.getByLabel("Private key (PEM)", { exact: true }).fill(other.keyPem);
  await dialog.getByRole("button", { name: "Upload certificate" }).click();
  await dialog.getByText(`The certificate does not cover ${WILDCARD}`).first().waitFor();

  const wildcard = await selfSignedCertificate({ commonName: "Previews CA", names: [WILDCARD], days: 30 });
  await dialog.getByLabel("Certificate (PEM)", { exact: true }).fill(wildcard.certPem);
  await dialog.getByLabel("Private key (PEM)", { exact: true }).fill(wildcard.keyPem);
  await dialog.getByRole("button", { name: "Upload certificate" }).click();
  await dialog.waitFor({ state: "hidden" });
  await row.getByTestId("certificate-source").filter({ hasText: "Uploaded certificate" }).waitFor();
  assert.match((await row.getByTestId("certificate-issuer").textContent()) ?? "", /CN=Previews CA/);
  assert.match((await row.getByTestId("certificate-expiry").textContent()) ?? "", /expires in (29|30) days/);
  assert.equal(await row.getByText("A wildcard domain needs your own wildcard certificate").count(), 0);
  assert.doesNotMatch(await page.content(), /BEGIN PRIVATE KEY/);
  await shoot(page, "service-domains");

  await row.getByRole("button", { name: "Use ACME" }).click();
  await row.getByTestId("certificate-source").filter({ hasText: "Automatic (ACME)" }).waitFor();
});

test("a viewer sees builds and commits but is offered no deploy, cancel, credentials, webhook or upload", async () => {
  // A build in progress, so that a Cancel would be offered to someone allowed to.
  await repo.commit(dockerfileCommit(`slow ${randomUUID()}`, "sleep 60"), "Another slow build");
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: stack.owner, body: {} });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const context = await signedIn(viewer.cookie);
  try {
    const v = await context.newPage();
    const serviceUrl = `${stack.baseUrl}/projects/${projectId}/services/${serviceId}`;
    await goto(v, `${serviceUrl}/deployments?d=${res.body.data.id}`);
    await deploymentStatus(v, "building", 60_000);
    await v.getByRole("list", { name: "Deployments" }).getByText("First release").waitFor();
    for (const name of ["Deploy", "Cancel", "Cancel build", "Roll back"]) {
      assert.equal(await v.getByRole("button", { name, exact: true }).count(), 0, `a viewer is not offered "${name}"`);
    }
    await goto(v, `${serviceUrl}/settings`);
    await v.getByTestId("git-credentials").waitFor();
    await v.getByTestId("webhook-state").waitFor();
    for (const name of [
      "Generate deploy key",
      "Save token",
      "Remove credentials",
      "Create secret",
      "Rotate secret",
      "Upload certificate",
      "Use ACME",
      "Set variable",
      "Save",
    ]) {
      assert.equal(await v.getByRole("button", { name, exact: true }).count(), 0, `a viewer is not offered "${name}"`);
    }
    assert.equal(await v.getByLabel("Build-time ASSET_VERSION").isDisabled(), true);
    assert.equal(await v.getByLabel("Repository URL").isDisabled(), true);
  } finally {
    await context.close();
    await stack.t.call("POST", `/api/v1/deployments/${res.body.data.id}/cancel`, { as: stack.owner });
  }
});

test("the servers page reports the build host's disk use", async () => {
  await goto(page, `${stack.baseUrl}/servers`);
  const disk = page.getByTestId("build-disk");
  await disk.waitFor();
  // At least the images this test built and runs (older ones of the service are pruned after each build).
  assert.match((await disk.textContent()) ?? "", /Syntra's images \(own layers\)[1-9]\d* · [\d.]+ (B|KB|MB|GB)/);
});

/** The innermost elements that reach past the window's right edge, for the failure message. */
const WIDEST = `[...document.querySelectorAll("main *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && e.children.length === 0)
  .slice(0, 5)
  .map((e) => e.tagName + " " + e.className + " " + (e.textContent ?? "").slice(0, 60))
  .join("\\n")`;

test("the build pages fit a phone's width", async () => {
  await page.setViewportSize(PHONE);
  try {
    await goto(page, `${stack.baseUrl}/projects/${projectId}/services/${serviceId}`);
    for (const tabName of ["Deployments", "Settings"]) {
      await tab(tabName);
      await page.locator("main h1").first().waitFor();
      // The running one: its deploy log holds the long image reference.
      if (tabName === "Deployments") await page.getByRole("button", { name: /current/ }).click();
      await page.waitForLoadState("networkidle").catch(() => {});
      const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
      const wide = await page.evaluate(WIDEST);
      assert.ok(overflow <= 1, `${tabName} scrolls sideways by ${overflow} px at 390 px:\n${wide}`);
    }
  } finally {
    await page.setViewportSize(DESKTOP);
  }
});
