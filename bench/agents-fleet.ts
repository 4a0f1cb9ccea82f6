// Fleet benchmark: N simulated agents (bench/fleet-agent.ts: the real agent's connection code, protocol-exact)
// against one control plane process (the compiled apps/server main.js on its embedded PGlite and chDB, in a child process so
// its CPU and memory are its own). Prints connects per second in a connect storm, the control plane's CPU and RSS
// per 1,000 agents while they heartbeat, GET /api/v1/servers and restart-command round trip p50/p99 under the
// fleet, the time for every agent to be back after a mass disconnect and after a control-plane restart (SIGTERM,
// start again on the same data), and the handshake timeouts of each phase. Under the fleet, an API client and a command
// client each send BENCH_REQUEST_RATE requests a second on a fixed schedule (not one after the other: a slow answer
// does not thin the samples out), and the control plane's event-loop delay over the same window is printed (a
// preloaded probe, bench/loop-delay-probe.mjs), with the simulator's own (its delay is part of every figure).
// Run: npm run bench:fleet  (BENCH_AGENTS=1000, BENCH_WINDOW_SECONDS=30, BENCH_SERVICES=20, BENCH_REQUEST_RATE=10,
// BENCH_STEADY_SECONDS (the requests' window; default BENCH_WINDOW_SECONDS);
// BENCH_STEADY_ONLY=1 stops after the steady window, BENCH_STORM_ONLY=1 after the connect storm)
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { freePort } from "@syntra/testing/ports";
import { ensureServerBuild, serverMain } from "../scripts/build-server";
import { FleetAgent, trouble } from "./fleet-agent";
import { cpuSeconds, processUsage } from "./process-usage";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const WINDOW_SECONDS = Number(process.env.BENCH_WINDOW_SECONDS ?? 30);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 20);
const REQUEST_RATE = Number(process.env.BENCH_REQUEST_RATE ?? 10);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? WINDOW_SECONDS);
const ROOT = path.resolve(import.meta.dirname, "..");

// The compiled control plane, as `npm start` runs it (tsx would compile every module again at each restart).
await ensureServerBuild();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-fleet-"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// The control plane logs to a file, not to a pipe this process reads: with thousands of agents this process is
// busy, and a pipe it drains late would block the control plane's (synchronous) log writes.
const logFile = `${dataDir}-control-plane.log`;
const logFd = openSync(logFile, "a");
/** The last part of the control plane's log (for errors). */
const output = () => readFileSync(logFile, "utf8").slice(-20_000);
/** The hub's summary lines at each shutdown (JSON, see AgentHub.close). */
const hubSummaries = () =>
  readFileSync(logFile, "utf8")
    .split("\n")
    .filter((line) => line.includes('"msg":"agent hub stopped"'));

/** The control plane's own count of its hellos, queries per hello and offline marks, from its last shutdown. */
function hubSummary(): string {
  const line = hubSummaries().at(-1);
  if (!line) return "no hub summary logged";
  const s = JSON.parse(line) as Record<
    | "hellos_admitted"
    | "hello_batches"
    | "queries_per_hello"
    | "upgrades_refused_busy"
    | "credential_lookups"
    | "credential_queries"
    | "admission_rate_per_second"
    | "admission_rate_samples"
    | "offline_marked"
    | "offline_flushes"
    | "offline_skipped",
    number
  >;
  return `hellos admitted ${s.hellos_admitted} in ${s.hello_batches} batches (${(s.hellos_admitted / Math.max(1, s.hello_batches)).toFixed(1)} per batch), ${s.queries_per_hello} queries per hello; upgrades refused busy ${s.upgrades_refused_busy}; credential lookups ${s.credential_lookups} in ${s.credential_queries} queries; admission rate ${s.admission_rate_per_second}/s (${s.admission_rate_samples} samples); offline marks ${s.offline_marked} in ${s.offline_flushes} statements, ${s.offline_skipped} skipped (back in time)`;
}

