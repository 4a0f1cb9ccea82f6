// Ingest benchmark: OTLP from telemetrygen into Syntra's agent, through the control plane, into chDB rows; beside an
// OpenTelemetry Collector (OTLP receiver, batch processor, nop exporter) fed by the same generator in the same run, and
// beside a Collector doing the agent's job (batching and forwarding with zstd over OTLP/gRPC to a second Collector).
// Prints spans/s and log records/s, CPU-seconds per million spans of the agent and of the Collectors, the ratios,
// over OTLP/gRPC and then over OTLP/HTTP protobuf (what the OpenTelemetry JS SDK mostly sends).
// telemetrygen and the Collector are built from the Go module proxy into a cache outside the repository when missing.
//
//   npm run bench:ingest                 (BENCH_SECONDS=15 per phase by default)
//   BENCH_WARMUP_SECONDS=5                         the same load before each measured phase, not counted (5 by
//                                                  default; 0 for none): the figures are a running process's, not
//                                                  those of its first seconds (V8 compiling the agent's hot code);
//                                                  what the warm-up cost is printed too
//   BENCH_PROTOCOLS=grpc                           only the OTLP/gRPC phases (grpc,http by default)
//   BENCH_AGENT=bundle npm run bench:ingest        the agent as installed: its bundle with AGENT_NODE_FLAGS
//   BENCH_AGENT=bundle-full npm run bench:ingest   its bundle without those flags (V8's optimizing compiler on)
//   BENCH_AGENT_FLAGS="--max-semi-space-size=2"    with bundle-full: these node flags instead of none; from the
//                                                  sources: more flags ("--cpu-prof --cpu-prof-dir=/tmp/prof")
//   BENCH_AGENT_NODE=installed|/path/to/node       the node of a bundled agent (this one by default): "installed"
//                                                  is the one the installer gives it (this node when it is 22 or
//                                                  newer, else Node 24 from scripts/services/node24.sh)
//   BENCH_FORWARDING=0                             without the Collector as a forwarding agent beside the agent (a
//                                                  Collector exporting over OTLP/gRPC with zstd to a second one)
//   BENCH_AGENT_ENV="MALLOC_MMAP_THRESHOLD_=4194304"
//                                                  more environment for the agent, over the launcher's
//   BENCH_AGENT_OUTPUT=/tmp/agent.out              writes what the agent printed there at the end (its log, and
//                                                  what flags such as --trace-gc print)
// (by default the agent runs from its sources through tsx).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ServerTelemetry } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { freePort } from "@syntra/testing/ports";
import { SUPPORTED_NODE_MAJOR } from "../apps/server/src/install/install-script";
import { imageServiceBody } from "../apps/server/src/testing/fixtures";
import { type Stack, startStack } from "../e2e/stack";
import { countGc, formatThreadCpu, printIngestProfile, startIngestProfile, threadCpu } from "./ingest-breakdown";
import { type InsertWatch, rateBetween, watchInserts } from "./ingest-inserts";

