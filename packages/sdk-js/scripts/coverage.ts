// Runs the SDK's tests and prints their coverage of packages/sdk-js/src, Node and browser code together: Node's V8
// coverage through c8, and what Chromium ran of the browser build (test/browser.test.ts saves it beside Node's
// when NODE_V8_COVERAGE is set) through v8-to-istanbul with the bundle's source map. Fails below the threshold.
// Usage: node --import tsx packages/sdk-js/scripts/coverage.ts [--threshold 90]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const libCoverage = require("istanbul-lib-coverage");
const libReport = require("istanbul-lib-report");
const reports = require("istanbul-reports");
const v8toIstanbul = require("v8-to-istanbul");

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const root = path.resolve(pkg, "../..");
const src = path.join(pkg, "src");
const at = process.argv.indexOf("--threshold");
const threshold = at === -1 ? 90 : Number(process.argv[at + 1]);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f));
}

// Built once here: the tests that need dist/ (package, next) would otherwise rebuild it at the same time, one
// removing the files the other's `next build` is reading.
execFileSync(process.execPath, ["--import", "tsx", path.join(pkg, "scripts/build.ts")], {
  cwd: root,
  stdio: "inherit",
});

const raw = mkdtempSync(path.join(os.tmpdir(), "sdk-js-coverage-"));
const tests = [...testFiles(src), ...testFiles(path.join(pkg, "test"))].sort();
const run = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    "--test-timeout=600000",
    ...tests,
  ],
  { cwd: root, stdio: "inherit", env: { ...process.env, NODE_V8_COVERAGE: raw, SYNTRA_SDK_DIST_BUILT: "1" } },
);

// Node's files through c8 (it knows tsx's source maps from Node's cache); Chromium's are converted below.
const chromium = path.join(raw, "chromium");
mkdirSync(chromium);
for (const f of readdirSync(raw))
  if (f.startsWith("coverage-chromium-")) renameSync(path.join(raw, f), path.join(chromium, f));
const nodeReport = path.join(raw, "node-report");
execFileSync(
  process.execPath,
  [
    path.join(root, "node_modules/c8/bin/c8.js"),
    "report",
    "--temp-directory",
    raw,
    "--include",
    "packages/sdk-js/src/**",
    "--exclude",
    "packages/sdk-js/src/**/*.test.ts",
    "--exclude-after-remap",
    "--reporter",
    "json",
    "--reports-dir",
    nodeReport,
  ],
  { cwd: root, stdio: "inherit" },
);
const map = libCoverage.createCoverageMap(
  JSON.parse(readFileSync(path.join(nodeReport, "coverage-final.json"), "utf8")),
);

const isSource = (file: string) => file.startsWith(`${src}${path.sep}`) && !file.endsWith(".test.ts");
for (const f of readdirSync(chromium)) {
  const { result } = JSON.parse(readFileSync(path.join(chromium, f), "utf8"));
  for (const script of result) {
    const converter = v8toIstanbul(fileURLToPath(script.url), 0, undefined, (p: string) => !isSource(p));
    await converter.load();
    converter.applyCoverage(script.functions);
    map.merge(converter.toIstanbul());
  }
}

// Files no test loaded count as uncovered (type-only files have no code to cover).
const loaded = new Set(map.files());
const unloaded = readdirSync(src, { recursive: true, encoding: "utf8" })
  .map((f) => path.join(src, f))
  .filter((f) => f.endsWith(".ts") && isSource(f) && !loaded.has(f) && !f.endsWith("types.ts"));

const context = libReport.createContext({ dir: path.join(root, "test-artifacts/sdk-js/coverage"), coverageMap: map });
reports.create("text", { skipFull: true }).execute(context);
const summary = map.getCoverageSummary().toJSON();
const unloadedLines = unloaded.reduce((n, f) => n + readFileSync(f, "utf8").split("\n").length, 0);
const pct = (100 * summary.lines.covered) / (summary.lines.total + unloadedLines);
for (const f of unloaded) console.log(`not loaded by any test: ${path.relative(root, f)}`);
console.log(`@syntra/sdk coverage: ${pct.toFixed(2)}% of lines (Node and Chromium), threshold ${threshold}%`);
rmSync(raw, { recursive: true, force: true });
if (run.status !== 0) process.exit(run.status ?? 1);
if (pct < threshold) {
  console.error(`coverage ${pct.toFixed(2)}% is below ${threshold}%`);
  process.exit(1);
}