/** Starts the control plane on the bench's data dir; resolves once it answers /readyz. */
async function startControlPlane(): Promise<ChildProcess> {
  const extra = (process.env.BENCH_CP_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const probe = path.join(ROOT, "bench/loop-delay-probe.mjs");
  const child = spawn(process.execPath, ["--import", probe, ...extra, serverMain], {
    cwd: ROOT,
    env: {
      ...process.env,
      SYNTRA_HOST: "127.0.0.1",
      SYNTRA_PORT: String(port),
      SYNTRA_DATA_DIR: dataDir,
      SYNTRA_LOCAL_AGENT: "false",
      SYNTRA_BUILDS: "false",
      SYNTRA_AGENT_TLS_PORT: "0",
      SYNTRA_AGENT_AUTO_UPDATE: "false",
      // Info: the hub's summary at shutdown (hellos, queries per hello, offline marks) is read from it.
      SYNTRA_LOG_LEVEL: "info",
    },
    stdio: ["ignore", logFd, logFd, "ipc"],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the control plane exited: ${output()}`);
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    if (Date.now() > deadline) throw new Error(`the control plane did not start: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The control plane's event-loop delay since the last reset (bench/loop-delay-probe.mjs), in ms. */
interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  count: number;
  /** The window, in seconds since the control plane started (the timeline of its --cpu-prof profile). */
  fromSeconds: number;
  toSeconds: number;
}
function controlPlaneLoopDelay(): Promise<LoopDelay> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the control plane's loop-delay probe did not answer")), 10_000);
    const onMessage = (message: { type?: string } & LoopDelay) => {
      if (message?.type !== "loop-delay") return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message);
    };
    child.on("message", onMessage);
    child.send({ type: "loop-delay-read" });
  });
}

/** The simulator's (this process's) own event-loop delay: an answer it reads late is counted late. */
const ownLoopDelay = monitorEventLoopDelay({ resolution: 10 });
ownLoopDelay.enable();
// The histogram records the time between its timer's runs: the delay is what exceeds the 10 ms period.
const delayMs = (ns: number) => Math.max(0, ns / 1e6 - 10).toFixed(1);

let token = "";
async function api(method: string, url: string, body?: unknown, auth = token): Promise<Record<string, string>> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(auth && { authorization: `Bearer ${auth}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data: Record<string, string> };
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json.data;
}

/** Runs fn for 0..n-1, `width` at a time. */
async function inParallel(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

const percentiles = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(1);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${(s.at(-1) ?? 0).toFixed(1)} ms (${s.length})`;
};

/**
 * Calls each client `perSecond` times a second for `windowMs`, on a fixed schedule: a call starts at its time
 * whether or not the previous one answered (an open loop, so a stall shows in the samples instead of thinning them).
 */
async function steadyRequests(windowMs: number, perSecond: number, clients: (() => Promise<void>)[]): Promise<void> {
  const start = performance.now();
  const gapMs = 1000 / perSecond;
  const calls: Promise<void>[] = [];
  for (let n = 0; n * gapMs < windowMs; n++) {
    const wait = start + n * gapMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const client of clients) calls.push(client());
  }
  await Promise.all(calls);
}

/** Resolves when every agent is online, with the seconds it took from `since`. */
function allOnline(agents: FleetAgent[], since: number, timeoutMs = 300_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const online = agents.filter((a) => a.online).length;
      if (online === agents.length) {
        clearInterval(check);
        resolve((performance.now() - since) / 1000);
      } else if (performance.now() - since > timeoutMs) {
        clearInterval(check);
        reject(new Error(`only ${online} of ${agents.length} agents came back`));
      }
    }, 50);
  });
}

/** CPU seconds used so far by the control plane and by this process (the simulated agents). */
async function cpuNow(): Promise<{ controlPlane: number; agents: number }> {
  const own = process.cpuUsage();
  return { controlPlane: await cpuSeconds(child.pid ?? 0), agents: (own.user + own.system) / 1e6 };
}

/** The machine's load averages (1, 5, 15 min), printed beside each phase's figures. */
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** What a phase that brought `n` agents in cost in CPU, on each side, and the agents' reconnect spread. */
async function cpuLine(since: { controlPlane: number; agents: number }, n: number): Promise<string> {
  const now = await cpuNow();
  const cp = now.controlPlane - since.controlPlane;
  const spreads = agents.map((a) => a.reconnectSpreadSeconds ?? 0);
  return `control plane ${cp.toFixed(1)} CPU-s (${((cp * 1000) / n).toFixed(2)} ms per agent, ${(n / Math.max(cp, 0.001)).toFixed(0)} agents per CPU-s), simulated agents ${(now.agents - since.agents).toFixed(1)} CPU-s; spread the agents hold ${Math.min(...spreads)}-${Math.max(...spreads)} s; load ${loadAverage()}`;
}