/** Waits for `check` to hold (see `eventually`), with what to show when it does not. */
function waitFor(check: () => Promise<boolean>, timeoutMs: number, diagnostic: () => string): Promise<boolean> {
  return eventually(check, { timeoutMs, diagnostic });
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const AGENT = process.env.BENCH_AGENT ?? "source";
const AGENT_FLAGS = (process.env.BENCH_AGENT_FLAGS ?? "").split(" ").filter(Boolean);
const AGENT_ENV = Object.fromEntries(
  (process.env.BENCH_AGENT_ENV ?? "")
    .split(" ")
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 1) throw new Error(`BENCH_AGENT_ENV: NAME=value pairs separated by spaces, not "${pair}"`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
);
if (!["source", "bundle", "bundle-full"].includes(AGENT)) throw new Error("BENCH_AGENT: source, bundle or bundle-full");
const GENERATORS = 2;
type Protocol = "grpc" | "http";
const PROTOCOLS = (process.env.BENCH_PROTOCOLS ?? "grpc,http").split(",").filter(Boolean) as Protocol[];
if (PROTOCOLS.some((p) => p !== "grpc" && p !== "http")) throw new Error("BENCH_PROTOCOLS: grpc, http or both");
const COLLECTOR_MODES: readonly CollectorMode[] = process.env.BENCH_FORWARDING === "0" ? ["nop"] : ["nop", "forward"];
const PROTOCOL_NAMES: Record<Protocol, string> = { grpc: "OTLP/gRPC", http: "OTLP/HTTP protobuf" };
/** The installer's rule (install-script.ts): the server's Node when it is 22 or newer, else Node 24 beside the agent. */
function installedAgentNode(): string {
  if (Number(process.versions.node.split(".")[0]) >= SUPPORTED_NODE_MAJOR) return process.execPath;
  const script = path.resolve(import.meta.dirname, "../scripts/services/node24.sh");
  return execFileSync("bash", [script, "start"]).toString().trim().split("\n").at(-1) ?? process.execPath;
}
const AGENT_NODE =
  AGENT === "source" || !process.env.BENCH_AGENT_NODE
    ? process.execPath
    : process.env.BENCH_AGENT_NODE === "installed"
      ? installedAgentNode()
      : process.env.BENCH_AGENT_NODE;
const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "syntra-bench");
const BIN = path.join(CACHE, "bin");
const TELEMETRYGEN = "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v0.161.0";
const PEER_SOURCE = path.resolve(import.meta.dirname, "../../shared/peers/otelcol");
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
  return Number(line?.[1] ?? 0) / 1024;
}

async function ensureTools(): Promise<{ telemetrygen: string; otelcol: string }> {
  await fs.mkdir(BIN, { recursive: true });
  const telemetrygen = path.join(BIN, "telemetrygen");
  if (!existsSync(telemetrygen)) {
    console.log(`building telemetrygen into ${BIN} (once)`);
    execFileSync("go", ["install", TELEMETRYGEN], { env: { ...process.env, GOBIN: BIN }, stdio: "inherit" });
  }
  const otelcol = path.join(BIN, "otelcol");
  if (!existsSync(otelcol)) {
    console.log(`building the reference Collector from ${PEER_SOURCE} into ${BIN} (once, a few minutes)`);
    const src = path.join(CACHE, "otelcol-src");
    await fs.rm(src, { recursive: true, force: true });
    await fs.cp(PEER_SOURCE, src, { recursive: true });
    execFileSync("go", ["build", "-o", otelcol, "."], { cwd: src, stdio: "inherit" });
  }
  return { telemetrygen, otelcol };
}

/** Runs GENERATORS telemetrygen processes (unthrottled) against an OTLP/gRPC or OTLP/HTTP endpoint (`host:port`). */
async function generate(
  telemetrygen: string,
  signal: "traces" | "logs",
  protocol: Protocol,
  endpoint: string,
  headers: Record<string, string>,
  seconds = SECONDS,
): Promise<void> {
  const args = [
    signal,
    ...(protocol === "http" ? ["--otlp-http"] : []),
    "--otlp-insecure",
    "--otlp-endpoint",
    endpoint,
    "--duration",
    `${seconds}s`,
    "--rate",
    "0",
    "--workers",
    signal === "traces" ? "1" : "2",
    "--batch-size",
    "1000",
    "--interval",
    "1h",
    ...Object.entries(headers).flatMap(([k, v]) => ["--otlp-header", `${k}="${v}"`]),
  ];
  const children = Array.from({ length: GENERATORS }, () => spawn(telemetrygen, args, { stdio: "ignore" }));
  await Promise.all(children.map((c) => new Promise((resolve) => c.once("exit", resolve))));
}

interface Figures {
  items: number;
  seconds: number;
  cpu: number;
  rss: number;
}

/** CPU-seconds per million items, as printed. */
const perMillion = (f: Figures) => (f.cpu / (f.items / 1e6)).toFixed(2);

