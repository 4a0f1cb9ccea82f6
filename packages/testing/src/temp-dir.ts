import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const made = new Set<string>();

/**
 * A new directory under the system's temp dir, removed when the test process exits, however its tests end. The
 * removal is synchronous: an "exit" listener cannot wait for a promise (a chDB data dir removed with `fs.rm` there
 * stayed behind, ~250 MB a test process).
 */
export async function tempDirUntilExit(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  if (made.size === 0) {
    process.once("exit", () => {
      for (const each of made) rmSync(each, { recursive: true, force: true });
    });
  }
  made.add(dir);
  return dir;
}