const troubleLine = () =>
  `handshake timeouts ${trouble.handshakeTimeouts}, hello timeouts ${trouble.helloTimeouts}, refused ${trouble.refused}${trouble.refused > 0 ? ` (HTTP ${JSON.stringify(trouble.refusedStatuses)})` : ""}, busy (503 + Retry-After) ${trouble.busy}, connection errors ${trouble.errors}`;
const resetTrouble = () => {
  trouble.handshakeTimeouts = 0;
  trouble.helloTimeouts = 0;
  trouble.refused = 0;
  trouble.refusedStatuses = {};
  trouble.busy = 0;
  trouble.errors = 0;
};

let child = await startControlPlane();
const agents: FleetAgent[] = [];
try {
  console.log(`fleet bench: ${AGENTS} agents, ${os.cpus().length} cores, load average before ${loadAverage()}`);
  const setupStart = performance.now();
  token = "";
  const res = await fetch(`${base}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "fleet@example.com", password: "a-long-password", org_name: "Fleet" }),
  });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const created = await fetch(`${base}/api/v1/tokens`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ name: "fleet" }),
  });
  token = ((await created.json()) as { data: { token: string } }).data.token;
  const servers: { id: string; token: string }[] = [];
  await inParallel(AGENTS, 8, async (i) => {
    const s = await api("POST", "/api/v1/servers", { name: `fleet-${i}` });
    servers[i] = { id: String(s.server_id), token: String(s.token) };
  });
  const project = await api("POST", "/api/v1/projects", { name: "Fleet" });
  const services: string[] = [];
  for (let i = 0; i < Math.min(SERVICES, AGENTS); i++) {
    const server = servers[Math.floor((i * AGENTS) / SERVICES)];
    const svc = await api("POST", `/api/v1/projects/${project.id}/services`, {
      name: `svc-${i}`,
      server_id: server?.id,
      source_type: "image",
      source_config: { image: "nginx", tag: "1.27" },
    });
    services.push(String(svc.id));
  }
  console.log(
    `setup: ${AGENTS} servers, ${services.length} services in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
  );

  // 1. Connect storm: every agent at once.
  const wsUrl = `ws://127.0.0.1:${port}/agent/ws`;
  let firstOnline = 0;
  for (const s of servers) agents.push(new FleetAgent(s.id, wsUrl, s.token, () => {}));
  const stormStart = performance.now();
  let cpu = await cpuNow();
  for (const a of agents) a.start();
  const stormSeconds = await allOnline(agents, stormStart);
  firstOnline = stormSeconds;
  console.log(
    `connect storm: ${AGENTS} agents online in ${firstOnline.toFixed(1)} s = ${(AGENTS / firstOnline).toFixed(0)} connects/s; ${troubleLine()}`,
  );
  console.log(`  ${await cpuLine(cpu, AGENTS)}`);

  if (process.env.BENCH_STORM_ONLY) throw new Error("BENCH_STORM_ONLY: stopping after the connect storm");

  // 2. The fleet alone (heartbeats, pings): the control plane's CPU and memory for it.
  resetTrouble();
  const pid = child.pid ?? 0;
  const idleCpu = await cpuNow();
  const used = await processUsage(pid, WINDOW_SECONDS * 1000);
  const simulated = (await cpuNow()).agents - idleCpu.agents;
  const perK = 1000 / AGENTS;
  console.log(
    `fleet idle, ${WINDOW_SECONDS} s: control plane CPU ${used.cpuPercent.toFixed(1)}% of a core (${(used.cpuPercent * perK).toFixed(1)}% per 1,000 agents), RSS ${used.rssMaxMb.toFixed(0)} MB max (${(used.rssMaxMb * perK).toFixed(1)} MB per 1,000 agents); simulated agents ${((simulated / WINDOW_SECONDS) * 100).toFixed(1)}% of a core (${((simulated / WINDOW_SECONDS) * 100 * perK).toFixed(1)}% per 1,000); load ${loadAverage()}`,
  );

  // 3. Under the fleet: an API client and a command client, each REQUEST_RATE requests a second on a fixed schedule.
  const apiMs: number[] = [];
  const commandMs: number[] = [];
  let commandErrors = 0;
  let commandIndex = 0;
  const steadyCpu = await cpuNow();
  const steadyStart = performance.now();
  child.send({ type: "loop-delay-reset" });
  ownLoopDelay.reset();
  await steadyRequests(STEADY_SECONDS * 1000, REQUEST_RATE, [
    async () => {
      const t0 = performance.now();
      await api("GET", "/api/v1/servers");
      apiMs.push(performance.now() - t0);
    },
    async () => {
      const t0 = performance.now();
      try {
        await api("POST", `/api/v1/services/${services[commandIndex++ % services.length]}/restart`);
        commandMs.push(performance.now() - t0);
      } catch (err) {
        commandErrors++;
        if (commandErrors === 1) console.log(`restart command failed: ${(err as Error).message}`);
      }
    },
  ]);
  const loop = await controlPlaneLoopDelay();
  const steadyEnd = await cpuNow();
  const steadySeconds = (performance.now() - steadyStart) / 1000;
  console.log(`GET /api/v1/servers under the fleet (${REQUEST_RATE}/s): ${percentiles(apiMs)}`);
  console.log(
    `restart command round trip under the fleet (${REQUEST_RATE}/s): ${percentiles(commandMs)}; failed ${commandErrors}`,
  );
  console.log(
    `  control plane event-loop delay: p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms (${loop.count} samples; window ${loop.fromSeconds.toFixed(1)}-${loop.toSeconds.toFixed(1)} s of its run, for bench/cpuprofile-summary.ts); simulator's own: p50 ${delayMs(ownLoopDelay.percentile(50))} ms, p99 ${delayMs(ownLoopDelay.percentile(99))} ms, max ${delayMs(ownLoopDelay.max)} ms`,
  );
  // What the requests cost beyond the fleet's own CPU (the idle window's rate): a figure a busy machine changes little.
  const requestCpu = steadyEnd.controlPlane - steadyCpu.controlPlane - (used.cpuPercent / 100) * steadySeconds;
  console.log(
    `  CPU over the window (${steadySeconds.toFixed(1)} s): control plane ${(steadyEnd.controlPlane - steadyCpu.controlPlane).toFixed(1)} CPU-s (${((requestCpu * 1000) / Math.max(1, apiMs.length + commandMs.length)).toFixed(1)} ms per request beyond the idle fleet's), simulated agents + request clients ${(steadyEnd.agents - steadyCpu.agents).toFixed(1)} CPU-s; load ${loadAverage()}`,
  );
  if (process.env.BENCH_STEADY_ONLY) throw new Error("BENCH_STEADY_ONLY: stopping after the steady window");

  // 4. Mass disconnect: every socket cut at once; the agents come back by their own backoff.
  resetTrouble();
  const cutStart = performance.now();
  cpu = await cpuNow();
  for (const a of agents) a.cut();
  const cutSeconds = await allOnline(agents, cutStart);
  console.log(
    `mass disconnect: all ${AGENTS} back in ${cutSeconds.toFixed(1)} s (target 15 s, no handshake timeout); ${troubleLine()}`,
  );
  console.log(`  ${await cpuLine(cpu, AGENTS)}`);

  // 5. Control-plane restart: SIGTERM (agents told "restarting" with a spread), start again on the same data.
  resetTrouble();
  const restartStart = performance.now();
  cpu = await cpuNow();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  const stoppedAt = performance.now();
  console.log(`control plane until the restart: ${hubSummary()}`);
  child = await startControlPlane();
  const readyAt = performance.now();
  // The new process's CPU only (the old one's ended with it).
  cpu = { controlPlane: 0, agents: cpu.agents };
  const restartSeconds = await allOnline(agents, restartStart);
  console.log(
    `restart: stopped in ${((stoppedAt - restartStart) / 1000).toFixed(1)} s, ready ${((readyAt - stoppedAt) / 1000).toFixed(1)} s later; all ${AGENTS} back ${restartSeconds.toFixed(1)} s after SIGTERM (target 30 s; ${((performance.now() - readyAt) / 1000).toFixed(1)} s after ready); ${troubleLine()}`,
  );
  console.log(`  ${await cpuLine(cpu, AGENTS)} (the new process since its start)`);
  console.log(`load average after ${loadAverage()}`);
} finally {
  await Promise.all(agents.map((a) => a.stop()));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const summaries = hubSummaries().length;
  child.kill("SIGTERM");
  await exited;
  if (hubSummaries().length > summaries) console.log(`control plane at its last stop: ${hubSummary()}`);
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(logFile, { force: true });
}
