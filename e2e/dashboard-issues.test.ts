// The Issues pages in a real browser (Debian's chromium driven by playwright-core) against a control plane serving
// the built dashboard, and the official @sentry/browser SDK in the same browser reporting from another origin.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { ingestErrorEvents } from "../apps/server/src/issues/ingest";
import { errorEventFixture, liveDeployment } from "../apps/server/src/testing/error-fixtures";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";
import { ensureWebBuild } from "../scripts/build-web";
import { goto, launchBrowser, openAs, shoot } from "./browser";

let t: TestApp;
let baseUrl: string;
let browser: Browser;
let owner: { cookie: string };
let viewer: { cookie: string };
let projectId: string;
let serviceId: string;
const ids: Record<"checkout" | "db" | "cache", string> = { checkout: "", db: "", cache: "" };
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // The build first: the app reads the dashboard's index.html when it starts, and a stale one names chunks that a
  // build running meanwhile deletes.
  await ensureWebBuild({ quiet: true });
  t = await createTestApp({ SYNTRA_PUBLIC_URL: baseUrl, SYNTRA_OPEN_SIGNUP: "true" });
  await t.app.listen({ host: "127.0.0.1", port });
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  viewer = await t.member(owner, "viewer@example.com", "viewer");
  const serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } })).body.data
    .server_id;
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  serviceId = (
    await t.call("POST", `/api/v1/projects/${projectId}/services`, {
      as: owner,
      body: {
        name: "web",
        server_id: serverId,
        source_type: "image",
        source_config: { image: "shop", tag: "1" },
        port: 8080,
      },
    })
  ).body.data.id;
  const hour = 3_600_000;
  const now = Date.now();
  await liveDeployment(t.deps, serviceId, {
    createdAt: new Date(now - 5 * hour),
    sha: "1111111aaaaaaa",
    message: "first",
  });
  const deploy2 = await liveDeployment(t.deps, serviceId, {
    createdAt: new Date(now - 2 * hour),
    liveAt: new Date(now - 2 * hour),
    sha: "abc1234def5678",
    message: "change checkout",
  });
  const at = (minutesAfterDeploy: number) => new Date(now - 2 * hour + minutesAfterDeploy * 60_000).toISOString();
  const checkout = (i: number, user: string) =>
    errorEventFixture(serviceId, {
      deployment_id: deploy2,
      timestamp: at(4 + i),
      trace_id: TRACE,
      context: {
        environment: "production",
        release: "shop@1.4.2",
        user: { id: user },
        tags: { region: i === 2 ? "us" : "eu" },
        extra: {},
      },
    });
  ids.checkout =
    (await ingestErrorEvents(t.deps, { serviceId }, [checkout(0, "ana"), checkout(1, "bo"), checkout(2, "ana")]))
      .issues[0]?.id ?? "";
  const other = (type: string, message: string) =>
    errorEventFixture(serviceId, { type, message, stack_trace: [], deployment_id: deploy2, timestamp: at(30) });
  ids.db =
    (await ingestErrorEvents(t.deps, { serviceId }, [other("DatabaseError", "connect ECONNREFUSED 10.0.0.5:5432")]))
      .issues[0]?.id ?? "";
  ids.cache =
    (await ingestErrorEvents(t.deps, { serviceId }, [other("CacheError", "redis timeout after 500 ms")])).issues[0]
      ?.id ?? "";
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await t?.close();
});

const open = (cookie: string, path: string) => openAs(browser, baseUrl, cookie, path);

const statusOf = async (id: string) => (await t.call("GET", `/api/v1/issues/${id}`, { as: owner })).body.data.status;

test("the issue list: counts, sparklines, search and filters; an owner resolves and ignores in bulk", async () => {
  const { context, page } = await open(owner.cookie, `/projects/${projectId}/issues`);
  const list = page.getByRole("list", { name: "Issues" });
  const row = (id: string) => list.locator(`[data-issue="${id}"]`);
  await row(ids.checkout).waitFor();
  assert.match(await row(ids.checkout).innerText(), /TypeError: Cannot read properties of undefined/);
  assert.match(await row(ids.checkout).innerText(), /getOrder \(\/app\/src\/orders\.ts\)/);
  assert.match(await row(ids.checkout).innerText(), /\b3\b[\s\S]*2 users/);
  await row(ids.checkout).getByRole("img", { name: "Events per hour" }).waitFor();
  await shoot(page, "issues-list");

  await page.getByLabel("Search issues").fill("ECONNREFUSED");
  await page.getByLabel("Search issues").press("Enter");
  await row(ids.checkout).waitFor({ state: "detached" });
  await row(ids.db).waitFor();
  await page.getByLabel("Search issues").fill("");
  await page.getByLabel("Search issues").press("Enter");
  await row(ids.cache).waitFor();

  await page.getByLabel("Select DatabaseError: connect ECONNREFUSED 10.0.0.5:5432").check();
  await page.getByLabel("Select CacheError: redis timeout after 500 ms").check();
  await page.getByText("2 selected").waitFor();
  await page.getByRole("button", { name: "Resolve" }).click();
  await row(ids.db).waitFor({ state: "detached" });
  await row(ids.cache).waitFor({ state: "detached" });
  assert.deepEqual([await statusOf(ids.db), await statusOf(ids.cache)], ["resolved", "resolved"]);

  await page.getByRole("tab", { name: "Resolved", exact: true }).click();
  await row(ids.db).waitFor();
  await page.getByLabel("Select DatabaseError: connect ECONNREFUSED 10.0.0.5:5432").check();
  await page.getByRole("button", { name: "Ignore" }).click();
  await row(ids.db).waitFor({ state: "detached" });
  assert.equal(await statusOf(ids.db), "ignored");
  await context.close();
});

