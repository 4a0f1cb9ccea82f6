import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type { Logger } from "pino";
import { writeFileAtomic } from "../atomic-file";
import { AgentError } from "../errors";
import { type DnsmasqSettings, findDnsmasq, queryA, runDnsmasq } from "./dnsmasq";
import { validateRoute } from "./validate-route";

/** The domain the agent's dnsmasq answers alone. */
const ZONE = "syntra.internal";
/** Names of the services' containers: `<service>.upstreams.syntra.internal.`, one A record per container. */
export const UPSTREAM_ZONE = `upstreams.${ZONE}`;
// A DNS label: at most 63 characters, lowercase here because DNS names compare case-insensitively.
const PLAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Not a possible label, so it never collides with a service's file.
const PROBE_FILE = "_probe";
// The proxy stamps its cache a little after dnsmasq answered.
const EXPIRY_MARGIN_MS = 100;
const START_TIMEOUT_MS = 15_000;
const LOAD_TIMEOUT_MS = 5000;
const FILES_DIR = "upstreams";
// A hosts file's first line, a comment to dnsmasq: the service and its upstreams as JSON, for the next agent.
const HEADER = "# syntra ";
const NOT_INSTALLED = "dnsmasq is not installed (Debian/Ubuntu: apt-get install dnsmasq-base)";

/** The label of a service's name and file: its id when that is a DNS label (Syntra's UUIDs are), else a hash. */
function serviceLabel(serviceId: string): string {
  return PLAIN_LABEL.test(serviceId)
    ? serviceId
    : `h-${createHash("sha256").update(serviceId).digest("hex").slice(0, 40)}`;
}

/** The name Caddy looks a service's containers up under (A records, absolute). */
export function upstreamName(serviceId: string): string {
  return `${serviceLabel(serviceId)}.${UPSTREAM_ZONE}.`;
}

export interface UpstreamTableOptions {
  /** Its files go in `<dir>/upstreams` (0700): the hosts files, dnsmasq's address and its log. */
  dir: string;
  /** Loopback address dnsmasq listens on. Default 127.0.0.1. */
  host?: string;
  /** Its port; 0 (default) reuses the last one, else picks a free one. */
  port?: number;
  /**
   * Ports another process will bind but may not have bound yet (the proxy's HTTP and HTTPS ports): a free port
   * picked for dnsmasq is never one of them, or the proxy's start would find it taken.
   */
  avoidPorts?: number[];
  /** Caddy's `refresh`: how long it keeps an answer. Default 1000 ms. */
  refreshMs?: number;
  /** The dnsmasq binary; default: found on PATH or in /usr/sbin. */
  binary?: string;
  logger?: Logger;
}

interface DaemonState {
  host: string;
  port: number;
  pid?: number;
  /** Names the hosts directory: a dnsmasq that resolves `<token>.probe.syntra.internal` serves this one. */
  token: string;
}

/**
 * The containers of each service as A records served by a dnsmasq on loopback, which Caddy's dynamic upstreams
 * ask (see buildRoute). One hosts file per service in `<dir>/upstreams/hosts`, replaced by rename at each
 * change; dnsmasq reloads it by inotify, so a deploy changes a file, not Caddy's config: no reload closes
 * kept-alive client connections. dnsmasq (about 5 MB) outlives the agent like Caddy does; the next agent adopts
 * it, or starts one serving the files as they were. `set` resolves once Caddy can no longer pick a container the
 * new list left out: dnsmasq answers with the new list and Caddy's earlier answer has expired.
 */
export class UpstreamTable {
  private services = new Map<string, string[]>();
  private host: string;
  private port = 0;
  private token = "";
  private child: ChildProcess | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly refreshMs: number;

  constructor(private readonly options: UpstreamTableOptions) {
    this.host = options.host ?? "127.0.0.1";
    this.refreshMs = options.refreshMs ?? 1000;
  }

  private get filesDir(): string {
    return path.join(this.options.dir, FILES_DIR);
  }

  private get hostsDir(): string {
    return path.join(this.filesDir, "hosts");
  }

