import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
import { longWithoutWebAssembly } from "./long-without-wasm";
import { pinoWithoutWorkers } from "./pino-without-workers";
import { leaveOutUnusedTransports } from "./unused-transports";
import { onlyEnglishZodMessages } from "./zod-locales";

/**
 * The file name of the agent bundle. A compiled control plane (scripts/build-server.ts) has it beside its own
 * main.js; run from the TypeScript sources, this module's folder has none and the bundle is built on first use.
 */
export const AGENT_BUNDLE_FILE = "syntra-agent.cjs";

/**
 * How Node runs the agent (the local agent, the systemd unit). Not `--lite-mode`: leaving V8's optimizing compiler
 * out saved ~20 MB at idle but made the agent's OTLP ingest 5x dearer in CPU for spans and 1.7x for log records
 * (`BENCH_AGENT=bundle` against `bundle-full` in bench:ingest), CPU taken from the applications it serves. A young
 * generation of 2 MB semi-spaces keeps its memory under a log flood near lite-mode's (docs/performance.md).
 * `--heap-growing-percent`: under OTLP load most of what the agent allocates is outside V8's heap (the OTLP
 * receivers' request buffers), and V8 counts that against the old generation's limit, which it sets only a little
 * above the live heap: it ran a full mark-compact about twice a second, which was most of the agent's garbage
 * collection. A fixed growing factor lets the limit grow with load: an eighth to a half as many mark-compacts,
 * less CPU per span (docs/performance.md), the idle agent unchanged (V8's memory reducer still collects at idle with
 * its own, small factor). `--single-threaded-gc`: on the two cores the agent shares with the apps it serves, V8's
 * parallel and concurrent collector threads cost more CPU than they save; collecting on the main thread alone took
 * 5-10% less CPU per span under OTLP load and left the idle agent as it was (docs/performance.md), for longer pauses
 * that nothing the agent does minds. `--expose-gc`: the agent's idle collector (idle-collector.ts) calls `gc()`;
 * without the flag it gets one from a new V8 context, which holds ~0.15 MB of heap for as long as the agent runs.
 * Node 20 and 24 both know these flags.
 */
export const AGENT_NODE_FLAGS: readonly string[] = [
  "--max-semi-space-size=2",
  "--heap-growing-percent=100",
  "--single-threaded-gc",
  "--expose-gc",
];

/**
 * Environment the launcher sets for the agent's Node, beside AGENT_NODE_FLAGS. glibc's malloc raises its trim and
 * mmap thresholds each time a large block is freed (reading the bundle at start is one) and then keeps up to twice
 * that much freed memory in its heap: the parser's and compilers' start-up allocations stayed resident, ~13 MB of
 * the idle agent. Setting the trim threshold (to its default, 128 KiB) turns that adjustment off, so freed memory
 * goes back to the system (mallopt(3)). `MALLOC_ARENA_MAX=1`: every thread that allocates (V8's four platform
 * workers, libuv's thread pool) otherwise gets an arena of its own, and each kept 130-300 KB resident at idle
 * (~1.3 MB in all in the idle agent); with one arena the main heap grew by ~0.3 MB instead. The agent's threads
 * seldom allocate at once, so sharing the arena's lock cost no measurable CPU under OTLP load (docs/performance.md).
 * Other C libraries ignore both variables.
 */
export const AGENT_NODE_ENV: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: "131072",
  MALLOC_ARENA_MAX: "1",
};

/** The agent bundle's third line: zod's global configuration (`z.config`), set before zod loads. */
const ZOD_WITHOUT_JIT = "globalThis.__zod_globalConfig = { jitless: true };";

const prebuilt = fileURLToPath(new URL(`./${AGENT_BUNDLE_FILE}`, import.meta.url));

let building: Promise<string> | undefined;

/**
 * The agent as one CommonJS file for the system's Node (what install/agent.sh downloads and the local agent
 * runs): the one built with the compiled control plane, or else built from the sources with esbuild on first
 * use and kept in `<dataDir>/agent/`. A compiled control plane thus never runs a compiler.
 */
export function agentBundle(dataDir: string): Promise<string> {
  building ??= (async () => {
    if (existsSync(prebuilt)) return prebuilt;
    const outfile = path.join(dataDir, "agent", AGENT_BUNDLE_FILE);
    await fs.mkdir(path.dirname(outfile), { recursive: true });
    await fs.writeFile(outfile, await buildAgentBundle());
    await fs.chmod(outfile, 0o755);
    return outfile;
  })().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

/** The line after the shebang that names a bundle's version, so it is known without running it. */
const VERSION_LINE = /^\/\/ syntra-agent (\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/m;

/** The version a bundle's second line names, or null for a file that is no agent bundle of ours. */
export function bundleVersion(head: string): string | null {
  return VERSION_LINE.exec(head.split("\n").slice(0, 3).join("\n"))?.[1] ?? null;
}

/**
 * Bundles apps/agent from its TypeScript sources into one minified CommonJS file for Node 20+ and returns its
 * text. The Docker client's SSH and BuildKit transports are left out (see unused-transports.ts), and zod's
 * translations but English (zod-locales.ts), pino's worker-thread transports (pino-without-workers.ts), and `long` runs
 * without WebAssembly (long-without-wasm.ts); zod parses without compiling code (see the banner). `version` builds
 * the agent as another release than its sources say (tests of self-update between versions).
 */
export async function buildAgentBundle(opts: { version?: string } = {}): Promise<Uint8Array> {
  const { build } = await import("esbuild");
  const agentEntry = fileURLToPath(new URL("../../../agent/src/main.ts", import.meta.url));
  const versionFile = fileURLToPath(new URL("../../../agent/src/version.ts", import.meta.url));
  const source = await fs.readFile(versionFile, "utf8");
  const sourceVersion = /AGENT_VERSION = "([^"]+)"/.exec(source)?.[1];
  if (!sourceVersion) throw new Error(`no AGENT_VERSION in ${versionFile}`);
  const version = opts.version ?? sourceVersion;
  const setVersion: Plugin = {
    name: "agent-version",
    setup(b) {
      b.onLoad({ filter: /[\\/]agent[\\/]src[\\/]version\.ts$/ }, () => ({
        contents: source.replace(`AGENT_VERSION = "${sourceVersion}"`, `AGENT_VERSION = ${JSON.stringify(version)}`),
        loader: "ts",
      }));
    },
  };
  const result = await build({
    entryPoints: [agentEntry],
    outfile: AGENT_BUNDLE_FILE,
    write: false,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    // The native zstd (an N-API add-on) is loaded at run time where a node_modules holds it; elsewhere the agent
    // compresses its telemetry batches with gzip (see @syntra/otlp's zstd.ts).
    external: ["*.node", "@mongodb-js/zstd"],
    plugins: [leaveOutUnusedTransports, onlyEnglishZodMessages, longWithoutWebAssembly, pinoWithoutWorkers, setVersion],
    logLevel: "error",
    // zod without its JIT: it compiles a parser with `new Function` for each object schema at its first parse,
    // which the agent keeps for as long as it runs (each control-plane message type it has received: ~0.3 MB of
    // heap for them all) for messages that arrive a few times a minute. zod reads the setting when it builds the
    // schemas, at the bundle's start, so it is set before any module runs.
    banner: { js: `#!/usr/bin/env node\n// syntra-agent ${version}\n${ZOD_WITHOUT_JIT}` },
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error("esbuild wrote no agent bundle");
  return file.contents;
}
