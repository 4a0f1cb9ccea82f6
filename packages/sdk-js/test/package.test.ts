import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ControlPlane, newService, startControlPlane } from "./control-plane";

// The package as users get it: `npm pack`, installed with npm into a scratch project, then used by a CommonJS app,
// an ES module app started with `--import @syntra/sdk/register`, and type-checked by TypeScript.

const run = promisify(execFile);
const pkg = fileURLToPath(new URL("../", import.meta.url));
const root = fileURLToPath(new URL("../../../", import.meta.url));
let cp: ControlPlane;
let scratch: string;

before(async () => {
  cp = await startControlPlane();
  scratch = await mkdtemp(path.join(os.tmpdir(), "syntra-sdk-scratch-"));
  // scripts/coverage.ts builds dist/ once before the tests (two rebuilding it at once would race); alone, build it.
  if (process.env.SYNTRA_SDK_DIST_BUILT !== "1") {
    await run(process.execPath, ["--import", "tsx", path.join(pkg, "scripts/build.ts")], { cwd: root });
  }
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: pkg });
  const [{ filename, files }] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  const paths = files.map((f) => f.path);
  for (const needed of ["dist/node/index.mjs", "dist/node/index.cjs", "dist/browser/index.mjs", "README.md"]) {
    assert.ok(paths.includes(needed), `${needed} is in the package`);
  }
  assert.ok(paths.includes("dist/types/node/index.d.ts"));
  assert.ok(!paths.some((p) => p.startsWith("src/") || p.startsWith("test/")), "no sources or tests");
  await writeFile(path.join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  // The registry's packages come from npm's cache when it has them.
  await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(scratch, filename), "express@5.3.0"],
    { cwd: scratch, timeout: 300_000 },
  );
});
after(async () => {
  await cp?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function node(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, args, {
      cwd: scratch,
      env: { ...process.env, NODE_OPTIONS: "", ...env },
    });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: `${e.stderr ?? ""}${(err as { stdout?: string }).stdout ?? ""}` };
  }
}

test("a CommonJS app: require('@syntra/sdk'), two lines, an uncaught exception", async () => {
  const s = await newService(cp, "cjs@example.com");
  await writeFile(
    path.join(scratch, "app.cjs"),
    `const { Syntra } = require("@syntra/sdk");
Syntra.init({ dsn: process.argv[2], release: "cjs@1.0.0" });
function boot() { throw new Error("config file missing"); }
setTimeout(boot, 1);
`,
  );
  const result = await node(["app.cjs", s.dsn], {});
  assert.equal(result.code, 1, result.stderr);
  const [issue] = await s.issues();
  assert.equal(issue?.title, "Error: config file missing");
  const [event] = await s.events(issue.id);
  assert.equal(event.release, "cjs@1.0.0");
  assert.match(event.stack_trace.at(-1).function, /boot$/, "V8 names a timer's function Timeout.boot");
  assert.equal(event.stack_trace.at(-1).in_app, true);
});

test("an ES module Express app started with --import @syntra/sdk/register, configured by environment only", async () => {
  const s = await newService(cp, "esm@example.com");
  await writeFile(
    path.join(scratch, "server.mjs"),
    `import express from "express";
import { Syntra } from "@syntra/sdk";
const app = express();
app.get("/orders/:id", (req) => { throw new TypeError("order " + req.params.id + " has no customer"); });
Syntra.setupExpressErrorHandler(app);
const server = app.listen(0, "127.0.0.1", async () => {
  const res = await fetch("http://127.0.0.1:" + server.address().port + "/orders/7");
  console.log("status", res.status);
  await Syntra.flush(30_000);
  server.close();
});
`,
  );
  const result = await node(["--import", "@syntra/sdk/register", "server.mjs"], {
    SYNTRA_DSN: s.dsn,
    SYNTRA_RELEASE: "esm@2.0.0",
    OTEL_SERVICE_NAME: "orders",
  });
  assert.equal(result.code, 0, result.stderr);
  const [issue] = await s.issues();
  assert.equal(issue?.title, "TypeError: order 7 has no customer");
  const [event] = await s.events(issue.id);
  assert.equal(event.release, "esm@2.0.0");
  assert.equal(event.context.tags.transaction, "GET /orders/:id");
  assert.match(event.trace_id, /^[0-9a-f]{32}$/, "the request's server span");
});

test("TypeScript resolves the package's types for Node (ESM and CJS) and for the browser", async () => {
  await writeFile(
    path.join(scratch, "check.mts"),
    `import { Syntra, type SyntraEvent, startSpan } from "@syntra/sdk";
import { register, onRequestError } from "@syntra/sdk/nextjs";
import { ErrorBoundary } from "@syntra/sdk/react";
Syntra.init({ dsn: "x", beforeSend: (e: SyntraEvent) => e, tracesSampleRate: 0.5 });
startSpan("work", (span) => span.end());
void register; void onRequestError; void ErrorBoundary;
// @ts-expect-error: a wrong option is a type error
Syntra.init({ sampleRat: 1 });
`,
  );
  await writeFile(
    path.join(scratch, "check-cjs.cts"),
    `import sdk = require("@syntra/sdk");\nsdk.Syntra.captureMessage("x");\n`,
  );
  await writeFile(
    path.join(scratch, "check-browser.ts"),
    `import { Syntra } from "@syntra/sdk";\nSyntra.init({ dsn: "x" });\n// @ts-expect-error: the browser build has no tracing\nSyntra.startSpan;\n`,
  );
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  const common = ["--noEmit", "--strict", "--skipLibCheck", "--module", "nodenext", "--moduleResolution", "nodenext"];
  const types = ["--types", "node", "--typeRoots", path.join(root, "node_modules/@types")];
  const result = await node([tsc, ...common, ...types, "check.mts", "check-cjs.cts"], {});
  assert.equal(result.code, 0, result.stderr);
  const bundler = ["--module", "esnext", "--moduleResolution", "bundler", "--customConditions", "browser"];
  const browserResult = await node([tsc, "--noEmit", "--strict", "--skipLibCheck", ...bundler, "check-browser.ts"], {});
  assert.equal(browserResult.code, 0, browserResult.stderr);
});
