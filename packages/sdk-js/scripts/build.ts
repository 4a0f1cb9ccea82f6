// Builds the published files of @syntra/sdk into dist/: each entry point as ES module (.mjs) and CommonJS (.cjs)
// with esbuild, an IIFE for <script> tags (dist/syntra.min.js, a global `Syntra`), and type declarations with tsc.
// Usage: node --import tsx packages/sdk-js/scripts/build.ts
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");

/** Entry points: source file (under src/) -> output name (under dist/). */
const entries = {
  node: { "node/index": "node/index.ts", "node/nextjs": "node/nextjs.ts" },
  browser: {
    "browser/index": "browser/index.ts",
    "browser/nextjs": "browser/nextjs.ts",
    "react/index": "react/index.ts",
  },
};

// Every entry but the main one reaches the SDK through its folder's public entry (`./index`), which stays a separate
// file: one copy of the SDK's state and (on Node) one set of instrumentations however many entries an app loads.
function sharedIndex(ext: string): Plugin {
  return {
    name: "shared-index",
    setup(b) {
      b.onResolve({ filter: /^\.\/index$/ }, (args) =>
        args.importer.endsWith(`${path.sep}index.ts`) ? undefined : { path: `./index${ext}`, external: true },
      );
    },
  };
}

async function bundle(platform: "node" | "browser", format: "esm" | "cjs"): Promise<void> {
  const ext = format === "esm" ? ".mjs" : ".cjs";
  const isReact = (name: string) => name.startsWith("react/");
  for (const [out, src] of Object.entries(entries[platform])) {
    await build({
      entryPoints: { [out]: path.join(root, "src", src) },
      outdir: dist,
      outExtension: { ".js": ext },
      bundle: true,
      // Dependencies stay imports: the app's package manager installs them (and dedupes OpenTelemetry with the app's).
      packages: "external",
      platform: platform === "node" ? "node" : "neutral",
      format,
      target: platform === "node" ? "node20" : "es2020",
      plugins: [sharedIndex(ext)],
      // The React boundary is a client component in Next.js's app router.
      banner: isReact(out) ? { js: '"use client";' } : undefined,
      logLevel: "warning",
      legalComments: "none",
    });
  }
}

rmSync(dist, { recursive: true, force: true });
for (const platform of ["node", "browser"] as const) {
  await bundle(platform, "esm");
  await bundle(platform, "cjs");
}
await build({
  entryPoints: [path.join(root, "src/node/register.ts")],
  outfile: path.join(dist, "node/register.mjs"),
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  plugins: [sharedIndex(".mjs")],
  logLevel: "warning",
});
await build({
  entryPoints: [path.join(root, "src/browser/iife.ts")],
  outfile: path.join(dist, "syntra.min.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  logLevel: "warning",
});
execFileSync(
  process.execPath,
  [path.join(root, "../../node_modules/typescript/bin/tsc"), "-p", path.join(root, "tsconfig.build.json")],
  { stdio: "inherit" },
);
// The sources import without extensions (bundler style); TypeScript in nodenext mode wants them, so the
// declarations get `.js` (which resolves to the `.d.ts` beside it).
for (const file of readdirSync(path.join(dist, "types"), { recursive: true, encoding: "utf8" })) {
  if (!file.endsWith(".d.ts")) continue;
  const full = path.join(dist, "types", file);
  const text = readFileSync(full, "utf8").replace(
    /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)(["'])/g,
    (_m, head: string, spec: string, tail: string) => `${head}${/\.[cm]?js$/.test(spec) ? spec : `${spec}.js`}${tail}`,
  );
  writeFileSync(full, text);
}
console.log(`built ${path.relative(process.cwd(), dist)}`);