function line(name: string, what: string, f: Figures): string {
  const rate = f.items / f.seconds;
  const perCpu = f.cpu > 0 ? f.items / f.cpu : 0;
  return `${name.padEnd(38)} ${String(Math.round(rate)).padStart(9)} ${what}/s  ${String(Math.round(perCpu)).padStart(9)} ${what}/CPU-s  ${perMillion(f).padStart(7)} CPU-s per million  ${Math.round(f.rss)} MiB RSS`;
}

async function scrape(url: string, metric: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(metric))
    .reduce((n, l) => n + Number(l.split(" ").pop()), 0);
}

/**
 * What the Collector does with what it receives: `nop` drops it (the issue's reference: receiver, batch processor,
 * nop exporter); `forward` is the Collector as an agent doing the agent's job, batching and sending everything on
 * over OTLP/gRPC with zstd to a second Collector (whose CPU is not counted). Its queue is in memory: unlike the
 * agent's journal and batch files, nothing it holds survives a restart.
 */
type CollectorMode = "nop" | "forward";

/** A Collector process with its pipeline for `signal`, and its own metrics. */
interface Collector {
  process: ChildProcess;
  /** Where its OTLP receiver listens. */
  port: number;
  metricsUrl: string;
  stop(): Promise<void>;
}

async function startCollector(
  tools: { otelcol: string },
  signal: "traces" | "logs",
  receiver: { protocol: Protocol; port: number },
  /** The port of a Collector to forward to; without one, the nop exporter. */
  forwardTo?: number,
): Promise<Collector> {
  const metricsPort = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-bench-otelcol-"));
  const pipelines = signal === "traces" ? "traces" : "logs";
  const exporter = forwardTo ? "otlp_grpc" : "nop";
  const exporterConfig = forwardTo
    ? `otlp_grpc:
    endpoint: 127.0.0.1:${forwardTo}
    compression: zstd
    tls:
      insecure: true`
    : "nop: {}";
  const config = `
receivers:
  otlp:
    protocols:
      ${receiver.protocol}:
        endpoint: 127.0.0.1:${receiver.port}
processors:
  batch: {}
exporters:
  ${exporterConfig}
service:
  telemetry:
    logs:
      level: warn
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${metricsPort}
  pipelines:
    ${pipelines}:
      receivers: [otlp]
      processors: [batch]
      exporters: [${exporter}]
`;
  await fs.writeFile(path.join(dir, "config.yaml"), config);
  const child = spawn(tools.otelcol, [`--config=file:${path.join(dir, "config.yaml")}`], { stdio: "ignore" });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const stop = async () => {
    child.kill("SIGTERM");
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => (await fetch(metricsUrl).catch(() => null))?.ok === true,
      30_000,
      () => "collector did not start",
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { process: child, port: receiver.port, metricsUrl, stop };
}

/** A measured phase's figures, and those of the warm-up before it (none when BENCH_WARMUP_SECONDS=0). */
interface PhaseFigures {
  run: Figures;
  warmup: Figures | undefined;
}

/** One load against a Collector: the CPU its process used meanwhile and how much `accepted` grew. */
async function collectorLoad(
  pid: number,
  accepted: () => Promise<number>,
  load: () => Promise<void>,
): Promise<Figures> {
  const items0 = await accepted();
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await load();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  return { items: (await accepted()) - items0, seconds, cpu, rss: rssMiB(pid) };
}

async function collectorPhase(
  tools: { telemetrygen: string; otelcol: string },
  signal: "traces" | "logs",
  protocol: Protocol,
  mode: CollectorMode,
): Promise<PhaseFigures> {
  const port = await freePort();
  const sink =
    mode === "forward" ? await startCollector(tools, signal, { protocol: "grpc", port: await freePort() }) : undefined;
  const unit = signal === "traces" ? "spans" : "log_records";
  try {
    const collector = await startCollector(tools, signal, { protocol, port }, sink?.port);
    try {
      const pid = collector.process.pid ?? 0;
      const metric = (name: string) => () => scrape(collector.metricsUrl, `otelcol_${name}_${unit}`);
      const endpoint = `127.0.0.1:${port}`;
      const warmup =
        WARMUP_SECONDS > 0
          ? await collectorLoad(pid, metric("receiver_accepted"), () =>
              generate(tools.telemetrygen, signal, protocol, endpoint, {}, WARMUP_SECONDS),
            )
          : undefined;
      const sent0 = sink ? await metric("exporter_sent")() : 0;
      const failed0 = sink ? await metric("exporter_send_failed")() : 0;
      const run = await collectorLoad(pid, metric("receiver_accepted"), () =>
        generate(tools.telemetrygen, signal, protocol, endpoint, {}),
      );
      if (sink) {
        // What reached the sink by the end of the load: the forwarding Collector's CPU is counted over the load only,
        // as the agent's is.
        const sent = (await metric("exporter_sent")()) - sent0;
        const failed = (await metric("exporter_send_failed")()) - failed0;
        console.log(
          `  forwarding Collector, ${signal} over ${PROTOCOL_NAMES[protocol]}: ${run.items} accepted, ${sent} sent on meanwhile (its batches straddle the load's ends), ${failed} failed`,
        );
      }
      return { run, warmup };
    } finally {
      await collector.stop();
    }
  } finally {
    await sink?.stop();
  }
}

async function storedRows(stack: Stack, table: string): Promise<number> {
  const stats = await stack.t.deps.telemetry.stats();
  return stats.find((s) => s.table === table)?.rows ?? 0;
}

interface AgentPhase {
  agent: Figures;
  whole: Figures;
  received: number;
  steadyRate: number;
  drainSeconds: number;
}

/** What a load through the agent is: its generator, the stack, the service's key, the signal and the protocol. */
interface AgentLoadSetup {
  tools: { telemetrygen: string };
  stack: Stack;
  key: string;
  signal: "traces" | "logs";
  protocol: Protocol;
  inserts: InsertWatch;
}

/** A warm-up (drained to the store before the phase starts), then the measured phase. */
async function syntraPhase(setup: AgentLoadSetup): Promise<{ run: AgentPhase; warmup: Figures | undefined }> {
  const warmup = WARMUP_SECONDS > 0 ? (await agentLoad(setup, WARMUP_SECONDS, false)).agent : undefined;
  return { run: await agentLoad(setup, SECONDS, true), warmup };
}

/** One load through the agent, until every item it accepted is stored; `report` prints the control plane's CPU. */
async function agentLoad(setup: AgentLoadSetup, seconds: number, report: boolean): Promise<AgentPhase> {
  const { tools, stack, key, signal, protocol, inserts } = setup;
  const table = signal === "traces" ? "traces" : "logs";
  const statKey = signal === "traces" ? "received_spans" : "received_log_records";
  const before = await storedRows(stack, table);
  const insertedBefore = inserts.marks(table).at(-1)?.total ?? 0;
  const receivedBefore = (await agentStats(stack))[statKey];
  const agentPid = stack.agent.child.pid ?? 0;
  const agentCpu0 = cpuSeconds(agentPid);
  const ownCpu0 = process.cpuUsage();
  const threads0 = threadCpu(process.pid);
  const gc = report ? countGc() : undefined;
  const profile = report ? await startIngestProfile() : undefined;
  const t0 = performance.now();
  const endpoint = protocol === "grpc" ? stack.otlp.grpcAddress : new URL(stack.otlp.httpUrl).host;
  await generate(tools.telemetrygen, signal, protocol, endpoint, { "x-syntra-key": key }, seconds);
  const loadEnd = performance.now();
  const agentSeconds = (loadEnd - t0) / 1000;
  const agentCpu = cpuSeconds(agentPid) - agentCpu0;
  // Rows stored while the load ran, from a third of the load (past its start) to its end, between insert completions:
  // the rate the whole path sustains, without the drain after the load.
  const steadyRate = rateBetween(inserts.marks(table), t0 + (seconds * 1000) / 3, loadEnd);
  // The agent's own count of what it accepted, as reported with a batch sent after the load ended with nothing left
  // in its buffer (its stats-only report at the next batch interval, polled at a slow pace so the bench's own API
  // calls cost the control plane little); then every one of them must be a row in the store. The whole path ends
  // when the insert that stored the last of them completed, not when the bench learned the count.
  const ended = Date.now();
  let received = 0;
  let lastReport = 0;
  for (;;) {
    const stats = await agentStats(stack);
    received = stats[statKey] - receivedBefore;
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      const stored = (await storedRows(stack, table)) - before;
      console.log(
        `  ... ${signal}${report ? "" : " (warm-up)"}: ${received} accepted by the agent, ${stored} stored, ${stats.buffered_bytes} B buffered`,
      );
    }
    if (Date.parse(stats.reported_at ?? "1970-01-01") > ended && stats.buffered_bytes === 0) break;
    if (Date.now() - ended > 1_200_000) throw new Error(`the agent's buffer did not drain\n${stack.agent.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const last = await Promise.race([
    inserts.reached(table, insertedBefore + received),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`not every accepted item was stored\n${stack.agent.output()}`)),
        600_000,
      ).unref(),
    ),
  ]);
  const wholeSeconds = (last.at - t0) / 1000;
  const own = {
    user: last.own.user - ownCpu0.user,
    system: last.own.system - ownCpu0.system,
  };
  const stored = (await storedRows(stack, table)) - before;
  if (report) {
    console.log(
      `\n  control plane CPU by thread, ${signal} phase over ${PROTOCOL_NAMES[protocol]} (${stored} rows, until the last was stored):`,
    );
    for (const l of formatThreadCpu(threads0, last.threads, stored)) console.log(l);
    for (const l of gc?.stop() ?? []) console.log(l);
    await printIngestProfile(profile);
  }
  return {
    received,
    steadyRate,
    drainSeconds: (last.at - loadEnd) / 1000,
    agent: { items: received, seconds: agentSeconds, cpu: agentCpu, rss: rssMiB(agentPid) },
    whole: {
      items: stored,
      seconds: wholeSeconds,
      cpu: last.agent - agentCpu0 + (own.user + own.system) / 1e6,
      rss: rssMiB(agentPid) + rssMiB(process.pid),
    },
  };
}

async function agentStats(stack: Stack): Promise<ServerTelemetry> {
  const res = await stack.t.call("GET", `/api/v1/servers/${stack.serverId}/telemetry`, { as: stack.owner });
  return res.body.data as ServerTelemetry;
}

async function main(): Promise<void> {
  const tools = await ensureTools();
  console.log(
    `# ingest benchmark: ${GENERATORS} telemetrygen processes, ${SECONDS} s per phase, ${os.cpus().length} cores, agent: ${AGENT} ${AGENT_FLAGS.join(" ")} on Node ${execFileSync(AGENT_NODE, ["--version"]).toString().trim()}`,
  );
  console.log(
    `# load average before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const collector = new Map<string, PhaseFigures>();
  for (const protocol of PROTOCOLS) {
    for (const signal of ["traces", "logs"] as const) {
      for (const mode of COLLECTOR_MODES) {
        collector.set(`${protocol} ${signal} ${mode}`, await collectorPhase(tools, signal, protocol, mode));
      }
    }
  }

  // The product's heartbeat (the test stack's 1 s one has the agent query Docker every second, CPU the Collector
  // does not spend); the agent's counters come with its telemetry batches, not its heartbeats.
  const stack = await startStack(
    { SYNTRA_AGENT_HEARTBEAT_SECONDS: "30" },
    {
      agentEnv: { SYNTRA_TELEMETRY_SPAN_BUDGET: "0", SYNTRA_CONTAINER_LOGS: "false", ...AGENT_ENV },
      bundle: AGENT !== "source",
      agentNode: AGENT_NODE,
      ...(AGENT !== "bundle" && { agentNodeFlags: AGENT_FLAGS }),
    },
  );
  try {
    const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "bench" } });
    const service = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
      as: stack.owner,
      body: imageServiceBody("bench", stack.serverId),
    });
    const key = (await stack.t.call("GET", `/api/v1/services/${service.body.data.id}/ingest`, { as: stack.owner })).body
      .data.key as string;
    await waitFor(
      async () =>
        (
          await fetch(`${stack.otlp.httpUrl}/v1/traces`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-syntra-key": key },
            body: "{}",
          })
        ).status === 200,
      30_000,
      () => stack.agent.output(),
    );
    console.log(`# agent RSS before the load: ${Math.round(rssMiB(stack.agent.child.pid ?? 0))} MiB`);
    const inserts = watchInserts(stack.t.deps.telemetry, () => cpuSeconds(stack.agent.child.pid ?? 0));
    const ratios: string[] = [];
    for (const protocol of PROTOCOLS) {
      for (const [signal, what, title, item] of [
        ["traces", "spans", "spans", "span"],
        ["logs", "logs", "log records", "record"],
      ] as const) {
        const { run: peer, warmup: peerWarmup } = collector.get(`${protocol} ${signal} nop`) as PhaseFigures;
        const forwarding = collector.get(`${protocol} ${signal} forward`)?.run;
        const { run: phase, warmup } = await syntraPhase({ tools, stack, key, signal, protocol, inserts });
        console.log(`\n## ${title} (${PROTOCOL_NAMES[protocol]}, telemetrygen batches of 1000)`);
        console.log(line("OTel Collector (receiver+batch+nop)", what, peer));
        if (forwarding) console.log(line("OTel Collector forwarding (zstd OTLP)", what, forwarding));
        console.log(line("Syntra agent (receive+buffer+ship)", what, phase.agent));
        console.log(line("Syntra whole path (agent->CP->chDB)", what, phase.whole));
        console.log(
          `whole path, rows stored per second while the load ran (after a third, between inserts): ${Math.round(phase.steadyRate)}`,
        );
        console.log(
          `whole path wall time ends when the last ${item} was stored: ${phase.drainSeconds.toFixed(1)} s after the load (the agent sends its last partial batch at its next 5 s tick)`,
        );
        /** The agent's items per CPU-second over a Collector's. */
        const ratio = (agent: Figures, f: Figures) => (agent.items / agent.cpu / (f.items / f.cpu)).toFixed(2);
        const versus = (f: Figures) => ratio(phase.agent, f);
        console.log(`agent ${title} per CPU-second / Collector's: ${versus(peer)}x`);
        // The first seconds of a load: the Collector's right after its start, the agent's after the phases before.
        const cold =
          warmup && peerWarmup
            ? `agent ${perMillion(warmup)}, Collector ${perMillion(peerWarmup)}: ${ratio(warmup, peerWarmup)}x`
            : undefined;
        if (cold) console.log(`the ${WARMUP_SECONDS} s warm-up before, not counted (CPU-s per million): ${cold}`);
        console.log(`${title} accepted by the agent ${phase.received}, rows stored ${phase.whole.items}`);
        ratios.push(
          `${`${PROTOCOL_NAMES[protocol]} ${title}:`.padEnd(32)} agent ${perMillion(phase.agent)} CPU-s per million, Collector ${perMillion(peer)}: ${versus(peer)}x${forwarding ? `; forwarding Collector ${perMillion(forwarding)}: ${versus(forwarding)}x` : ""}${cold ? `; warm-up ${cold}` : ""}`,
        );
      }
    }
    console.log("\n## agent per CPU-second / Collector's");
    for (const r of ratios) console.log(r);
    console.log(
      `# load average after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await stack.close();
    if (process.env.BENCH_AGENT_OUTPUT) await fs.writeFile(process.env.BENCH_AGENT_OUTPUT, stack.agent.output());
  }
}

await main();
