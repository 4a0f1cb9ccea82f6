// A whole Syntra on this machine for end-to-end tests and benchmarks: the control plane on a real port, a
// real agent process, Caddy on free loopback ports, and the real Docker engine.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE_FILES, renderAgentLauncher } from "@syntra/contracts";
import { startCaddy, type TestCaddy } from "@syntra/testing/caddy";
import { eventually } from "@syntra/testing/eventually";
import { freePort } from "@syntra/testing/ports";
import dns2 from "dns2";
import Dockerode from "dockerode";
import { stopUpstreamDaemon } from "../apps/agent/src/proxy/upstream-table";
import { removeService } from "../apps/agent/src/testing/fixtures";
import { services } from "../apps/server/src/db/schema";
import { AGENT_NODE_ENV, AGENT_NODE_FLAGS, agentBundle } from "../apps/server/src/install/agent-bundle";
import { createTestApp, type TestApp } from "../apps/server/src/testing/harness";

const agentMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../apps/agent/src/main.ts");

/** A running agent process and what it printed. */
export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL, as a crash or power loss would. */
  kill(): Promise<void>;
  /** SIGTERM, as systemd would. */
  stop(): Promise<void>;
}

/** The stack: control plane, one registered server with its agent, Caddy, and an owner session. */
export interface Stack {
  t: TestApp;
  owner: { cookie: string };
  baseUrl: string;
  serverId: string;
  agentToken: string;
  /** The agent's OTLP receivers on loopback: `http://127.0.0.1:<port>` and `127.0.0.1:<port>` (gRPC). */
  otlp: { httpUrl: string; grpcAddress: string };
  caddy: TestCaddy;
  stateDir: string;
  dns: ReturnType<typeof dns2.createServer>;
  agent: AgentProcess;
  /** Starts another agent process for the same server (after a kill). */
  startAgent(): AgentProcess;
  /** With `installed`: the folder of the agent's bundles and launcher (BUNDLE_FILES), as the installer lays it out. */
  binDir: string | undefined;
  close(): Promise<void>;
}

/**
 * Brings the stack up and waits until the server is online. `bundle`: run the agent as installed (the esbuild
 * bundle on plain node, with the installed unit's node flags) rather than from source through tsx, for
 * realistic memory figures.
 */
