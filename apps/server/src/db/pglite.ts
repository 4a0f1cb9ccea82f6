import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import v8 from "node:v8";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { pgcrypto } from "@electric-sql/pglite/contrib/pgcrypto";
import { uuid_ossp } from "@electric-sql/pglite/contrib/uuid_ossp";
import type { PgliteSettings } from "./pglite-settings";

const run = promisify(execFile);

/** The options every PGlite of the control plane is opened with. */
export function pgliteOptions(settings: PgliteSettings): PGliteOptions {
  return {
    extensions: { uuid_ossp, pgcrypto },
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${settings.sharedBuffers}`],
  };
}

/**
 * Opens the PGlite database in `dir`, creating it first when the folder holds none.
 *
 * Memory (docs/performance.md, `npm run bench:pglite`): V8 compiles WebAssembly twice by default, quickly (Liftoff)
 * and then its hot functions again, optimized (TurboFan), and keeps both: for PGlite's 9 MB module ~70 MB more,
 * for ~15% faster queries. A control plane's queries are few and small, so Liftoff alone does. The flag is read
 * when a module is compiled, and PGlite's is the only WebAssembly this process runs.
 */
export async function openPglite(dir: string, settings: PgliteSettings): Promise<PGlite> {
  if (!existsSync(path.join(dir, "PG_VERSION"))) await initPglite(dir, settings);
  v8.setFlagsFromString("--liftoff-only");
  return PGlite.create(dir, pgliteOptions(settings));
}

/**
 * Creates the database in a short-lived child process: PostgreSQL's initdb makes the process's memory peak at
 * ~650 MB, and the C library keeps ~110 MB of that after it is freed, for as long as the process lives.
 */
async function initPglite(dir: string, settings: PgliteSettings): Promise<void> {
  // Beside this module: pglite-init.ts in the sources (run through tsx), pglite-init.js in a compiled build.
  const fromSources = import.meta.url.endsWith(".ts");
  const script = fileURLToPath(new URL(fromSources ? "./pglite-init.ts" : "./pglite-init.js", import.meta.url));
  const args = [...(fromSources ? ["--import", "tsx"] : []), script, dir, settings.sharedBuffers];
  try {
    await run(process.execPath, args, { timeout: 300_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`the embedded database could not be created in ${dir}: ${stderr.trim() || String(err)}`);
  }
}