test("issue detail: first-seen deploy and commit, stack trace with source context, breadcrumbs, tags, trace link", async () => {
  const { context, page } = await open(owner.cookie, `/issues/${ids.checkout}`);
  const firstSeen = page.getByTestId("first-seen");
  await firstSeen.waitFor();
  const said = await firstSeen.innerText();
  assert.match(said, /First seen 4 minutes after deploy #2 \(commit abc1234 'change checkout'\)/);
  assert.match(said, /The deployment before it: deploy #1 \(commit 1111111 'first'\)/);
  assert.equal(await page.locator('[data-stat="Events"]').innerText(), "3");
  assert.equal(await page.locator('[data-stat="Users affected"]').innerText(), "2");

  const stack = page.getByRole("list", { name: "Stack trace" });
  await stack.getByRole("button", { name: /^getOrder/ }).waitFor();
  assert.match(await page.getByText(/frames, 1 in app/).innerText(), /2 frames, 1 in app/);
  assert.equal(await stack.getByText("processTicksAndRejections").count(), 0, "library frames hidden at first");
  assert.match(await page.getByTestId("source-context").innerText(), /42\s+return order\.customer\.id;/);
  await page.getByRole("button", { name: "Show all frames" }).click();
  await stack.getByText("processTicksAndRejections").waitFor();

  await page.getByRole("list", { name: "Breadcrumbs" }).getByText("GET /api/orders/17").waitFor();
  const region = page.locator('[data-tag="region"]');
  assert.match(await region.innerText(), /eu\s*67%[\s\S]*us\s*33%/);
  // The trace opens in the dashboard's trace view.
  assert.equal(
    await page.getByTestId("trace-link").getAttribute("href"),
    `/projects/${projectId}/services/${serviceId}/traces/${TRACE}`,
  );
  await shoot(page, "issue-detail");

  await page.getByRole("button", { name: "Resolve" }).click();
  await page.getByRole("button", { name: "Reopen" }).waitFor();
  assert.equal(await statusOf(ids.checkout), "resolved");
  await page.getByRole("button", { name: "Reopen" }).click();
  await page.getByRole("button", { name: "Resolve" }).waitFor();
  assert.equal(await statusOf(ids.checkout), "unresolved");
  await context.close();
});

test("a viewer reads issues but is offered no triage", async () => {
  const { context, page } = await open(viewer.cookie, `/projects/${projectId}/issues`);
  await page.getByRole("list", { name: "Issues" }).locator(`[data-issue="${ids.checkout}"]`).waitFor();
  assert.equal(await page.getByRole("checkbox").count(), 0);
  await goto(page, `${baseUrl}/issues/${ids.checkout}`);
  await page.getByTestId("first-seen").waitFor();
  assert.equal(await page.getByRole("button", { name: "Resolve" }).count(), 0);
  await context.close();
});

test("@sentry/browser on another origin reports to the service's DSN (CORS, key in the query string)", async () => {
  const ingest = (await t.call("GET", `/api/v1/services/${serviceId}/ingest`, { as: owner })).body.data;
  const dsn = `${baseUrl.replace("://", `://${ingest.key}@`)}/${ingest.ingest_id}`;
  const bundle = await build({
    stdin: {
      contents: `import * as Sentry from "@sentry/browser"; window.Sentry = Sentry;`,
      resolveDir: new URL("../apps/server", import.meta.url).pathname,
    },
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]?.text ?? "";
  const shopPage = `<!doctype html><html><body><script>${script}</script><script>
    Sentry.init({ dsn: ${JSON.stringify(dsn)}, release: "shop-web@3.0.0", environment: "browser-test" });
    Sentry.addBreadcrumb({ category: "ui.click", message: "clicked Pay" });
    function payButton() { throw new ReferenceError("stripeCheckout is not defined"); }
    try { payButton(); } catch (e) { Sentry.captureException(e); }
    Sentry.flush(5000).then(() => { document.title = "sent"; });
  </script></body></html>`;
  // The shop is served from another origin than Syntra, as a real app is.
  const shop = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(shopPage));
  await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
  const shopPort = (shop.address() as { port: number }).port;
  const context = await browser.newContext();
  const page = await context.newPage();
  const failed: string[] = [];
  page.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  try {
    await goto(page, `http://localhost:${shopPort}/`);
    await page.waitForFunction('document.title === "sent"', undefined, { timeout: 30_000 });
  } finally {
    await context.close();
    shop.close();
  }
  assert.deepEqual(failed, [], "no request was blocked (CORS)");
  const issues = (await t.call("GET", `/api/v1/projects/${projectId}/issues?query=stripeCheckout`, { as: owner })).body
    .data;
  assert.equal(issues.length, 1);
  assert.equal(issues[0].title, "ReferenceError: stripeCheckout is not defined");
  const [event] = (await t.call("GET", `/api/v1/issues/${issues[0].id}/events`, { as: owner })).body.data;
  assert.equal(event.release, "shop-web@3.0.0");
  assert.equal(event.stack_trace.at(-1).function, "payButton");
  assert.ok(
    event.breadcrumbs.some((b: { category: string; type: string }) => b.category === "ui.click" && b.type === "ui"),
  );
  assert.match(event.context.tags.browser ?? "", /Chrome/);
});
