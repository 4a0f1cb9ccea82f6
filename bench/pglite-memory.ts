// PGlite memory benchmark: what each of the embedded database's settings costs. Each variant runs in a fresh
// Node process on a copy of one migrated database: open it, run 300 inserts and 300 selects with a join, then
// report how much resident memory the process gained (after a full GC) and the time of the queries.
// Run: npm run bench:pglite
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import v8 from "node:v8";
import { PGlite } from "@electric-sql/pglite";
import { openDatabase } from "../apps/server/src/db/client";
import { migrate } from "../apps/server/src/db/migrate";
import { pgliteOptions } from "../apps/server/src/db/pglite";

const run = promisify(execFile);
const self = fileURLToPath(import.meta.url);
const rssMb = async () => Number(/VmRSS:\s+(\d+)/.exec(await fs.readFile("/proc/self/status", "utf8"))?.[1]) / 1024;

const VARIANTS: { name: string; sharedBuffers: string; liftoffOnly: boolean }[] = [
  { name: "PostgreSQL's defaults (shared_buffers 128MB, V8 tiers up)", sharedBuffers: "128MB", liftoffOnly: false },
  { name: "shared_buffers 16MB", sharedBuffers: "16MB", liftoffOnly: false },
  { name: "Liftoff only (shared_buffers 128MB)", sharedBuffers: "128MB", liftoffOnly: true },
  { name: "shared_buffers 16MB + Liftoff only (Syntra's default)", sharedBuffers: "16MB", liftoffOnly: true },
  { name: "shared_buffers 1MB + Liftoff only", sharedBuffers: "1MB", liftoffOnly: true },
];

/** In the child: one variant on its copy of the database; prints {rss, queriesMs} as JSON. */
async function measure(dir: string, sharedBuffers: string, liftoffOnly: boolean): Promise<void> {
  if (liftoffOnly) v8.setFlagsFromString("--liftoff-only");
  (globalThis as { gc?: () => void }).gc?.();
  const before = await rssMb();
  const db = await PGlite.create(dir, pgliteOptions({ sharedBuffers }));
  await db.exec("CREATE TABLE bench_rows (id serial PRIMARY KEY, org uuid, name text, body jsonb)");
  const started = performance.now();
  for (let i = 0; i < 300; i++) {
    await db.query("INSERT INTO bench_rows (org, name, body) VALUES (uuid_generate_v4(), $1, $2)", [
      `n${i}`,
      JSON.stringify({ i }),
    ]);
  }
  for (let i = 0; i < 300; i++) {
    await db.query(
      "SELECT r.*, o.name AS org_name FROM bench_rows r LEFT JOIN organizations o ON o.id = r.org WHERE r.name = $1",
      [`n${i}`],
    );
  }
  const queriesMs = performance.now() - started;
  (globalThis as { gc?: () => void }).gc?.();
  console.log(JSON.stringify({ added: (await rssMb()) - before, queriesMs }));
  await db.close();
}

async function main(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-bench-pglite-"));
  try {
    const template = path.join(root, "template");
    const database = await openDatabase({ dataDir: template });
    await migrate(database);
    await database.close();
    console.log(`PGlite memory (Node ${process.versions.node}): resident memory an opened, migrated database adds`);
    console.log(`${"variant".padEnd(58)} ${"added".padStart(8)}  600 queries`);
    for (const v of VARIANTS) {
      const dir = path.join(root, "copy");
      await fs.rm(dir, { recursive: true, force: true });
      await fs.cp(path.join(template, "pglite"), dir, { recursive: true });
      const { stdout } = await run(process.execPath, [
        "--expose-gc",
        "--import",
        "tsx",
        self,
        "--child",
        dir,
        v.sharedBuffers,
        String(v.liftoffOnly),
      ]);
      const r = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { added: number; queriesMs: number };
      console.log(
        `${v.name.padEnd(58)} ${r.added.toFixed(0).padStart(5)} MB  ${r.queriesMs.toFixed(0).padStart(6)} ms`,
      );
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

const [flag, dir, sharedBuffers, liftoff] = process.argv.slice(2);
if (flag === "--child" && dir && sharedBuffers) await measure(dir, sharedBuffers, liftoff === "true");
else await main();
