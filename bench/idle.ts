// Idle benchmark: the whole product as `npm start` runs it on its embedded defaults — the compiled control plane
// (with PGlite), the local agent it supervises and the Caddy and dnsmasq that agent runs — with one signed-up
// organization and one running, routed service, left alone. The window starts at the agent's first heartbeat after
// the deploy (so the deploy itself is not in it); each process's memory is sampled once a second (RSS mean, lowest
// and highest) with its CPU over the window, and the agent's memory is broken down at the end: the node binary's
// pages, V8's heap by space (from the "agent memory" line it logs at debug level each heartbeat), the C library's
// heap. Also prints how many docker-proxy processes serve the app.
// Run: npm run bench:idle  (needs Docker, Caddy and dnsmasq: bash scripts/services/{docker,caddy,dnsmasq}.sh start)
// BENCH_IDLE_SECONDS sets the window (default 60); BENCH_IDLE_RUNS repeats the whole run (a fresh control plane
// and agent each time, default 1) and ends with the agent's figure across runs: on a shared machine one run's
// figure moves by several MB with when V8 last collected garbage.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eventually } from "@syntra/testing/eventually";
import { ensureTestImages } from "@syntra/testing/images";
import { freePorts } from "@syntra/testing/ports";
import { descendants } from "@syntra/testing/process-tree";
import { get } from "@syntra/testing/traffic";
import Dockerode from "dockerode";
import type { ProcessMemory } from "../apps/agent/src/host/process-memory";
import { stopUpstreamDaemon } from "../apps/agent/src/proxy/upstream-table";
import { removeService } from "../apps/agent/src/testing/fixtures";
import { startTestZone } from "../e2e/stack";
import { ensureServerBuild, serverMain } from "../scripts/build-server";
import { dockerProxiesFor, memoryMap, processesUsage, type Usage } from "./process-usage";

const WINDOW_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const RUNS = Number(process.env.BENCH_IDLE_RUNS ?? 1);
const DOMAIN = "idle.e2e.test";

/** A JSON API call with the session cookie. */
async function api(base: string, cookie: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data?: Record<string, unknown> & { id?: string } };
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json.data ?? {};
}