  /** Adopts the dnsmasq an earlier agent left serving these files, or starts one. PROXY_UNAVAILABLE without it. */
  async start(): Promise<void> {
    await mkdir(this.hostsDir, { recursive: true, mode: 0o700 });
    this.services = await readTable(this.hostsDir);
    const state = await readState(this.filesDir);
    this.token = state?.token ?? randomBytes(8).toString("hex");
    await writeFileAtomic(path.join(this.hostsDir, PROBE_FILE), `127.0.0.1 ${this.probeName()}\n`, 0o600);
    if (state && (await this.answersProbe(state.host, state.port))) {
      this.host = state.host;
      this.port = state.port;
      return;
    }
    // The same port as before when free, so the routes in Caddy's config stay as they are.
    const avoid = this.options.avoidPorts ?? [];
    const last = state && !avoid.includes(state.port) ? state.port : 0;
    const wanted = this.options.port || last;
    try {
      await this.spawn(wanted || (await freePort(this.host, avoid)));
    } catch (err) {
      if (!wanted || (err as Error).message === NOT_INSTALLED) throw err;
      await this.spawn(await freePort(this.host, avoid));
    }
  }

  /** `resolver.addresses` entry for Caddy: UDP, or TCP for an answer too big for one UDP message. */
  resolverAddress(transport: "udp" | "tcp"): string {
    return `${transport}/${this.host}:${this.port}`;
  }

  /** The upstreams in the table for a service. */
  get(serviceId: string): string[] | undefined {
    return this.services.get(serviceId);
  }

  /**
   * Replaces a service's upstreams (`ip:port`, IPv4). Resolves once dnsmasq answers with them and, when some
   * were left out and Caddy may hold an earlier answer (`cached`, default true), once that answer expired.
   */
  set(serviceId: string, upstreams: string[], cached = true): Promise<void> {
    return this.exclusive(async () => {
      const before = this.services.get(serviceId) ?? [];
      this.services.set(serviceId, [...upstreams]);
      await writeFileAtomic(this.fileOf(serviceId), hostsFile(serviceId, upstreams), 0o600);
      const loadedAt = await this.loaded(serviceId, upstreams);
      const removed = before.some((u) => !upstreams.includes(u));
      if (!removed || !cached || loadedAt === null) return;
      const wait = loadedAt + this.refreshMs + EXPIRY_MARGIN_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    });
  }

  /** Takes a service out of the table (its name then answers NXDOMAIN). */
  delete(serviceId: string): Promise<void> {
    return this.exclusive(async () => {
      if (!this.services.delete(serviceId)) return;
      await rm(this.fileOf(serviceId), { force: true });
      await this.loaded(serviceId, []);
    });
  }

