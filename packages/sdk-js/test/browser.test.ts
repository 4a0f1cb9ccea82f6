import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../../../e2e/browser";
import { type ControlPlane, newService, startControlPlane, type TestService } from "./control-plane";

// The browser build in Chromium, on a page of another origin than the control plane (so CORS is real): uncaught
// errors and rejections with breadcrumbs of clicks, fetch, navigation and the console; the queue handed to
// sendBeacon when the page goes away.

let cp: ControlPlane;
let site: http.Server;
let siteUrl: string;
let browser: Browser;

// The bundle is written to a file (with its source map inline) so that a coverage run can map what Chromium ran
// back to src/browser/*.ts.
const bundleFile = fileURLToPath(new URL("../../../test-artifacts/sdk-js/sdk.mjs", import.meta.url));

async function sdkBundle(): Promise<string> {
  await build({
    entryPoints: [fileURLToPath(new URL("../src/browser/index.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    target: "es2020",
    sourcemap: "inline",
    outfile: bundleFile,
  });
  return readFile(bundleFile, "utf8");
}

let coverageDumps = 0;

/** Under a coverage run (c8 sets NODE_V8_COVERAGE), what Chromium ran of the SDK joins Node's coverage. */
async function startCoverage(p: Page): Promise<void> {
  if (process.env.NODE_V8_COVERAGE) await p.coverage.startJSCoverage({ resetOnNavigation: false });
}

async function saveCoverage(p: Page): Promise<void> {
  const dir = process.env.NODE_V8_COVERAGE;
  if (!dir) return;
  const entries = await p.coverage.stopJSCoverage();
  const result = entries
    .filter((e) => e.url.endsWith("/sdk.mjs"))
    .map((e) => ({ scriptId: e.scriptId, url: pathToFileURL(bundleFile).href, functions: e.functions }));
  coverageDumps += 1;
  await writeFile(path.join(dir, `coverage-chromium-${process.pid}-${coverageDumps}.json`), JSON.stringify({ result }));
}

function page(dsn: string): string {
  return `<!doctype html><html><body>
<button id="buy" class="btn primary" data-testid="buy">Buy</button>
<button id="pay">Pay</button>
<script type="module">
  import { Syntra } from "/sdk.mjs";
  Syntra.init({ dsn: ${JSON.stringify(dsn)}, release: "web@1.0.0", environment: "preview" });
  Syntra.setUser({ id: "visitor-9" });
  window.Syntra = Syntra;
  const s = document.createElement("script");
  s.src = "/app.js";
  document.body.append(s);
</script></body></html>`;
}

before(async () => {
  cp = await startControlPlane();
  const [sdk, app] = await Promise.all([sdkBundle(), readFile(new URL("browser-app/app.js", import.meta.url), "utf8")]);
  site = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/sdk.mjs") return res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
    if (url.pathname === "/app.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(app);
    if (url.pathname === "/api/price") return res.writeHead(200).end("42");
    const dsn = url.searchParams.get("dsn") ?? "";
    return res.writeHead(200, { "content-type": "text/html" }).end(page(dsn));
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  // "localhost" is another origin than the control plane's 127.0.0.1.
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  site?.close();
  await cp?.close();
});

async function open(s: TestService): Promise<Page> {
  const p = await browser.newPage();
  await startCoverage(p);
  await p.goto(`${siteUrl}/?dsn=${encodeURIComponent(s.dsn)}`);
  await p.waitForFunction(`"Syntra" in window && document.querySelector('script[src="/app.js"]') !== null`);
  await p.waitForLoadState("load");
  return p;
}

/** Resolves once the page reported its next uncaught error or rejection and the SDK sent it. */
function nextReport(p: Page, kind: "error" | "unhandledrejection"): Promise<unknown> {
  // After the SDK's own listener (added earlier) saw the event: flush resolves once the event was sent.
  return p.evaluate(`new Promise((resolve) => {
    addEventListener(${JSON.stringify(kind)}, () => setTimeout(() => resolve(Syntra.flush()), 0), { once: true });
  })`);
}

test("uncaught errors and rejections arrive with frames, breadcrumbs, browser and page", async () => {
  const s = await newService(cp, "browser@example.com");
  const p = await open(s);
  const crashed = nextReport(p, "error");
  await p.click("#buy");
  assert.equal(await crashed, true);
  const rejected = nextReport(p, "unhandledrejection");
  await p.click("#pay");
  assert.equal(await rejected, true);
  await saveCoverage(p);
  await p.close();

  const issues = await s.issues();
  const typeError = issues.find((i) => i.exception_type === "TypeError");
  assert.ok(typeError, JSON.stringify(issues.map((i) => i.title)));
  const [event] = await s.events(typeError.id);
  assert.equal(event.handled, false);
  assert.equal(event.context.tags.mechanism, "onerror");
  assert.match(event.context.tags.browser, /^Chrome \d+$/);
  assert.equal(event.context.tags.url, `${siteUrl}/checkout`);
  assert.equal(event.release, "web@1.0.0");
  assert.equal(event.environment, "preview");
  assert.equal(event.context.user.id, "visitor-9");
  const innermost = event.stack_trace.at(-1);
  assert.equal(innermost.function, "renderCart");
  assert.equal(innermost.filename, `${siteUrl}/app.js`);
  assert.equal(innermost.lineno, 3);
  assert.equal(innermost.in_app, true);
  const crumbs = event.breadcrumbs as {
    type: string;
    category: string;
    message?: string;
    data?: Record<string, unknown>;
  }[];
  const click = crumbs.find((b) => b.category === "ui.click");
  assert.equal(click?.message, 'button#buy.btn.primary[data-testid="buy"]', "an id names the element alone");
  assert.ok(crumbs.some((b) => b.type === "console" && b.message === "buy clicked"));
  assert.ok(
    crumbs.some((b) => b.type === "http" && b.message === "GET /api/price [200]"),
    "fetch without its query",
  );
  const nav = crumbs.find((b) => b.type === "navigation");
  assert.deepEqual(nav?.data, { from: "/", to: "/checkout" });
  assert.ok(!crumbs.some((b) => String(b.message).includes("/v1/errors")), "the SDK's own requests are not crumbs");

  const rejection = issues.find((i) => i.title === "Error: payment service unavailable");
  assert.ok(rejection);
  const [rejectionEvent] = await s.events(rejection.id);
  assert.equal(rejectionEvent.context.tags.mechanism, "onunhandledrejection");
  assert.equal(rejectionEvent.stack_trace.at(-1).function, "chargeLater");
});

test("events queued when the page goes away are delivered by sendBeacon", async () => {
  const s = await newService(cp, "beacon@example.com");
  const p = await open(s);
  // Queued (a batch waits a moment for more events) and the page left in the same task, before fetch would send it.
  const queued = await p.evaluate(`(() => {
    Syntra.captureMessage("left during checkout");
    const n = Syntra.getStats().queued;
    location.href = "about:blank";
    return n;
  })()`);
  assert.equal(queued, 1);
  await p.waitForURL("about:blank");
  await saveCoverage(p);
  await p.close();
  // The beacon is on its way without the page: wait for it to be stored.
  const deadline = Date.now() + 30_000;
  let issues = await s.issues();
  while (issues.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    issues = await s.issues();
  }
  assert.equal(issues[0]?.title, "left during checkout");
});
