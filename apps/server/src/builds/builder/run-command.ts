import { spawn } from "node:child_process";
import { cancelled } from "./errors";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program (argv, never a shell string) and collects its output. It runs in a process group of its own so
 * that an abort kills everything it started (git starts ssh, upload-pack and remote helpers), not just the
 * parent. Rejects with CANCELLED on abort; a non-zero exit is a result, not an error.
 */
export function runCommand(
  argv: readonly [string, ...string[]],
  opts: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    /** Each chunk of stderr as it arrives (git reports progress there). */
    onStderr?: (chunk: string) => void;
  },
): Promise<CommandResult> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(cancelled());
      return;
    }
    const child = spawn(program, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      opts.onStderr?.(chunk);
    });
    const onAbort = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // The group is already gone.
        }
      }
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (err) => {
      opts.signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
    // After an abort, do not wait for the pipes to close: a helper that escaped the group could hold them open.
    child.once("exit", () => {
      if (opts.signal?.aborted) {
        opts.signal.removeEventListener("abort", onAbort);
        reject(cancelled());
      }
    });
    child.once("close", (code) => {
      opts.signal?.removeEventListener("abort", onAbort);
      if (opts.signal?.aborted) reject(cancelled());
      else resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
