// Runs the bundled `syn` as a user would, for the CLI's end-to-end test: a real process with its own HOME.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** What a finished `syn` run left behind. */
export interface SynResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `syn` whose output can be awaited. */
export interface SynProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr (as chosen) matches. */
  waitFor(pattern: RegExp, stream?: "stdout" | "stderr", timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<SynResult>;
}

/** A user of the CLI: a home folder of their own (config in ~/.syntra) and a working directory. */
export class SynUser {
  private constructor(
    readonly bundle: string,
    readonly home: string,
    readonly env: Record<string, string>,
  ) {}

  static async create(bundle: string, env: Record<string, string> = {}): Promise<SynUser> {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), "syn-e2e-home-"));
    return new SynUser(bundle, home, env);
  }

  /** The process environment of a run: nothing Syntra-related leaks in from the test's own. */
  private environment(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SYNTRA_")));
    const merged: NodeJS.ProcessEnv = { ...base, HOME: this.home, NO_COLOR: "1", ...this.env };
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    return merged;
  }

  /** Starts `syn args...`. */
  start(
    args: string[],
    opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
  ): SynProcess {
    return this.spawnProcess(process.execPath, [this.bundle, ...args], opts);
  }

  /** Starts a process (a shell, the pty driver) with this user's environment. */
  spawnProcess(
    command: string,
    args: string[],
    opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
  ): SynProcess {
    const child = spawn(command, args, {
      env: this.environment(opts.env ?? {}),
      cwd: opts.cwd ?? this.home,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const watchers: (() => void)[] = [];
    let closed = false;
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      for (const w of [...watchers]) w();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      for (const w of [...watchers]) w();
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const done = new Promise<SynResult>((resolve) => {
      child.once("close", (code) => {
        closed = true;
        for (const w of [...watchers]) w();
        resolve({ code, stdout, stderr });
      });
    });
    return {
      child,
      stdout: () => stdout,
      stderr: () => stderr,
      done,
      waitFor: (pattern, stream = "stdout", timeoutMs = 60_000) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(
              new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
            );
          }, timeoutMs);
          const check = () => {
            const match = (stream === "stdout" ? stdout : stderr).match(pattern);
            if (match) {
              clearTimeout(timer);
              watchers.splice(watchers.indexOf(check), 1);
              resolve(match);
            } else if (closed) {
              clearTimeout(timer);
              reject(new Error(`exited before ${pattern} on ${stream}\nstdout: ${stdout}\nstderr: ${stderr}`));
            }
          };
          watchers.push(check);
          check();
        }),
    };
  }

  /** Runs `syn args...` to its end. */
  run(
    args: string[],
    opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
  ): Promise<SynResult> {
    return this.start(args, opts).done;
  }

  async close(): Promise<void> {
    await fs.rm(this.home, { recursive: true, force: true });
  }
}