export async function startStack(
  env: Record<string, string> = {},
  opts: {
    bundle?: boolean;
    /**
     * Node flags of the agent: with `bundle`, in place of the installed unit's AGENT_NODE_FLAGS (benchmarks compare
     * them); from the sources, more flags (a CPU profile, say).
     */
    agentNodeFlags?: readonly string[];
    /** The node that runs the agent (a benchmark runs the bundle on the Node the installer would use); this one's. */
    agentNode?: string;
    /** HTTPS with certificates from this ACME CA (e.g. testing/pebble.ts) on these ports; plain HTTP otherwise. */
    tls?: { directoryUrl: string; caRootPemPath: string; httpPort: number; httpsPort: number };
    /** More of the agent's environment (telemetry settings, say). */
    agentEnv?: Record<string, string>;
    /**
     * Run the agent as installed: this control plane's bundle with the launcher beside it, under a supervisor that
     * starts the launcher again whenever the agent exits (as systemd's Restart=always), so it can update itself.
     */
    installed?: boolean;
  } = {},
): Promise<Stack> {
  const dns = await startTestZone();
  const dnsPort = dns.addresses().udp?.port;
  const t = await createTestApp({
    // 2 s, so the stale window (three intervals) outlasts a stall of a loaded CI machine.
    SYNTRA_AGENT_HEARTBEAT_SECONDS: "2",
    SYNTRA_DNS_RESOLVER: `127.0.0.1:${dnsPort}`,
    ...env,
  });
  const port = await freePort();
  await t.app.listen({ host: "127.0.0.1", port });
  // As main.ts does: the agent enrols on the API, then connects to the mutual-TLS agent endpoint.
  await t.agentEndpoint();
  const baseUrl = `http://127.0.0.1:${port}`;
  const session = await t.signup("owner@example.com", { orgName: "Acme" });
  const owner = { cookie: session.cookie };
  const created = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "e2e" } });
  const { server_id: serverId, token: agentToken } = created.body.data as { server_id: string; token: string };
  const tls = opts.tls;
  const agentEnv = opts.agentEnv ?? {};
  // The agent loads its routes, TLS and ACME settings into this Caddy as into a server's.
  const caddy = await startCaddy(tls ? { httpPort: tls.httpPort, httpsPort: tls.httpsPort } : {});
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-e2e-agent-"));
  const agentArgs = opts.bundle
    ? [...(opts.agentNodeFlags ?? AGENT_NODE_FLAGS), await agentBundle(t.deps.config.dataDir)]
    : [...(opts.agentNodeFlags ?? []), "--import", "tsx", agentMain];
  const binDir = opts.installed ? await installAgent(await agentBundle(t.deps.config.dataDir)) : undefined;
  // Free ports, so stacks of parallel tests do not fight over 4317/4318.
  const [otlpHttpPort, otlpGrpcPort] = [await freePort(), await freePort()];
  const startAgent = () =>
    binDir
      ? superviseAgent(path.join(binDir, BUNDLE_FILES.launcher), agentEnvironment)
      : spawnAgent(agentArgs, agentEnvironment, opts.agentNode);
  const agentEnvironment: Record<string, string> = {
    // As installed, the bundle runs with the launcher's environment too.
    ...(opts.bundle && AGENT_NODE_ENV),
    SYNTRA_URL: baseUrl,
    SYNTRA_TOKEN: agentToken,
    SYNTRA_SERVER_ID: serverId,
    SYNTRA_AGENT_STATE_DIR: stateDir,
    SYNTRA_CADDY_ADMIN_URL: caddy.adminUrl,
    SYNTRA_PROXY_HTTP_PORT: String(caddy.httpPort),
    SYNTRA_PROXY_HTTPS_PORT: String(caddy.httpsPort),
    SYNTRA_PROXY_TLS: tls ? "true" : "false",
    ...(tls && {
      SYNTRA_ACME_DIRECTORY_URL: tls.directoryUrl,
      SYNTRA_ACME_CA_ROOT: tls.caRootPemPath,
      SYNTRA_CERT_CHECK_SECONDS: "1",
    }),
    SYNTRA_AGENT_MAX_BACKOFF_SECONDS: "1",
    // Loopback only: the TLS test's unreachable challenge address (127.0.0.9) must find nothing listening.
    SYNTRA_PROXY_LISTEN_HOST: "127.0.0.1",
    SYNTRA_OTLP_HTTP_PORT: String(otlpHttpPort),
    SYNTRA_OTLP_GRPC_PORT: String(otlpGrpcPort),
    ...agentEnv,
  };
  const stack: Stack = {
    t,
    owner,
    baseUrl,
    serverId,
    agentToken,
    otlp: { httpUrl: `http://127.0.0.1:${otlpHttpPort}`, grpcAddress: `127.0.0.1:${otlpGrpcPort}` },
    caddy,
    stateDir,
    dns,
    agent: startAgent(),
    startAgent,
    binDir,
    close: async () => {
      const serviceIds = await stackServiceIds(t);
      await stack.agent.stop();
      // The agent leaves its upstream DNS daemon running for Caddy, as on a server; the test's Caddy goes too.
      await stopUpstreamDaemon(path.join(stateDir, "caddy"));
      // What the agent ran for this stack, so runs do not pile up running containers. Project networks stay:
      // another stack may be about to use one of the same name; scripts/test.sh prunes unused ones.
      const docker = new Dockerode();
      for (const serviceId of serviceIds) await removeService(docker, serviceId);
      await caddy.stop();
      await dns.close();
      await t.close();
      await fs.rm(stateDir, { recursive: true, force: true });
      if (binDir) await fs.rm(binDir, { recursive: true, force: true });
    },
  };
  await eventually(async () => (await serverStatus(stack)) === "online", {
    timeoutMs: 30_000,
    diagnostic: () => stack.agent.output(),
  });
  return stack;
}

/** The services of the stack's control plane. */
async function stackServiceIds(t: TestApp): Promise<string[]> {
  return (await t.deps.db.select({ id: services.id }).from(services)).map((r) => r.id);
}

export function spawnAgent(args: string[], env: Record<string, string>, node = process.execPath): AgentProcess {
  let out = "";
  const child = spawn(node, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, output: () => out, kill: () => end("SIGKILL"), stop: () => end("SIGTERM") };
}

/** Lays out an installed agent in a new folder: `bundle` as the current one, and the launcher for this node. */
async function installAgent(bundle: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-e2e-agent-bin-"));
  await fs.copyFile(bundle, path.join(dir, BUNDLE_FILES.current));
  await fs.writeFile(
    path.join(dir, BUNDLE_FILES.launcher),
    renderAgentLauncher(process.execPath, AGENT_NODE_FLAGS, AGENT_NODE_ENV),
    {
      mode: 0o755,
    },
  );
  return dir;
}

/**
 * The agent's launcher under a supervisor that starts it again whenever the agent exits, as systemd does with the
 * installed unit (Restart=always): how a self-update restarts into its new bundle, and a failed trial goes back.
 * `child` is the process running now; `output` is what all of them printed.
 */
