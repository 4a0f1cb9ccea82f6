import { lstatSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import picomatch from "picomatch";
import tar from "tar-fs";

/** Name of the Dockerfile inside the context Syntra sends; the daemon drops it from the context after reading. */
export const CONTEXT_DOCKERFILE = ".syntra.Dockerfile";

interface IgnoreRule {
  negated: boolean;
  match: (rel: string) => boolean;
}

/**
 * The build context as the tar stream the Docker API takes, filtered by the repository's .dockerignore as the
 * docker CLI would, without .git (fresh per clone, it would defeat the layer cache of `COPY . .`), and with the
 * Dockerfile to use added under a name of Syntra's. The .dockerignore sent names only that file and itself, so
 * the daemon removes both from the context and neither is copied into the image.
 */
export async function packContext(contextDir: string, dockerfile: string): Promise<Readable> {
  const rules = parseDockerignore(await readFile(path.join(contextDir, ".dockerignore"), "utf8").catch(() => ""));
  const hasExceptions = rules.some((r) => r.negated);
  const ignore = (absolute: string): boolean => {
    const rel = path.relative(contextDir, absolute).split(path.sep).join("/");
    if (rel === ".git" || rel === ".dockerignore" || rel === CONTEXT_DOCKERFILE) return true;
    let excluded = false;
    for (const rule of rules) if (rule.match(rel)) excluded = !rule.negated;
    // With exceptions, an excluded folder may still hold included files: keep walking it.
    return excluded && !(hasExceptions && isDirectory(absolute));
  };
  return tar.pack(contextDir, {
    ignore,
    strict: false,
    finalize: false,
    finish: (pack) => {
      pack.entry({ name: CONTEXT_DOCKERFILE, mode: 0o644 }, dockerfile);
      pack.entry({ name: ".dockerignore", mode: 0o644 }, `${CONTEXT_DOCKERFILE}\n.dockerignore\n`);
      pack.finalize();
    },
  });
}

/** .dockerignore lines as rules; a pattern also excludes everything under a folder it matches. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const negated = line.startsWith("!");
    if (negated) line = line.slice(1).trim();
    const pattern = path.posix.normalize(line.replace(/^\/+/, "")).replace(/\/+$/, "");
    if (!pattern || pattern === ".") continue;
    const isMatch = picomatch(pattern, { dot: true });
    rules.push({
      negated,
      match: (rel) => {
        const parts = rel.split("/");
        for (let i = parts.length; i > 0; i--) if (isMatch(parts.slice(0, i).join("/"))) return true;
        return false;
      },
    });
  }
  return rules;
}

function isDirectory(absolute: string): boolean {
  try {
    return lstatSync(absolute).isDirectory();
  } catch {
    return false;
  }
}
