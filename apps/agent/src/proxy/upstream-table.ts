import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, open, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as dnsPacket from "dns-packet";
import type { Logger } from "pino";
import { writeFileAtomic } from "../atomic-file";
import { AgentError } from "../errors";
import { type UpstreamTableFile, upstreamName } from "./upstream-dns";
import { DAEMON_FLAG } from "./upstream-dns-flag";

export interface UpstreamTableOptions {
  /** Where the table and the daemon's address are kept (0700). */
  dir: string;
  /** Interface the daemon listens on. Default 127.0.0.1. */
  host?: string;
  /** Port of the daemon; 0 (default) reuses the last one, else picks a free one. */
  port?: number;
  /** Caddy's `refresh`: how long it keeps an answer. Default 1000 ms. */
  refreshMs?: number;
  logger?: Logger;
}

// The proxy stamps its cache a little after the daemon answered.
const EXPIRY_MARGIN_MS = 100;
const START_TIMEOUT_MS = 15_000;

/**
 * The agent's side of the upstream DNS daemon (upstream-dns-daemon.ts): keeps the table of each service's
 * containers, writes it to the file the daemon serves, and starts the daemon when none answers (the one an
 * earlier agent started is reused: it kept serving while no agent ran). `set` resolves once Caddy can no
 * longer pick a container the new list left out: the daemon has loaded the table, and Caddy's answer from
 * before (the daemon says when it gave it) has expired.
 */
export class UpstreamTable {
  private services: Record<string, string[]> = {};
  private version = 0;
  private host: string;
  private port = 0;
  private child: ChildProcess | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly refreshMs: number;

  constructor(private readonly options: UpstreamTableOptions) {
    this.host = options.host ?? "127.0.0.1";
    this.refreshMs = options.refreshMs ?? 1000;
  }

  private get tableFile(): string {
    return path.join(this.options.dir, "upstreams.json");
  }

  private get stateFile(): string {
    return path.join(this.options.dir, "upstream-dns.json");
  }

  /** Adopts the running daemon of an earlier agent, or starts one serving the last table written. */
  async start(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const table = await readJson<UpstreamTableFile>(this.tableFile);
    this.services = table?.services ?? {};
    this.version = table?.version ?? 0;
    const state = await readJson<{ host: string; port: number }>(this.stateFile);
    if (state && (await status(state.host, state.port, "status")) !== null) {
      this.host = state.host;
      this.port = state.port;
      return;
    }
    // The same port as before when free, so the routes in Caddy's config stay as they are.
    const wanted = this.options.port || state?.port || 0;
    try {
      await this.spawnDaemon(wanted || (await freePort(this.host)));
    } catch (err) {
      if (!wanted) throw err;
      await this.spawnDaemon(await freePort(this.host));
    }
    const pid = this.child?.pid;
    await writeFileAtomic(this.stateFile, JSON.stringify({ host: this.host, port: this.port, pid }), 0o600);
  }

  /** `resolver.addresses` entry for Caddy. */
  resolverAddress(): string {
    return `tcp/${this.host}:${this.port}`;
  }

  /** The upstreams in the table for a service. */
  get(serviceId: string): string[] | undefined {
    return this.services[serviceId];
  }

  /** Replaces a service's upstreams; resolves once Caddy no longer picks one it left out. */
  set(serviceId: string, upstreams: string[]): Promise<void> {
    return this.exclusive(async () => {
      const before = this.services[serviceId];
      this.services[serviceId] = [...upstreams];
      const seen = await this.publish(serviceId);
      const removed = (before ?? []).some((u) => !upstreams.includes(u));
      if (!removed || seen === null) return;
      const wait = this.refreshMs + EXPIRY_MARGIN_MS - seen;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    });
  }

  /** Takes a service out of the table. */
  delete(serviceId: string): Promise<void> {
    return this.exclusive(async () => {
      if (!(serviceId in this.services)) return;
      delete this.services[serviceId];
      await this.publish(serviceId);
    });
  }

