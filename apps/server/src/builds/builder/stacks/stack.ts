import { readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { BaseImages } from "../base-images";

export type StackName = "node" | "python" | "go" | "static";

/** A Dockerfile Syntra wrote for a repository without one. */
export interface GeneratedDockerfile {
  stack: StackName;
  dockerfile: string;
}

/** What a stack's generator gets: the build context, the base images and the build-time variable names. */
export interface StackInput {
  files: ContextFiles;
  images: BaseImages;
  buildArgNames: string[];
  /** The port the app should listen on (PORT in the image), when the service says. */
  port: number | undefined;
}

/** Read-only view of the build context directory, confined to it. */
export class ContextFiles {
  constructor(readonly root: string) {}

  async isFile(rel: string): Promise<boolean> {
    return (await this.stat(rel))?.isFile() ?? false;
  }

  async isDir(rel: string): Promise<boolean> {
    return (await this.stat(rel))?.isDirectory() ?? false;
  }

  /** The file's text, or null when it is missing or larger than 1 MB (no manifest is). */
  async read(rel: string): Promise<string | null> {
    const s = await this.stat(rel);
    if (!s?.isFile() || s.size > 1024 * 1024) return null;
    return readFile(this.resolve(rel), "utf8").catch(() => null);
  }

  /** Entry names of a directory, sorted; empty when it is missing. */
  async list(rel = "."): Promise<string[]> {
    if (!(await this.isDir(rel))) return [];
    try {
      return (await readdir(this.resolve(rel))).sort();
    } catch {
      return [];
    }
  }

  /** Like stat, but a path (or symlink) leading outside the context counts as missing. */
  private async stat(rel: string) {
    try {
      const real = await realpath(path.resolve(this.root, rel));
      const root = await realpath(this.root);
      if (real !== root && !real.startsWith(`${root}${path.sep}`)) return null;
      return await stat(real);
    } catch {
      return null;
    }
  }

  private resolve(rel: string): string {
    return path.resolve(this.root, rel);
  }
}

/** `ARG` lines so build-time variables reach RUN steps of a generated Dockerfile. */
export function argLines(names: readonly string[]): string[] {
  return names.map((name) => `ARG ${name}`);
}

/** A JSON-array CMD/ENTRYPOINT (exec form: no shell parsing of repository-controlled names). */
export function execForm(instruction: "CMD" | "ENTRYPOINT", argv: readonly string[]): string {
  return `${instruction} ${JSON.stringify(argv)}`;
}

/** Shell form for commands that need $PORT expanded at start; the shell execs, so signals reach the app. */
export function shellCmd(command: string): string {
  return execForm("CMD", ["sh", "-c", `exec ${command}`]);
}

/** Names from a repository end up in Dockerfile text: refuse anything but plain path characters. */
export function safeName(name: string): boolean {
  return /^[A-Za-z0-9._/@-]+$/.test(name) && !name.split("/").includes("..");
}

/**
 * The runtime stage that serves a directory of static files with busybox httpd. httpd as PID 1 would ignore
 * SIGTERM, so a shell waits for it and stops it on TERM.
 */
export function staticServerStage(image: string, copy: string, port: number): string[] {
  const script = `httpd -f -v -p "$PORT" -h /srv & trap 'kill $!; exit 0' TERM INT; wait`;
  return [`FROM ${image}`, copy, `ENV PORT=${port}`, `EXPOSE ${port}`, execForm("CMD", ["sh", "-c", script])];
}
