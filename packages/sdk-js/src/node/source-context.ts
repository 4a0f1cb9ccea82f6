import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { StackFrame } from "../core/types";

/** Lines shown before and after the line of a frame. */
export const CONTEXT_LINES = 5;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_LINE = 200;
const CACHE_FILES = 64;

// Files read recently (null: unreadable), so a burst of errors from one place reads it once.
const cache = new Map<string, Promise<string[] | null>>();

async function readLines(filename: string): Promise<string[] | null> {
  try {
    const info = await stat(filename);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) return null;
    return (await readFile(filename, "utf8")).split(/\r?\n/);
  } catch {
    return null;
  }
}

function linesOf(filename: string): Promise<string[] | null> {
  let hit = cache.get(filename);
  if (hit) {
    cache.delete(filename);
  } else {
    hit = readLines(filename);
    if (cache.size >= CACHE_FILES) cache.delete(cache.keys().next().value as string);
  }
  cache.set(filename, hit);
  return hit;
}

/** A long line (minified code) cut to the part around the column. */
function clip(line: string, colno: number | undefined): string {
  if (line.length <= MAX_LINE) return line;
  const start = Math.max(0, Math.min(line.length - MAX_LINE, (colno ?? 1) - 1 - MAX_LINE / 2));
  return `${start > 0 ? "…" : ""}${line.slice(start, start + MAX_LINE)}${start + MAX_LINE < line.length ? "…" : ""}`;
}

/** Adds the source lines around each frame whose file is on this machine (the app's files and its dependencies). */
export async function addSourceContext(frames: StackFrame[]): Promise<void> {
  await Promise.all(
    frames.map(async (frame) => {
      if (frame.lineno <= 0 || !path.isAbsolute(frame.filename)) return;
      const lines = await linesOf(frame.filename);
      const index = frame.lineno - 1;
      if (!lines || index >= lines.length) return;
      const around = (from: number, to: number) =>
        lines.slice(Math.max(0, from), Math.max(0, to)).map((l) => clip(l, undefined));
      frame.context_line = clip(lines[index] as string, frame.colno);
      frame.pre_context = around(index - CONTEXT_LINES, index);
      frame.post_context = around(index + 1, index + 1 + CONTEXT_LINES);
    }),
  );
}
