import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { ContextFiles } from "../../builds/builder/stacks/stack";

/** One file of the repository as the provider sees it (before redaction). */
export interface RepoFile {
  path: string;
  content: string;
  /** Cut at the per-file limit (lockfiles are sent as their head only). */
  truncated: boolean;
}

/** What of a checked-out repository goes into the prompt: its layout and the files that say how it builds. */
export interface RepoSnapshot {
  /** Paths (folders end in "/"), breadth first, without .git, dependency and build-output folders. */
  tree: string[];
  files: RepoFile[];
  /** Files that may hold secrets, named but never read (.env, keys, .npmrc). */
  withheld: string[];
}

/** Manifests, lockfiles and build settings, in the order they are worth reading. */
const MANIFESTS = [
  "package.json",
  "requirements.txt",
  "pyproject.toml",
  "Pipfile",
  "setup.py",
  "setup.cfg",
  "go.mod",
  "Cargo.toml",
  "Gemfile",
  "composer.json",
  "pom.xml",
  "build.gradle",
  "Procfile",
  ".nvmrc",
  ".node-version",
  ".python-version",
  "runtime.txt",
  ".dockerignore",
  "tsconfig.json",
  "next.config.js",
  "next.config.mjs",
  "nuxt.config.ts",
  "vite.config.ts",
  "vite.config.js",
  "pnpm-workspace.yaml",
  ".yarnrc.yml",
];
const LOCKFILES = ["package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock", "go.sum"];
const ENTRY_POINTS = [
  "server.js",
  "index.js",
  "app.js",
  "main.js",
  "server.mjs",
  "index.mjs",
  "src/index.js",
  "src/index.ts",
  "src/main.ts",
  "src/server.ts",
  "app.py",
  "main.py",
  "server.py",
  "wsgi.py",
  "manage.py",
  "main.go",
];
/** Names whose contents never leave the server, whatever the redaction would catch. */
const SECRET_FILE =
  /^(\.env(\..*)?|.*\.(pem|key|p12|pfx|jks|keystore)|id_(rsa|dsa|ecdsa|ed25519)|\.npmrc|\.pypirc|\.netrc|credentials(\.json)?|secrets?\.(json|ya?ml|toml))$/i;
/** Folders that say nothing about how to build and can be huge. */
const SKIP_DIRS = new Set([".git", "node_modules", "__pycache__", ".venv", "venv", "vendor", "dist", "build", ".next"]);

const MAX_TREE = 300;
const MAX_DEPTH = 3;
const MAX_FILE_CHARS = 12_000;
const MAX_LOCKFILE_CHARS = 3000;
const MAX_TOTAL_CHARS = 60_000;

/**
 * Reads what a Dockerfile is written from, bounded: the layout (≤300 paths, 3 levels), the manifests, the head of
 * each lockfile and the usual entry points (≤12 000 characters each, 60 000 in all). Files that may hold secrets
 * are named, never read. Reads go through ContextFiles: a symlink out of the repository reads as missing.
 */
export async function snapshotRepository(repoDir: string): Promise<RepoSnapshot> {
  const files = new ContextFiles(repoDir);
  const { tree, withheld } = await walk(repoDir);
  const out: RepoFile[] = [];
  let total = 0;
  const add = async (rel: string, limit: number) => {
    if (total >= MAX_TOTAL_CHARS || SECRET_FILE.test(path.posix.basename(rel))) return;
    const text = await files.read(rel);
    if (text === null) return;
    const room = Math.min(limit, MAX_TOTAL_CHARS - total);
    const truncated = text.length > room;
    const content = truncated ? text.slice(0, room) : text;
    total += content.length;
    out.push({ path: rel, content, truncated });
  };
  for (const rel of MANIFESTS) await add(rel, MAX_FILE_CHARS);
  for (const rel of LOCKFILES) await add(rel, MAX_LOCKFILE_CHARS);
  for (const rel of ENTRY_POINTS) await add(rel, MAX_FILE_CHARS);
  return { tree, files: out, withheld };
}

async function walk(root: string): Promise<{ tree: string[]; withheld: string[] }> {
  const tree: string[] = [];
  const withheld: string[] = [];
  let level = [""];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0 && tree.length < MAX_TREE; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: Dirent[];
      try {
        entries = await readdir(path.join(root, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (SKIP_DIRS.has(e.name)) continue;
          if (tree.length < MAX_TREE) tree.push(`${rel}/`);
          next.push(rel);
        } else {
          if (SECRET_FILE.test(e.name)) withheld.push(rel);
          if (tree.length < MAX_TREE) tree.push(rel);
        }
      }
    }
    level = next;
  }
  return { tree, withheld };
}
