// Builds `syn` as a single executable for Linux x64 (Node's single-executable applications): the CommonJS bundle
// is turned into a preparation blob, and postject injects it into a copy of this machine's node binary.
// Run: npm run build:cli-sea  -> apps/cli/dist/syn (about the size of node itself). Not part of CI: it copies
// and rewrites a ~100 MB binary.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildCli } from "./build-cli";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "apps/cli/dist");
// The fuse every Node binary carries; postject flips it so node runs the injected blob.
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

if (process.platform !== "linux" || process.arch !== "x64") {
  throw new Error(`This script builds the Linux x64 executable; this is ${process.platform} ${process.arch}`);
}
// Node 20's single-executable applications run one CommonJS file.
const main = await buildCli({ sea: true });
const blob = path.join(dist, "syn.blob");
const config = path.join(dist, "sea-config.json");
await fs.writeFile(
  config,
  JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
);
await run(process.execPath, ["--experimental-sea-config", config]);
const exe = path.join(dist, "syn");
await fs.copyFile(process.execPath, exe);
await fs.chmod(exe, 0o755);
const postject = path.join(root, "node_modules/.bin/postject");
await run(postject, [exe, "NODE_SEA_BLOB", blob, "--sentinel-fuse", FUSE]);
await fs.rm(config);
await fs.rm(blob);
const { stdout } = await run(exe, ["--version"]);
const { size } = await fs.stat(exe);
console.log(`${path.relative(root, exe)}: ${(size / 1024 / 1024).toFixed(0)} MiB, syn --version -> ${stdout.trim()}`);