  /** Ends the daemon if this table started it (tests); the agent leaves it running for Caddy instead. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  }

  /**
   * Writes the table and waits until the daemon serves it; returns how many ms ago Caddy last looked the
   * service up (null: never, or the daemon does not answer: Caddy then uses the routes' fallback).
   */
  private async publish(serviceId: string): Promise<number | null> {
    this.version += 1;
    const version = this.version;
    const file: UpstreamTableFile = { version, services: this.services };
    await writeFileAtomic(this.tableFile, JSON.stringify(file), 0o600);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const answer = await status(this.host, this.port, serviceId);
      if (answer && answer.version >= version) return answer.ago;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.options.logger?.warn({ port: this.port }, "the upstream DNS daemon did not load the new table in time");
    return null;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Runs the daemon detached (it outlives the agent), its output in the table's directory. */
  private async spawnDaemon(port: number): Promise<void> {
    const log = await open(path.join(this.options.dir, "upstream-dns.log"), "a", 0o600);
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...daemonCommand(), this.tableFile, this.host, String(port)], {
        detached: true,
        stdio: ["ignore", log.fd, log.fd],
      });
    } finally {
      await log.close();
    }
    child.unref();
    this.child = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if ((await status(this.host, port, "status")) !== null) {
        this.port = port;
        this.options.logger?.info({ pid: child.pid, port }, "upstream DNS daemon started");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGKILL");
    this.child = null;
    const output = await readFile(path.join(this.options.dir, "upstream-dns.log"), "utf8").catch(() => "");
    throw new AgentError("PROXY_UNAVAILABLE", `The upstream DNS daemon did not start: ${output.slice(-500)}`);
  }
}

/** How to run the daemon: the agent's own entry point (the bundle, bin/) with the flag, else the source file. */
function daemonCommand(): string[] {
  const entry = process.argv[1] ?? "";
  if (/syntra-agent(\.cjs|\.mjs)?$/.test(entry)) return [...process.execArgv, entry, DAEMON_FLAG];
  return ["--import", "tsx", fileURLToPath(new URL("./upstream-dns-daemon.ts", import.meta.url))];
}

/**
 * The daemon's status record for a service (TXT): the table version it serves and how long ago Caddy looked
 * the service up. Null when nothing answers.
 */
async function status(
  host: string,
  port: number,
  serviceId: string,
): Promise<{ version: number; ago: number | null } | null> {
  const answer = await query(host, port, { type: "TXT", name: upstreamName(serviceId) });
  const txt = answer?.answers?.find((a) => a.type === "TXT");
  if (!txt) return null;
  const fields = (Array.isArray(txt.data) ? txt.data : [txt.data]).map((d) => String(d));
  const value = (key: string) => fields.find((f) => f.startsWith(`${key}=`))?.slice(key.length + 1);
  const ago = value("ago");
  return { version: Number(value("v") ?? 0), ago: ago === undefined || ago === "none" ? null : Number(ago) };
}

/** The SRV targets (as `host:port`, IPv4) a DNS server gives for a service, or null when it does not answer. */
export async function lookupUpstreams(resolver: string, serviceId: string): Promise<string[] | null> {
  const match = /^tcp\/(.+):(\d+)$/.exec(resolver);
  if (!match) return null;
  const answer = await query(match[1] ?? "", Number(match[2]), { type: "SRV", name: upstreamName(serviceId) });
  if (!answer || (answer as { rcode?: string }).rcode === "NXDOMAIN") return null;
  return (answer.answers ?? []).flatMap((a) => {
    if (a.type !== "SRV") return [];
    const ip = /^(\d+)-(\d+)-(\d+)-(\d+)\./.exec(a.data.target);
    return ip ? [`${ip.slice(1).join(".")}:${a.data.port}`] : [];
  });
}

/** One DNS query over TCP; null on any failure or after 1 s. */
function query(host: string, port: number, question: dnsPacket.Question): Promise<dnsPacket.DecodedPacket | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffered = Buffer.alloc(0);
    const done = (answer: dnsPacket.DecodedPacket | null) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(null));
    socket.once("error", () => done(null));
    socket.once("connect", () => socket.write(dnsPacket.streamEncode({ type: "query", id: 1, questions: [question] })));
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      try {
        done(dnsPacket.streamDecode(buffered) as dnsPacket.DecodedPacket);
      } catch {
        done(null);
      }
    });
  });
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return null;
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Ends the daemon whose table is in `dir` (for tests and an uninstall); nothing when none runs. */
export async function stopUpstreamDaemon(dir: string): Promise<void> {
  const state = await readJson<{ pid?: number }>(path.join(dir, "upstream-dns.json"));
  if (!state?.pid) return;
  try {
    process.kill(state.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}
