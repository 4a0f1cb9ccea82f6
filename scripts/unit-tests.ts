// The unit tests: every test file of apps/ and packages/ that needs no Docker engine, Caddy, dnsmasq, pebble,
// registry or browser (those it imports show it), so any machine with Node runs them. `--quick` keeps those that do not
// build a whole control plane per test (the server's API tests, ~3/4 of the time), but keeps main.test.ts,
// which runs the real product (compiled start, `npm start`, PGlite, the local agent): `scripts/test.sh` runs
// that set a second time on Node 24, the current LTS, when the system's Node is older.
// `--compiled` runs their compiled form from .test-build/ (scripts/bundle-tests.ts, which test.sh runs first).
// Usage: node --import tsx scripts/unit-tests.ts [--quick] [--compiled] [--node <path to node>] [--list]
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { compiledTestPath } from "./bundle-tests";
import { repoRoot } from "./freshness";

/** Imports that mean a test talks to a service outside the process. */
const NEEDS_SERVICES = [
  /from "dockerode"/,
  /from "@syntra\/testing\/(images|caddy|pebble)"/,
  /from "\.\.?\/(\.\.\/)*testing\/caddy"/,
  /from "\.\/testing\/(base-images|registry|run-image)"/,
  /from "\.\/testing\/token-registry"/,
  // The Dockerfile generator's testbed builds what it generates with the Docker engine.
  /from "\.\/testing\/testbed"/,
  // The agent's upstream table runs the dnsmasq program.
  /from "\.\/dnsmasq"/,
  /playwright/,
];

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(full));
    else if (entry.name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

/** A test that builds the whole control plane (the server's test harness) for its cases. */
const BUILDS_APP = /from "(\.\.\/)+testing\/harness"/;

/** The unit test files, relative to the checkout, sorted; `quick`: without those that build the app. */
export function unitTestFiles(quick = false): string[] {
  return ["apps", "packages"]
    .flatMap((d) => testFiles(path.join(repoRoot, d)))
    .filter((file) => {
      const source = fs.readFileSync(file, "utf8");
      return !NEEDS_SERVICES.some((marker) => marker.test(source)) && !(quick && BUILDS_APP.test(source));
    })
    .map((file) => path.relative(repoRoot, file))
    .sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const files = unitTestFiles(args.includes("--quick"));
  if (args.includes("--list")) {
    console.log(files.join("\n"));
  } else {
    const at = args.indexOf("--node");
    const node = at === -1 ? process.execPath : (args[at + 1] ?? process.execPath);
    const concurrency = process.env.TEST_CONCURRENCY ?? "2";
    const compiled = args.includes("--compiled");
    const child = spawn(
      node,
      [
        ...(compiled ? [] : ["--import", "tsx"]),
        "--test",
        `--test-concurrency=${concurrency}`,
        "--test-timeout=300000",
        ...(compiled ? files.map(compiledTestPath) : files),
      ],
      { cwd: repoRoot, stdio: "inherit" },
    );
    child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  }
}
