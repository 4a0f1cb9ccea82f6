// Builds `syn` as one JavaScript file for the system's Node (apps/cli/dist/syn.mjs, the npm package's bin), or
// with --sea as the CommonJS file a Node single executable application embeds (apps/cli/dist/syn.cjs).
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cliDir = path.join(root, "apps/cli");

/**
 * ws's optional native speed-ups (bufferutil, utf-8-validate), which it requires inside a try: bundled as modules
 * that throw, so ws falls back to JavaScript and nothing is looked up on disk (a single executable could not).
 */
const withoutOptionalAddons: Plugin = {
  name: "without-optional-addons",
  setup(b) {
    b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (args) => ({ path: args.path, namespace: "absent" }));
    b.onLoad({ filter: /.*/, namespace: "absent" }, (args) => ({
      contents: `throw new Error("${args.path} is not bundled");`,
      loader: "js",
    }));
  },
};

/** Bundles the CLI; answers the output file. */
export async function buildCli(opts: { sea?: boolean } = {}): Promise<string> {
  const pkg = JSON.parse(await fs.readFile(path.join(cliDir, "package.json"), "utf8")) as { version: string };
  const outfile = path.join(cliDir, "dist", opts.sea ? "syn.cjs" : "syn.mjs");
  await build({
    entryPoints: [path.join(cliDir, "src/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: opts.sea ? "cjs" : "esm",
    minify: true,
    plugins: [withoutOptionalAddons],
    define: { __SYN_VERSION__: JSON.stringify(pkg.version) },
    logLevel: "error",
    banner: {
      // The bundled CommonJS packages (commander, ws) require Node's built-ins; an ES module has no require.
      js: opts.sea
        ? ""
        : '#!/usr/bin/env node\nimport { createRequire as __synCreateRequire } from "node:module";\nconst require = __synCreateRequire(import.meta.url);',
    },
  });
  await fs.chmod(outfile, 0o755);
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = await buildCli({ sea: process.argv.includes("--sea") });
  const { size } = await fs.stat(file);
  console.log(`${path.relative(root, file)}: ${(size / 1024).toFixed(0)} KiB`);
}