/** Signs up, waits for the local server, deploys the test web app on it with a verified domain. */
async function oneRunningService(base: string, output: () => string): Promise<string> {
  const signup = await fetch(`${base}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "idle@example.com", password: "a-long-password", org_name: "Idle" }),
  });
  if (signup.status !== 201) throw new Error(`sign-up answered ${signup.status}`);
  const cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const local = await eventually(
    async () => {
      const list = (await (await fetch(`${base}/api/v1/servers`, { headers: { cookie } })).json()) as {
        data: { id: string; name: string; status: string }[];
      };
      return list.data.find((s) => s.name === "local" && s.status === "online");
    },
    { what: "the local server online", timeoutMs: 60_000, diagnostic: output },
  );
  const project = await api(base, cookie, "POST", "/api/v1/projects", { name: "Idle" });
  const service = await api(base, cookie, "POST", `/api/v1/projects/${project.id}/services`, {
    name: "web",
    server_id: local.id,
    source_type: "image",
    source_config: { image: "syntra-test/webapp", tag: "v1" },
    port: 8080,
    domains: [DOMAIN],
    health_check: { type: "http", path: "/healthz" },
  });
  await api(base, cookie, "POST", `/api/v1/services/${service.id}/domains/${DOMAIN}/verify`);
  const deployment = await api(base, cookie, "POST", `/api/v1/services/${service.id}/deploy`, {});
  await eventually(
    async () => {
      const d = await api(base, cookie, "GET", `/api/v1/deployments/${deployment.id}`);
      if (d.status === "failed" || d.status === "rolled_back") throw new Error(`deployment ${d.status}`);
      return d.status === "running";
    },
    { what: "the deployment running", timeoutMs: 120_000, diagnostic: output },
  );
  return String(service.id);
}

function row(name: string, u: Usage | undefined, note = ""): string {
  if (!u) return `${name.padEnd(36)} ${note || "not running"}`;
  const rss = `${u.rssMeanMb.toFixed(1)} MB (${u.rssMinMb.toFixed(1)}-${u.rssMaxMb.toFixed(1)})`;
  return `${name.padEnd(36)} ${rss.padEnd(24)} ${u.anonMb.toFixed(1).padStart(6)} MB   ${u.cpuPercent.toFixed(2).padStart(5)} %${note}`;
}

/** The "agent memory" lines the local agent logged (debug level, one per heartbeat) in the control plane's output. */
function agentMemoryLines(out: string): ProcessMemory[] {
  const found: ProcessMemory[] = [];
  for (const line of out.split("\n")) {
    if (!line.includes('"agent memory"')) continue;
    try {
      found.push((JSON.parse(line) as { memory: ProcessMemory }).memory);
    } catch {
      // A line cut by the pipe's chunking is read whole from a later output.
    }
  }
  return found;
}

const mb = (bytes: number | undefined) => ((bytes ?? 0) / 1024 / 1024).toFixed(1);

/** One run: a fresh product, deployed, measured over the window. Returns the agent's figure. */
async function run(): Promise<Usage | undefined> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-bench-idle-"));
  const [port = 0, httpPort = 0, httpsPort = 0, adminPort = 0, agentPort = 0, otlpGrpc = 0, otlpHttp = 0] =
    await freePorts(7);
  const zone = await startTestZone();
  const base = `http://127.0.0.1:${port}`;
  let out = "";
  const server: ChildProcess = spawn(process.execPath, [serverMain], {
    env: {
      ...process.env,
      SYNTRA_DATA_DIR: path.join(dataDir, "data"),
      SYNTRA_PORT: String(port),
      // Free ports, not the defaults (7443, 4317, 4318): another checkout's benchmark may be running beside this one.
      SYNTRA_AGENT_TLS_PORT: String(agentPort),
      SYNTRA_OTLP_GRPC_PORT: String(otlpGrpc),
      SYNTRA_OTLP_HTTP_PORT: String(otlpHttp),
      SYNTRA_PROXY_HTTP_PORT: String(httpPort),
      SYNTRA_PROXY_HTTPS_PORT: String(httpsPort),
      SYNTRA_CADDY_ADMIN_URL: `http://127.0.0.1:${adminPort}`,
      SYNTRA_PROXY_TLS: "false",
      // The test zone says idle.e2e.test points at this machine, so the domain verifies and is routed.
      SYNTRA_DNS_RESOLVER: `127.0.0.1:${zone.addresses().udp?.port}`,
      SYNTRA_LOG_LEVEL: "warn",
      // The agent logs nothing else at debug level: its memory line each heartbeat is all this adds.
      SYNTRA_AGENT_LOG_LEVEL: "debug",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d) => {
    out += d;
  });
  server.stderr?.on("data", (d) => {
    out += d;
  });
  const output = () => out.slice(-4000);
  let serviceId: string | undefined;
  try {
    await eventually(async () => (await fetch(`${base}/healthz`)).ok, {
      what: "the control plane",
      timeoutMs: 60_000,
      diagnostic: output,
    });
    serviceId = await oneRunningService(base, output);
    const answer = await eventually(async () => (await get(httpPort, DOMAIN)).body.trim() === "v1" || undefined, {
      what: "the service answering through Caddy",
    });
    if (!answer) throw new Error("the service does not answer");
    // The window starts at the agent's next heartbeat: the deploy's work is over, the agent is in its idle cycle.
    const beatsBefore = agentMemoryLines(out).length;
    await eventually(() => agentMemoryLines(out).length > beatsBefore, {
      what: "the agent's next heartbeat after the deploy",
      timeoutMs: 90_000,
      diagnostic: output,
    });
    const tree = await descendants(server.pid ?? 0);
    const agent = tree.find((p) => p.argv.some((a) => a.endsWith("syntra-agent.cjs")));
    const caddy = tree.find((p) => p.argv[0]?.endsWith("caddy"));
    const dnsmasq = tree.find((p) => p.argv[0]?.endsWith("dnsmasq"));
    const [container] = await new Dockerode().listContainers({
      filters: { label: [`dev.syntra.service_id=${serviceId}`] },
    });
    // On a shared machine other checkouts' containers are on the engine too; the agent follows only its own
    // services' (it used to follow every one with Syntra's label, which added to its figure).
    const managed = await new Dockerode().listContainers({ filters: { label: ["dev.syntra.managed=true"] } });
    const app = container ? await new Dockerode().getContainer(container.Id).inspect() : undefined;
    const appPid = app?.State.Pid;
    const appIps = Object.values(app?.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress);
    const proxies = await dockerProxiesFor(appIps);
    const compilers = tree.filter((p) => p.argv.some((a) => /esbuild|tsx/.test(a)));
    const pids: Record<string, number> = { controlPlane: server.pid ?? 0 };
    if (agent) pids.agent = agent.pid;
    if (caddy) pids.caddy = caddy.pid;
    if (dnsmasq) pids.dnsmasq = dnsmasq.pid;
    if (appPid) pids.app = appPid;
    const loadBefore = os.loadavg();
    const firstBeat = agentMemoryLines(out).length - 1;
    const usage = await processesUsage(pids, WINDOW_SECONDS * 1000);
    const map = agent ? await memoryMap(agent.pid) : null;
    const beats = agentMemoryLines(out).slice(firstBeat);
    const heap = beats.at(-1);

    const total = ["controlPlane", "agent", "caddy", "dnsmasq"].reduce((sum, k) => sum + (usage[k]?.rssMeanMb ?? 0), 0);
    console.log(
      `Syntra at idle (${os.cpus().length} cores, Node ${process.versions.node}, embedded defaults: PGlite, ` +
        `local agent, Caddy, dnsmasq; 1 organization, 1 running service; ${WINDOW_SECONDS} s from the agent's ` +
        "first heartbeat after the deploy, 30 s heartbeat)",
    );
    console.log(
      `${"process".padEnd(36)} ${"RSS mean (min-max)".padEnd(24)} ${"own".padStart(9)}   ${"CPU".padStart(7)}`,
    );
    console.log(row("control plane (node dist/main.js)", usage.controlPlane));
    console.log(
      row(
        "  telemetry store (chDB)",
        undefined,
        "in the control plane's figure; what it adds: npm run bench:telemetry",
      ),
    );
    console.log(row("local agent (node syntra-agent.cjs)", usage.agent));
    console.log(row("Caddy", usage.caddy));
    console.log(row("upstream DNS (dnsmasq)", usage.dnsmasq));
    console.log(`${"Syntra in all".padEnd(36)} ${total.toFixed(1)} MB`);
    console.log(row("the service (busybox httpd, yours)", usage.app));
    if (map) {
      console.log(
        `the agent at the end: RSS ${map.rssMb.toFixed(1)} MB = file pages ${map.fileMb.toFixed(1)} MB (the node ` +
          `binary's ${map.executableMb.toFixed(1)} MB, shared with the control plane) + its own ` +
          `${map.anonMb.toFixed(1)} MB (C library heap ${map.mallocHeapMb.toFixed(1)} MB)`,
      );
    }
    if (heap) {
      const spaces = Object.entries(heap.spaces)
        .map(([name, bytes]) => `${name} ${mb(bytes)}`)
        .join(", ");
      console.log(
        `the agent's V8 heap at its last heartbeat: ${mb(heap.heap_total)} MB (${spaces}), ${mb(heap.heap_used)} MB ` +
          `used (live objects and garbage not yet collected); outside it ${mb(heap.external)} MB external ` +
          `(${mb(heap.array_buffers)} MB array buffers); heap used at each heartbeat in the window: ` +
          `${beats.map((b) => mb(b.heap_used)).join(", ")} MB`,
      );
    }
    console.log(
      `docker-proxy processes serving the service: ${proxies.length} (${proxies.map((p) => `${p.rssMb.toFixed(1)} MB`).join(", ") || "Caddy reaches the container at its network address"})`,
    );
    console.log(
      `compiler processes in the tree: ${compilers.length === 0 ? "none" : compilers.map((c) => c.argv.join(" ")).join("; ")}`,
    );
    console.log(
      `containers with Syntra's label on this Docker engine: ${managed.length} (the agent follows only its own service's: 1)`,
    );
    const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
    console.log(`machine load average: ${load(loadBefore)} at the start, ${load(os.loadavg())} at the end`);
    console.log("(own: resident memory not shared with other processes, such as heap and JIT code, at the end)");
    return usage.agent;
  } finally {
    // A control plane that already exited (it could not start) is not waited for: its exit event has passed.
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
    }
    // The service's container outlives the control plane and its agent (as on a server): the benchmark removes it.
    if (serviceId) await removeService(new Dockerode(), serviceId);
    // The agent's Caddy and dnsmasq keep serving across agent restarts by design; the benchmark ends them.
    await fetch(`http://127.0.0.1:${adminPort}/stop`, { method: "POST" }).catch(() => undefined);
    await stopUpstreamDaemon(path.join(dataDir, "data", "local-agent", "caddy"));
    await zone.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await Promise.all([ensureServerBuild(), ensureTestImages("v1")]);
  const agent: Usage[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (RUNS > 1) console.log(`\n== run ${i + 1} of ${RUNS}`);
    const figure = await run();
    if (figure) agent.push(figure);
  }
  if (agent.length > 1) {
    const means = agent.map((u) => u.rssMeanMb);
    const mean = means.reduce((a, b) => a + b, 0) / means.length;
    console.log(
      `\nthe agent over ${agent.length} runs: RSS mean ${mean.toFixed(1)} MB (runs: ${means.map((m) => m.toFixed(1)).join(", ")}; ` +
        `spread ${(Math.max(...means) - Math.min(...means)).toFixed(1)} MB), highest sample ` +
        `${Math.max(...agent.map((u) => u.rssMaxMb)).toFixed(1)} MB`,
    );
  }
}

await main();
