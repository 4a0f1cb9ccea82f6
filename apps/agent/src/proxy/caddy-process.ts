import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { AgentError } from "../errors";

/** What runCaddy needs: where Caddy keeps its files, its first config, and how to tell it answers. */
export interface RunCaddyOptions {
  manage: { binary?: string; configDir: string };
  config: Record<string, unknown>;
  adminUrl: string;
  answers: () => Promise<boolean>;
  startTimeoutMs: number;
  logger?: Logger;
}

/**
 * Runs `caddy run` with the given initial config and resolves once its admin API answers. Its output goes to
 * `<configDir>/caddy.log`, not to a pipe: Caddy outlives an agent that dies (the next agent finds it through the
 * admin API), and a Go program writing to a closed pipe would be killed by SIGPIPE.
 */
export async function runCaddy(options: RunCaddyOptions): Promise<ChildProcess> {
  const { manage, logger } = options;
  await mkdir(manage.configDir, { recursive: true, mode: 0o700 });
  const file = path.join(manage.configDir, "caddy.json");
  const logFile = path.join(manage.configDir, "caddy.log");
  await writeFile(file, JSON.stringify(options.config, null, 2), { mode: 0o600 });
  const log = await open(logFile, "a", 0o600);
  let child: ChildProcess;
  let spawnError: Promise<Error>;
  try {
    child = spawn(manage.binary ?? "caddy", ["run", "--config", file], {
      detached: false,
      stdio: ["ignore", log.fd, log.fd],
      // Certificates and autosaves go under configDir, not the agent user's home.
      env: { ...process.env, XDG_DATA_HOME: manage.configDir, XDG_CONFIG_HOME: manage.configDir },
    });
    // Listened to before anything else awaits: an unheard "error" event would crash the agent.
    spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    child.once("exit", (code, signal) => logger?.info({ code, signal }, "caddy exited"));
  } finally {
    await log.close();
  }
  const deadline = Date.now() + options.startTimeoutMs;
  while (Date.now() < deadline) {
    const failed = await Promise.race([spawnError, sleep(100).then(() => null)]);
    if (failed) {
      throw new AgentError("PROXY_UNAVAILABLE", `Could not run ${manage.binary ?? "caddy"}: ${failed.message}`);
    }
    if (child.exitCode !== null) {
      const output = await readFile(logFile, "utf8").catch(() => "");
      throw new AgentError("PROXY_UNAVAILABLE", `Caddy exited with code ${child.exitCode}: ${output.slice(-1000)}`);
    }
    if (await options.answers()) {
      logger?.info({ pid: child.pid, admin: options.adminUrl, log: logFile }, "caddy started");
      return child;
    }
  }
  await stopChild(child);
  throw new AgentError("PROXY_UNAVAILABLE", `Caddy did not answer at ${options.adminUrl} in time`);
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
