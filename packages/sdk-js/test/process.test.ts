import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type ControlPlane, newService, startControlPlane } from "./control-plane";

// Apps that end on their own: an uncaught exception, an unhandled rejection, a normal end with events still queued.
// Each runs as a process of its own; what it captured is in the control plane when it has exited.

const app = fileURLToPath(new URL("apps/process-app.ts", import.meta.url));
let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane();
});
after(() => cp.close());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(dsn: string, scenario: string, opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}) {
  return new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      [...(opts.nodeArgs ?? []), "--import", "tsx", app, dsn, scenario],
      { cwd: path.dirname(app), env: { ...process.env, NODE_OPTIONS: "", ...opts.env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

test("an uncaught exception is reported as fatal and unhandled, then the process ends as Node's would", async () => {
  const s = await newService(cp, "uncaught@example.com");
  const result = await run(s.dsn, "uncaught");
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /Uncaught TypeError: card declined for order 7/);
  const [issue] = await s.issues();
  assert.equal(issue.title, "TypeError: card declined for order 7");
  assert.equal(issue.severity, "critical", "fatal");
  const [event] = await s.events(issue.id);
  assert.equal(event.handled, false);
  assert.equal(event.context.tags.mechanism, "onuncaughtexception");
  assert.equal(event.context.tags.scenario, "uncaught");
  assert.equal(event.release, "worker@3.1.0");
  assert.ok(event.breadcrumbs.some((b: { message?: string }) => b.message === "starting uncaught"));
});

test("an unhandled rejection is reported; the process ends (Node's default) or goes on (--unhandled-rejections=warn)", async () => {
  const s = await newService(cp, "rejection@example.com");
  const strict = await run(s.dsn, "rejection");
  assert.equal(strict.code, 1, strict.stderr);
  const warn = await run(s.dsn, "rejection", { nodeArgs: ["--unhandled-rejections=warn"] });
  assert.equal(warn.code, 0, warn.stderr);
  assert.match(warn.stdout, /still running/);
  const [issue] = await s.issues();
  assert.equal(issue.title, "RangeError: sku sku-404 is not stocked");
  assert.equal(issue.event_count, 2);
  const [event] = await s.events(issue.id);
  assert.equal(event.context.tags.mechanism, "onunhandledrejection");
  assert.equal(event.stack_trace.at(-1).function, "loadInventory");
});

test("events still queued when the app ends normally are sent before it exits", async () => {
  const s = await newService(cp, "natural@example.com");
  const result = await run(s.dsn, "natural-exit");
  assert.equal(result.code, 0, result.stderr);
  const [issue] = await s.issues();
  assert.equal(issue?.title, "nightly job finished with 3 skipped rows");
});

test("with the control plane unreachable, a crash still exits once the shutdown timeout has passed", async () => {
  // A port nothing listens on: every delivery attempt fails and is retried until the process gives up waiting.
  const dsn = `http://syn_ing_${"a".repeat(32)}@127.0.0.1:9/1`;
  const result = await run(dsn, "uncaught", { env: { SHUTDOWN_TIMEOUT: "300" } });
  assert.equal(result.code, 1, "the app's crash is not turned into a hang");
  assert.match(result.stderr, /Uncaught TypeError/);
});
