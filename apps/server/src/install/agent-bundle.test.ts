import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { buildAgentBundle } from "./agent-bundle";

test("the agent bundle carries zod's English messages only, reports a bad configuration in English, and its modules compile no WebAssembly, no zod parsers and load no worker threads", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-agent-bundle-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, "syntra-agent.cjs");
  const text = Buffer.from(await buildAgentBundle()).toString("utf8");
  await fs.writeFile(bundle, text);
  // Spanish and Dutch translations of zod's "invalid input" are in zod's locales; the bundle leaves them out.
  for (const foreign of ["Entrada inv", "Ongeldige invoer"]) assert.ok(!text.includes(foreign), foreign);
  // zod parses the configuration (an object schema) without compiling a parser with `new Function`, which the
  // agent would keep for as long as it runs (the bundle's banner turns zod's JIT off). Counted by a preload.
  const countFunctions = path.join(dir, "count-functions.cjs");
  await fs.writeFile(
    countFunctions,
    `let n = 0;
    globalThis.Function = new Proxy(Function, { construct: (F, a) => (n++, new F(...a)), apply: (F, t, a) => (n++, F(...a)) });
    process.on("exit", () => process.stderr.write("functions compiled: " + n + "\\n"));`,
  );
  const run = await promisify(execFile)(process.execPath, ["--require", countFunctions, bundle], {
    env: {
      PATH: process.env.PATH,
      SYNTRA_URL: "http://127.0.0.1:9",
      SYNTRA_SERVER_ID: "x",
      SYNTRA_AGENT_LOG_LEVEL: "loud",
    },
  }).catch((err: { code: number; stderr: string }) => err);
  assert.equal("code" in run ? run.code : 0, 2, "a bad configuration exits with 2");
  assert.match(run.stderr, /SYNTRA_SERVER_ID: Invalid UUID/);
  assert.match(run.stderr, /SYNTRA_AGENT_LOG_LEVEL: Invalid option: expected one of "debug"\|"info"\|"warn"\|"error"/);
  assert.match(run.stderr, /^functions compiled: 0$/m);

  // protobufjs loads `long` at start, which compiled a WebAssembly module (V8's WebAssembly engine, ~0.7 MB of
  // RSS); the bundle's `long` takes its JavaScript path (long-without-wasm.ts). Counted by a preload, which also
  // says whether Node's worker_threads was loaded (pino's transports did; pino-without-workers.ts).
  const preload = path.join(dir, "count-wasm.cjs");
  await fs.writeFile(
    preload,
    `let n = 0;
    WebAssembly.Module = new Proxy(WebAssembly.Module, { construct: (C, a) => (n++, new C(...a)) });
    process.on("exit", () => process.stderr.write("wasm modules: " + n + ", worker_threads: " +
      process.moduleLoadList.includes("NativeModule worker_threads") + "\\n"));`,
  );
  const version = await promisify(execFile)(process.execPath, ["--require", preload, bundle, "--version"]);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  assert.equal(version.stderr.trim(), "wasm modules: 0, worker_threads: false");
});
