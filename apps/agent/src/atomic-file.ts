import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Replaces `file` so that a reader (or a crash) sees the old content or the new one, never a part: the content
 * goes to a temporary file in the same directory, is synced, renamed over `file`, and the directory is synced
 * so the rename itself survives a power loss. The temporary name starts with a dot and ends in `.tmp`, so
 * programs that watch the directory for `*.yml` (Traefik's file provider) ignore it.
 */
export async function writeFileAtomic(file: string, content: string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const dirHandle = await open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
