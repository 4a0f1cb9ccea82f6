import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import net from "node:net";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../../../e2e/browser";
import { type ControlPlane, newService, startControlPlane, type TestService } from "./control-plane";

// A real Next.js 16 app (test/next-app) using the built package through its exports map, as an app would:
// `@syntra/sdk/nextjs` in instrumentation.ts (the Node.js runtime's register and onRequestError), `@syntra/sdk` in
// instrumentation-client.ts (the browser build, picked by the bundler's conditions) and the React ErrorBoundary.
// It is built with `next build` and served by `next start`; errors of a route handler, a server component and a
// client component arrive in a real control plane.

const run = promisify(execFile);
const appDir = fileURLToPath(new URL("next-app/", import.meta.url));
const root = fileURLToPath(new URL("../../../", import.meta.url));
const next = `${root}node_modules/next/dist/bin/next`;

let cp: ControlPlane;
let s: TestService;
let server: ReturnType<typeof spawn> | undefined;
let url: string;
let browser: Browser;
// What the Next.js server printed (the SDK's debug lines among it), shown when an assertion fails.
let serverOutput = "";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  cp = await startControlPlane();
  s = await newService(cp, "nextjs@example.com");
  // scripts/coverage.ts builds dist/ once before the tests (two rebuilding it at once would race); alone, build it.
  if (process.env.SYNTRA_SDK_DIST_BUILT !== "1") {
    await run(process.execPath, ["--import", "tsx", `${root}packages/sdk-js/scripts/build.ts`], { cwd: root });
  }
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_OPTIONS: "" };
  await rm(`${appDir}.next`, { recursive: true, force: true });
  // The browser's DSN is compiled in (NEXT_PUBLIC_*); the server reads SYNTRA_DSN when it starts.
  await run(process.execPath, [next, "build"], {
    cwd: appDir,
    env: { ...env, NEXT_PUBLIC_SYNTRA_DSN: s.dsn },
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [next, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: appDir,
    env: { ...env, SYNTRA_DSN: s.dsn, SYNTRA_RELEASE: "next-shop@1.0.0", SYNTRA_DEBUG: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stderr?.on("data", (chunk) => {
    serverOutput += String(chunk);
  });
  // Ready when it says so.
  await new Promise<void>((resolve, reject) => {
    server?.stdout?.on("data", (chunk) => {
      serverOutput += String(chunk);
      if (/Ready in|started server/i.test(serverOutput)) resolve();
    });
    server?.once("exit", (code) => reject(new Error(`next start exited with ${code}: ${serverOutput}`)));
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  await cp?.close();
});

test("route handler and server component errors arrive through onRequestError, with the request and trace", async () => {
  const api = await fetch(`${url}/api/checkout?total=250&token=x`);
  assert.equal(api.status, 500);
  const page = await fetch(`${url}/broken`);
  assert.equal(page.status, 500);
  assert.equal((await fetch(`${url}/api/checkout?total=5`)).status, 200);
  // The server flushes on its own schedule: wait for the events to be stored.
  const deadline = Date.now() + 30_000;
  let issues = await s.issues();
  while (issues.filter((i) => i.exception_type !== "message").length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    issues = await s.issues();
  }
  const declined = issues.find((i) => i.exception_type === "TypeError");
  assert.ok(declined, `${JSON.stringify(issues.map((i) => i.title))}\n${serverOutput.slice(-3000)}`);
  const [event] = await s.events(declined.id);
  assert.equal(event.handled, false);
  assert.equal(event.release, "next-shop@1.0.0");
  assert.equal(event.context.tags.mechanism, "nextjs");
  assert.equal(event.context.tags["next.route_type"], "route");
  assert.equal(event.context.tags.transaction, "GET /api/checkout");
  assert.match(event.trace_id ?? "", /^[0-9a-f]{32}$/, "Next's request span, through the SDK's tracer provider");
  // The production server bundle is minified (names and lines are the bundle's unless Node maps them with
  // --enable-source-maps); its frames are the app's.
  const innermost = event.stack_trace.at(-1);
  assert.match(innermost.filename, /\.next\/server\/chunks\//);
  assert.equal(innermost.in_app, true);

  const render = issues.find((i) => i.exception_type === "RangeError");
  assert.ok(render, "the server component's error");
  const [renderEvent] = await s.events(render.id);
  assert.equal(renderEvent.context.tags["next.route_type"], "render");
  assert.equal(renderEvent.context.tags["next.router_kind"], "App Router");
});

test("a client component's error is caught by the ErrorBoundary and sent by the browser build", async () => {
  const p = await browser.newPage();
  await p.goto(`${url}/client`);
  await p.waitForFunction(`document.querySelector("#break") !== null`);
  await p.click("#break");
  await p.waitForSelector("#fallback");
  const deadline = Date.now() + 30_000;
  let boundary: { id: string } | undefined;
  while (!boundary && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    boundary = (await s.issues()).find((i) => i.exception_type === "TypeError" && /length/.test(i.title));
  }
  assert.ok(boundary, "the boundary's error arrived");
  const [event] = await s.events(boundary.id);
  assert.equal(event.context.tags.mechanism, "react.errorboundary");
  assert.match(event.context.tags.browser, /^Chrome \d+$/);
  assert.match(
    event.context.extra.componentStack,
    /\n\s+at /,
    "React's component stack (minified in a production build)",
  );
  assert.equal(event.release, "next-shop@1.0.0");
  await p.close();
});
