// Compiles test files to plain ES modules under .test-build/ (same relative path, `.mjs`) so that the suite's
// ~370 test processes do not each load TypeScript through tsx's loader: importing the control plane's test harness
// costs ~2.9 CPU-seconds through the loader and ~0.9 once compiled, and the suite runs that ~300 times on 2 cores.
// One esbuild build for all of them, the code they share split into chunks. Behaviour is kept:
// - every npm package stays an import, of the file Node itself would load (resolved here with the importer's
//   folder, so packages installed below one workspace are found from .test-build/ too);
// - `import.meta.url` / `dirname` / `filename` in our sources are their original file's, so paths to fixtures,
//   migrations and scripts resolve as they do from the sources;
// - names are kept (`keepNames`): errors and classes keep their `name`.
// Usage: node --import tsx scripts/bundle-tests.ts <test file>... ; prints the compiled files' paths, one per line,
// in the order given.
import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { repoRoot } from "./freshness";

/** Where the compiled tests go (ignored by git). */
export const testBuildDir = path.join(repoRoot, ".test-build");

/** The compiled file of a test source (relative to the checkout or absolute). */
export function compiledTestPath(source: string): string {
  const relative = path.relative(repoRoot, path.resolve(repoRoot, source));
  return path.join(testBuildDir, relative.replace(/\.tsx?$/, ".mjs"));
}

const SKIP = "bundle-tests:resolving";

/** npm packages stay imports, by absolute path: the file Node would load from the importer's folder. */
const npmPackagesByPath: Plugin = {
  name: "npm-packages-by-path",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith("@syntra/") || args.pluginData === SKIP) return undefined;
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: SKIP });
      if (resolved.errors.length > 0 || !path.isAbsolute(resolved.path)) return { path: args.path, external: true };
      return { path: resolved.path, external: true };
    });
  },
};

/** Our sources keep their own `import.meta.url` (and dirname/filename) once inlined into a test's bundle. */
const ownImportMeta: Plugin = {
  name: "own-import-meta",
  setup(b) {
    b.onLoad({ filter: /\.(ts|tsx|mts)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await fs.readFile(args.path, "utf8");
      const contents = source.includes("import.meta.")
        ? source
            .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
            .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(args.path)))
            .replaceAll("import.meta.filename", JSON.stringify(args.path))
        : source;
      return { contents, loader: args.path.endsWith("x") ? "tsx" : "ts" };
    });
  },
};

/** Compiles `sources` (test files) into .test-build/; returns each one's compiled path, in order. */
export async function bundleTests(sources: readonly string[]): Promise<string[]> {
  await fs.rm(testBuildDir, { recursive: true, force: true });
  await build({
    entryPoints: sources.map((s) => path.resolve(repoRoot, s)),
    outbase: repoRoot,
    outdir: testBuildDir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    platform: "node",
    target: "node20",
    format: "esm",
    keepNames: true,
    // Node's own resolution: no bundler-only "module" fields or conditions.
    mainFields: ["main"],
    conditions: [],
    // CommonJS code inlined (the Docker client, say) calls require() for what stays outside.
    banner: {
      js: 'import { createRequire as __syntraRequire } from "node:module"; const require = __syntraRequire(import.meta.url);',
    },
    plugins: [npmPackagesByPath, ownImportMeta],
    logLevel: "warning",
  });
  return sources.map(compiledTestPath);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const sources = process.argv.slice(2);
  if (sources.length === 0) {
    console.error("usage: node --import tsx scripts/bundle-tests.ts <test file>...");
    process.exit(2);
  }
  const startedAt = performance.now();
  const compiled = await bundleTests(sources);
  console.error(`compiled ${compiled.length} test files in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  console.log(compiled.map((f) => path.relative(repoRoot, f)).join("\n"));
}
