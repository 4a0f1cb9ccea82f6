// Whether a build output is older than what it is built from: the builds `npm start` runs check this so that
// an unchanged checkout starts at once.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout's root folder. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The newest modification time of a file, or of anything below a folder (0 when it does not exist). */
export function newestMtime(p: string): number {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** True when `built` is missing or older than any of `sources` (paths relative to the checkout). */
export function isStale(built: string, sources: readonly string[]): boolean {
  const builtAt = fs.statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return sources.some((s) => newestMtime(path.join(repoRoot, s)) > builtAt);
}
