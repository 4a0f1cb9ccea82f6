// Builds the dashboard (apps/web -> apps/web/dist) when the build is missing or older than its sources, so
// `npm start` and the browser tests always serve the current one. `--force` builds regardless.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isStale, repoRoot } from "./freshness";

const webRoot = path.join(repoRoot, "apps/web");
const builtIndex = path.join(webRoot, "dist/index.html");
/** Everything the bundle is made of. */
const SOURCES = [
  "apps/web/src",
  "apps/web/public",
  "apps/web/index.html",
  "apps/web/vite.config.ts",
  "apps/web/package.json",
  "packages/contracts/src",
  "packages/api-client/src",
  "package-lock.json",
];

/** True when dist/index.html is missing or older than any source file (a few ms of stat calls). */
export function webBuildIsStale(): boolean {
  return isStale(builtIndex, SOURCES);
}

/** Builds the dashboard with Vite if it is stale (or always, with `force`); returns whether it built. */
export async function ensureWebBuild(opts: { force?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !webBuildIsStale()) return false;
  const { build } = await import("vite");
  await build({
    root: webRoot,
    configFile: path.join(webRoot, "vite.config.ts"),
    logLevel: opts.quiet ? "warn" : "info",
  });
  // Vite keeps the old mtime when the output is byte-identical; touch it so the staleness check settles.
  const now = new Date();
  fs.utimesSync(builtIndex, now, now);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const force = process.argv.includes("--force");
  ensureWebBuild({ force }).then(
    (built) => {
      if (!built) console.log("dashboard build is up to date (apps/web/dist)");
    },
    (err: unknown) => {
      console.error("the dashboard could not be built:", err);
      process.exit(1);
    },
  );
}
