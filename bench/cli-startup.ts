// CLI start-up benchmark: how long the bundled `syn` takes from process start to its answer, beside plain
// `node -e 0` (the floor any Node CLI pays) and `npm --version` (a well-known Node CLI), plus a real command
// (`syn whoami --json`) against a control plane on this machine. Runs are interleaved, medians printed.
// Run: npm run bench:cli-startup  (BENCH_ROUNDS, default 15)
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createTestApp } from "../apps/server/src/testing/harness";
import { buildCli } from "../scripts/build-cli";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const run = promisify(execFile);

async function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  await run(command, args, { env });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const bundle = await buildCli();
const { size } = await fs.stat(bundle);
const t = await createTestApp();
await t.app.listen({ host: "127.0.0.1", port: 0 });
const address = t.app.server.address();
const url = typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : "";
const owner = await t.signup("bench@example.com", { orgName: "Bench" });
const token = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "bench" } })).body.data.token;
const home = await fs.mkdtemp(path.join(os.tmpdir(), "syn-bench-"));
const env = { ...process.env, HOME: home, SYNTRA_URL: url, SYNTRA_TOKEN: token, NO_COLOR: "1" };

const cases: [string, string, string[]][] = [
  ["node -e 0", process.execPath, ["-e", "0"]],
  ["syn --version", process.execPath, [bundle, "--version"]],
  ["syn help deploy", process.execPath, [bundle, "help", "deploy"]],
  ["syn whoami --json (real API call)", process.execPath, [bundle, "whoami", "--json"]],
  ["npm --version", "npm", ["--version"]],
];
const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
try {
  // One warm-up of each (file cache), then interleaved rounds so load on the machine hits all alike.
  for (const [, command, args] of cases) await timed(command, args, env);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, command, args] of cases) samples.get(name)?.push(await timed(command, args, env));
  }
} finally {
  await t.close();
  await fs.rm(home, { recursive: true, force: true });
}

const floor = median(samples.get("node -e 0") ?? []);
console.log(
  `syn bundle: ${(size / 1024).toFixed(0)} KiB, ${ROUNDS} rounds, load average ${os.loadavg()[0]?.toFixed(1)}`,
);
for (const [name] of cases) {
  const m = median(samples.get(name) ?? []);
  const over = name === "node -e 0" ? "" : `, ${(m - floor).toFixed(0)} ms over node -e 0 (${(m / floor).toFixed(2)}x)`;
  console.log(`${name.padEnd(36)} median ${m.toFixed(0).padStart(5)} ms${over}`);
}
const version = median(samples.get("syn --version") ?? []);
const npm = median(samples.get("npm --version") ?? []);
console.log(`syn --version vs npm --version: ${(version / npm).toFixed(2)}x`);
console.log(
  `start-up target 150 ms: ${version < 150 ? "met" : "NOT met"} (syn --version median ${version.toFixed(0)} ms)`,
);
