// Compiles the control plane (apps/server -> apps/server/dist) when the build is missing or older than its
// sources, so `npm start` runs plain JavaScript: no TypeScript loader and no esbuild service beside it. `--force`
// builds regardless.
//
// dist/ holds main.js (one ES module: Syntra's own code, the workspace packages, which are TypeScript sources,
// and the Docker client; every other npm package stays an import from node_modules), pglite-init.js, source
// maps, the SQL migrations (PostgreSQL's and the telemetry store's) and the agent bundle that the local agent runs and install/agent.sh hands out.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Plugin } from "esbuild";
import { AGENT_BUNDLE_FILE, buildAgentBundle } from "../apps/server/src/install/agent-bundle";
import { leaveOutUnusedTransports } from "../apps/server/src/install/unused-transports";
import { isStale, repoRoot } from "./freshness";

const serverRoot = path.join(repoRoot, "apps/server");
/** The compiled control plane's folder. */
export const serverDist = path.join(serverRoot, "dist");
/** Its entry point: `node apps/server/dist/main.js`. */
export const serverMain = path.join(serverDist, "main.js");

/** Everything the build is made of. */
const SOURCES = [
  "apps/server/src",
  "apps/server/package.json",
  "apps/agent/src",
  "apps/agent/package.json",
  "packages/contracts/src",
  "packages/contracts/package.json",
  "package-lock.json",
  "scripts/build-server.ts",
];

/** True when dist/main.js is missing or older than any source file. */
export function serverBuildIsStale(): boolean {
  return isStale(serverMain, SOURCES);
}

/**
 * Compiled into the bundle: the workspace packages (`@syntra/*`, TypeScript sources) and the Docker client,
 * whose unused SSH and BuildKit transports are left out that way (install/unused-transports.ts). Every other
 * npm package stays an import, resolved from node_modules at run time as it is from the sources (PGlite finds
 * its WebAssembly files beside its own module).
 */
const BUNDLED = /^(@syntra\/|dockerode$|docker-modem$)/;

const npmPackagesExternal: Plugin = {
  name: "npm-packages-external",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED.test(args.path) ? undefined : { external: true }));
  },
};

/** Builds the control plane if it is stale (or always, with `force`); returns whether it built. */
export async function ensureServerBuild(opts: { force?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !serverBuildIsStale()) return false;
  const startedAt = new Date();
  const { build } = await import("esbuild");
  const [server, agent] = await Promise.all([
    build({
      // pglite-init.js creates the embedded database in a process of its own (db/pglite.ts).
      entryPoints: {
        main: path.join(serverRoot, "src/main.ts"),
        "pglite-init": path.join(serverRoot, "src/db/pglite-init.ts"),
      },
      outdir: serverDist,
      write: false,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "esm",
      sourcemap: "linked",
      // The Docker client is CommonJS: its require() calls of the packages left outside need a require.
      banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
      plugins: [leaveOutUnusedTransports, npmPackagesExternal],
      logLevel: "warning",
    }),
    buildAgentBundle(),
  ]);
  const files = new Map<string, Uint8Array | string>();
  // PostgreSQL's migrations and the telemetry store's ClickHouse ones, each where its migrator looks beside main.js.
  for (const [from, to] of [
    ["src/db/migrations", "migrations"],
    ["src/telemetry/store/clickhouse-migrations", "clickhouse-migrations"],
  ] as const) {
    const dir = path.join(serverRoot, from);
    for (const name of fs.readdirSync(dir)) {
      files.set(path.join(serverDist, to, name), fs.readFileSync(path.join(dir, name)));
    }
  }
  files.set(path.join(serverDist, AGENT_BUNDLE_FILE), agent);
  // main.js last: a process starting while this runs sees the old build or the complete new one.
  const outputs = [...server.outputFiles].sort((a, b) => Number(a.path === serverMain) - Number(b.path === serverMain));
  for (const out of outputs) files.set(out.path, out.contents);
  for (const [file, contents] of files) writeAtomically(file, contents);
  fs.chmodSync(path.join(serverDist, AGENT_BUNDLE_FILE), 0o755);
  // Dated by when the build read its sources, so an edit made while it ran still counts as newer.
  fs.utimesSync(serverMain, startedAt, startedAt);
  return true;
}

// Builds started by parallel test processes must never leave a half-written file for another to run.
function writeAtomically(file: string, contents: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  fs.writeFileSync(partial, contents);
  fs.renameSync(partial, file);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const force = process.argv.includes("--force");
  ensureServerBuild({ force }).then(
    (built) => console.log(built ? "control plane built (apps/server/dist)" : "control plane build is up to date"),
    (err: unknown) => {
      console.error("the control plane could not be built:", err);
      process.exit(1);
    },
  );
}