  /** Ends the dnsmasq this table started, if any (tests); the agent leaves it running for Caddy instead. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // Unreferenced since it started (it outlives the agent): waiting for its exit must keep this process up.
    child.ref();
    child.kill("SIGTERM");
    await exited;
  }

  private fileOf(serviceId: string): string {
    return path.join(this.hostsDir, serviceLabel(serviceId));
  }

  private probeName(): string {
    return `${this.token}.probe.${ZONE}`;
  }

  private async answersProbe(host: string, port: number): Promise<boolean> {
    return (await queryA(host, port, this.probeName()))?.[0] === "127.0.0.1";
  }

  /**
   * Waits until dnsmasq answers the service's name with exactly `upstreams`' addresses; returns when (ms), or
   * null when it never did. A dnsmasq that does not answer is started again once (see restartIfGone); until it
   * answers, Caddy uses the routes' static upstreams.
   */
  private async loaded(serviceId: string, upstreams: string[]): Promise<number | null> {
    const want = JSON.stringify(addresses(upstreams).sort());
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    let restarted = false;
    while (Date.now() < deadline) {
      const answer = await queryA(this.host, this.port, upstreamName(serviceId));
      if (answer && JSON.stringify([...answer].sort()) === want) return Date.now();
      if (answer === null && !restarted) {
        restarted = true;
        await this.restartIfGone();
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.options.logger?.warn({ port: this.port }, "the upstream DNS server (dnsmasq) did not load the change in time");
    return null;
  }

  /**
   * dnsmasq stopped answering: unless it is this agent's child and still running (frozen, not gone), a new one
   * is started on the same port, so the routes in Caddy's config find it.
   */
  private async restartIfGone(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) return;
    this.options.logger?.warn({ port: this.port }, "the upstream DNS server (dnsmasq) is gone; starting it again");
    await this.spawn(this.port).catch((err: unknown) => {
      this.options.logger?.error({ err }, "could not start the upstream DNS server (dnsmasq) again");
    });
  }

  private async spawn(port: number): Promise<void> {
    const binary = await findDnsmasq(this.options.binary);
    if (!binary) throw new AgentError("PROXY_UNAVAILABLE", NOT_INSTALLED);
    const settings: DnsmasqSettings = {
      binary,
      host: this.host,
      port,
      hostsDir: this.hostsDir,
      zone: ZONE,
      logFile: path.join(this.filesDir, "dnsmasq.log"),
    };
    const child = await runDnsmasq(settings, () => this.answersProbe(this.host, port), START_TIMEOUT_MS);
    this.child = child;
    this.port = port;
    const state: DaemonState = { host: this.host, port, pid: child.pid, token: this.token };
    await writeFileAtomic(stateFile(this.filesDir), JSON.stringify(state), 0o600);
    this.options.logger?.info({ pid: child.pid, port }, "upstream DNS server (dnsmasq) started");
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** A service's hosts file: the header (see HEADER), then one line per container address. */
function hostsFile(serviceId: string, upstreams: string[]): string {
  const name = upstreamName(serviceId).replace(/\.$/, "");
  return [
    `${HEADER}${JSON.stringify({ service: serviceId, upstreams })}`,
    ...addresses(upstreams).map((ip) => `${ip} ${name}`),
    "",
  ].join("\n");
}

/** The IPv4 addresses of `ip:port` upstreams (the only ones a hosts file and Caddy's A lookups carry here). */
function addresses(upstreams: string[]): string[] {
  return upstreams.map((u) => u.slice(0, u.lastIndexOf(":"))).filter((ip) => net.isIPv4(ip));
}

/** The table as the hosts files hold it. */
async function readTable(dir: string): Promise<Map<string, string[]>> {
  const table = new Map<string, string[]>();
  for (const file of await readdir(dir).catch(() => [])) {
    if (file.startsWith(".") || file === PROBE_FILE) continue;
    const text = await readFile(path.join(dir, file), "utf8").catch(() => "");
    const header = text.split("\n", 1)[0] ?? "";
    if (!header.startsWith(HEADER)) continue;
    try {
      const { service, upstreams } = JSON.parse(header.slice(HEADER.length)) as {
        service: string;
        upstreams: string[];
      };
      // Checked as any route is: these go back into Caddy's config at the next agent's start.
      table.set(service, validateRoute({ serviceId: service, domains: [], upstreams }).upstreams);
    } catch {
      // Not one of ours (edited by hand, say): dnsmasq serves it, the agent leaves it alone.
    }
  }
  return table;
}

function stateFile(dir: string): string {
  return path.join(dir, "dnsmasq.json");
}

async function readState(dir: string): Promise<DaemonState | null> {
  try {
    const state = JSON.parse(await readFile(stateFile(dir), "utf8")) as Partial<DaemonState>;
    if (typeof state.host !== "string" || typeof state.port !== "number" || typeof state.token !== "string") {
      return null;
    }
    return state as DaemonState;
  } catch {
    return null;
  }
}

/**
 * The addresses (`ip:port`) a route's DNS server gives for a name, or null when it has none or does not answer
 * (Caddy then uses the route's static upstreams). `resolver` is the route's `udp/host:port` or `tcp/host:port`.
 */
export async function lookupUpstreams(resolver: string, name: string, port: number): Promise<string[] | null> {
  const match = /^(?:udp|tcp)\/(.+):(\d+)$/.exec(resolver);
  if (!match) return null;
  const ips = await queryA(match[1] ?? "", Number(match[2]), name);
  if (!ips || ips.length === 0) return null;
  return ips.map((ip) => `${ip}:${port}`).sort();
}

/** The pid of the dnsmasq whose files are in `dir` (benchmarks), or null. */
export async function upstreamDaemonPid(dir: string): Promise<number | null> {
  return (await readState(path.join(dir, FILES_DIR)))?.pid ?? null;
}

/**
 * Ends the dnsmasq whose files are in `dir` (for tests and an uninstall) and resolves once it has exited (its
 * port is free again), or after 5 s; nothing when none runs.
 */
export async function stopUpstreamDaemon(dir: string): Promise<void> {
  const pid = await upstreamDaemonPid(dir);
  if (!pid) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await running(pid))) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Whether a process exists and has not exited (a zombie waiting for its parent has). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

async function freePort(host: string, avoid: number[]): Promise<number> {
  // Servers stay open until one gets a port outside `avoid`, so the kernel cannot hand out the same port again.
  const held: net.Server[] = [];
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      const server = net.createServer();
      held.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, host, () => {
          const address = server.address();
          resolve(typeof address === "object" && address ? address.port : 0);
        });
      });
      if (!avoid.includes(port)) return port;
    }
    throw new Error(`no free port on ${host} outside ${avoid.join(", ")}`);
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
