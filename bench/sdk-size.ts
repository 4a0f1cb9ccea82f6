// Size of the browser SDK an app ships: @syntra/sdk's browser build (errors only) bundled as an app would bundle it
// (esbuild, minified, ES2020), raw, gzip and brotli, beside @sentry/browser doing the same job (init +
// captureException, its default integrations) in the same run, with the ratio. Target: under 25 kB gzipped.
// Run: npm run bench:sdk-size

import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TARGET_GZIP = 25 * 1024;

/** Bundles an entry written as an app would write it and returns its minified size, gzipped and brotli'd. */
async function measure(
  name: string,
  contents: string,
): Promise<{ name: string; raw: number; gzip: number; br: number }> {
  const out = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2020",
    platform: "browser",
    // The conditions a browser bundler uses: @syntra/sdk resolves to its browser build.
    conditions: ["browser"],
    write: false,
    logLevel: "error",
  });
  const code = out.outputFiles[0]?.contents ?? new Uint8Array();
  return {
    name,
    raw: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    br: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
const syntra = await measure(
  "@syntra/sdk (browser)",
  `import { Syntra } from "./packages/sdk-js/src/browser/index";
   Syntra.init({ dsn: "https://syn_ing_0123456789abcdef0123456789abcdef@syntra.example.com/1" });
   Syntra.captureException(new Error("x"));`,
);
const sentry = await measure(
  "@sentry/browser",
  `import * as Sentry from "@sentry/browser";
   Sentry.init({ dsn: "https://key@o1.ingest.sentry.io/1" });
   Sentry.captureException(new Error("x"));`,
);
console.log("browser bundle (errors only: init + captureException, minified, ES2020)");
for (const r of [syntra, sentry]) {
  console.log(
    `  ${r.name.padEnd(24)} raw ${kb(r.raw).padStart(9)}   gzip ${kb(r.gzip).padStart(8)}   brotli ${kb(r.br).padStart(8)}`,
  );
}
console.log(`  ratio gzip @syntra/sdk / @sentry/browser: ${(syntra.gzip / sentry.gzip).toFixed(2)}`);
console.log(`  target: gzip under ${kb(TARGET_GZIP)}: ${syntra.gzip < TARGET_GZIP ? "met" : "NOT met"}`);
if (syntra.gzip >= TARGET_GZIP) process.exitCode = 1;