export function superviseAgent(launcher: string, env: Record<string, string>): AgentProcess & { starts(): number } {
  let out = "";
  let starts = 0;
  let stopping = false;
  let current: ChildProcess;
  let exited: Promise<void>;
  const start = () => {
    starts++;
    current = spawn(launcher, [], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    current.stdout?.on("data", (d) => {
      out += d;
    });
    current.stderr?.on("data", (d) => {
      out += d;
    });
    exited = new Promise<void>((resolve) =>
      current.once("exit", (code, signal) => {
        out += `\n[supervisor] agent exited (${signal ?? code})\n`;
        // systemd's RestartSec, so an agent that cannot start does not spin.
        if (!stopping) restart = setTimeout(start, 250);
        resolve();
      }),
    );
  };
  let restart: NodeJS.Timeout | undefined;
  start();
  const end = async (signal: NodeJS.Signals) => {
    stopping = true;
    clearTimeout(restart);
    if (current.exitCode === null && current.signalCode === null) current.kill(signal);
    await exited;
  };
  return {
    get child() {
      return current;
    },
    output: () => out,
    starts: () => starts,
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
}

/** The server's status as the API reports it. */
export async function serverStatus(stack: Stack): Promise<string> {
  const res = await stack.t.call("GET", `/api/v1/servers/${stack.serverId}`, { as: stack.owner });
  return res.body.data.status;
}

/**
 * The user's DNS provider for the tests: every name under .e2e.test is a CNAME to this machine's hostname,
 * which is what the agent reports as the server's hostname, so Syntra's DNS check verifies them.
 */
export async function startTestZone(): Promise<ReturnType<typeof dns2.createServer>> {
  const { Packet } = dns2;
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = (question?.name ?? "").toLowerCase();
      if (question && question.type === Packet.TYPE.CNAME && name.endsWith(".e2e.test")) {
        (response.answers as unknown as object[]).push({
          name,
          type: Packet.TYPE.CNAME,
          class: Packet.CLASS.IN,
          ttl: 60,
          domain: os.hostname(),
        });
      }
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  return server;
}

/** Creates a project and a service on the stack's server, routed on `domain` (verified) with an HTTP health check. */
export async function createRoutedService(
  stack: Stack,
  name: string,
  domain: string,
  fields: Record<string, unknown>,
): Promise<string> {
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: `p-${name}` } });
  const service = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: stack.owner,
    body: {
      name,
      server_id: stack.serverId,
      port: 8080,
      domains: [domain],
      health_check: { type: "http", path: "/healthz", interval_seconds: 1, timeout_seconds: 2, retries: 2 },
      ...fields,
    },
  });
  if (service.status !== 201) throw new Error(`service create failed: ${JSON.stringify(service.body)}`);
  // Routed only once its DNS points here: the test zone has the record, so verifying succeeds.
  const verify = await stack.t.call("POST", `/api/v1/services/${service.body.data.id}/domains/${domain}/verify`, {
    as: stack.owner,
  });
  if (verify.body.data?.status !== "verified") throw new Error(`domain not verified: ${JSON.stringify(verify.body)}`);
  return service.body.data.id;
}

/** Creates a project and an image service routed on `domain` with an HTTP health check. */
export function createWebService(stack: Stack, name: string, domain: string, replicas = 2): Promise<string> {
  return createRoutedService(stack, name, domain, {
    source_type: "image",
    source_config: { image: "syntra-test/webapp", tag: "v1" },
    replicas,
    env_vars: { GREETING: "hello" },
  });
}

/** Creates a project and a service built from the Dockerfile of a git repository's main branch, routed on `domain`. */
export function createGitService(stack: Stack, name: string, domain: string, repoUrl: string): Promise<string> {
  return createRoutedService(stack, name, domain, {
    source_type: "dockerfile",
    source_config: { repo_url: repoUrl, branch: "main" },
    replicas: 1,
  });
}

/** Deploys a tag and waits for the deployment to finish; returns the final deployment. */
export async function deployAndWait(
  stack: Stack,
  serviceId: string,
  body: Record<string, unknown>,
  timeoutMs = 60_000,
): Promise<{ id: string; status: string; error_message: string | null }> {
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: stack.owner, body });
  if (res.status !== 201) throw new Error(`deploy failed to start: ${res.status} ${JSON.stringify(res.body)}`);
  return waitDeployment(stack, res.body.data.id, timeoutMs);
}

/** Waits until a deployment leaves queued/deploying. */
export async function waitDeployment(
  stack: Stack,
  deploymentId: string,
  timeoutMs = 60_000,
): Promise<{ id: string; status: string; error_message: string | null }> {
  let last: { id: string; status: string; error_message: string | null } | undefined;
  await eventually(
    async () => {
      const res = await stack.t.call("GET", `/api/v1/deployments/${deploymentId}`, { as: stack.owner });
      last = res.body.data;
      return last !== undefined && !["queued", "building", "pushing", "deploying"].includes(last.status);
    },
    { timeoutMs: timeoutMs, diagnostic: () => `deployment: ${JSON.stringify(last)}\nagent:\n${stack.agent.output()}` },
  );
  if (!last) throw new Error("no deployment");
  return last;
}
