import { type ChildProcess, spawn } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { constants } from "node:fs";
import { access, open, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AgentError } from "../errors";

// Debian installs dnsmasq in /usr/sbin, which is not on every user's PATH.
const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

/** The path of the dnsmasq binary: `binary` when given, else the first on PATH or in the sbin directories. */
export async function findDnsmasq(binary?: string): Promise<string | null> {
  const candidates = binary
    ? [binary]
    : [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...SBIN_DIRS].map((dir) =>
        path.join(dir, "dnsmasq"),
      );
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not this one.
    }
  }
  return null;
}

/** One dnsmasq serving the names in a directory of hosts files, and nothing else. */
export interface DnsmasqSettings {
  binary: string;
  /** Loopback address and port it answers on (UDP and TCP). */
  host: string;
  port: number;
  /** Directory of hosts files (`<ip> <name>` lines), read again by inotify whenever a file in it changes. */
  hostsDir: string;
  /** The domain it is the only source for: names in it that no file gives are NXDOMAIN; others are refused. */
  zone: string;
  /** Its output (start-up errors, the files it reads). */
  logFile: string;
}

/**
 * dnsmasq's command line (an argv array: nothing goes through a shell). No configuration file, no
 * /etc/hosts, no upstream servers and no cache: it answers from the hosts files alone, which it reloads when one
 * is added, replaced (rename) or removed, without restarting and without dropping a query. Bound to the one
 * address, so several agents (or test runs) can each have their own. It runs as the agent's user: the hosts
 * files live in the agent's private state directory.
 */
export function dnsmasqArgs(settings: DnsmasqSettings): string[] {
  const args = [
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    `--listen-address=${settings.host}`,
    "--bind-interfaces",
    `--port=${settings.port}`,
    "--no-resolv",
    "--no-hosts",
    `--local=/${settings.zone}/`,
    `--hostsdir=${settings.hostsDir}`,
    "--cache-size=0",
    "--pid-file=",
    "--log-facility=-",
  ];
  const user = currentUser();
  // Started as root, dnsmasq would otherwise switch to `nobody`, which cannot read the agent's state directory.
  if (user) args.push(`--user=${user}`);
  return args;
}

function currentUser(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    // A uid without a passwd entry (some containers): dnsmasq keeps its default.
    return null;
  }
}

/**
 * Starts dnsmasq detached (it outlives the agent, like Caddy: sites keep serving while the agent restarts) and
 * resolves once `answers()` is true. Rejects with PROXY_UNAVAILABLE and the end of its output when it exits
 * first (its port taken, say) or does not answer in time.
 */
export async function runDnsmasq(
  settings: DnsmasqSettings,
  answers: () => Promise<boolean>,
  timeoutMs: number,
): Promise<ChildProcess> {
  const log = await open(settings.logFile, "a", 0o600);
  let child: ChildProcess;
  let failed: Promise<Error>;
  try {
    child = spawn(settings.binary, dnsmasqArgs(settings), { detached: true, stdio: ["ignore", log.fd, log.fd] });
    // Listened to before anything awaits: an unheard "error" event would end the agent.
    failed = new Promise<Error>((resolve) => child.once("error", resolve));
  } finally {
    await log.close();
  }
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const error = await Promise.race([failed, sleep(20).then(() => null)]);
    if (error) throw new AgentError("PROXY_UNAVAILABLE", `Could not run ${settings.binary}: ${error.message}`);
    if (await answers()) return child;
  }
  child.kill("SIGKILL");
  const output = await readFile(settings.logFile, "utf8").catch(() => "");
  throw new AgentError(
    "PROXY_UNAVAILABLE",
    `dnsmasq did not start on ${settings.host}:${settings.port}: ${output.trim().split("\n").slice(-3).join(" | ")}`,
  );
}

/**
 * The IPv4 addresses a DNS server on `host:port` gives for `name`: [] when it has none (NXDOMAIN or no A
 * record), null when it does not answer at all (not running, or not a DNS server).
 */
export async function queryA(host: string, port: number, name: string): Promise<string[] | null> {
  const resolver = new Resolver({ timeout: 500, tries: 2 });
  resolver.setServers([`${host}:${port}`]);
  try {
    return await resolver.resolve4(name.replace(/\.$/, ""));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOTFOUND" || code === "ENODATA" ? [] : null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
