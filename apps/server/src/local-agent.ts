import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { and, asc, eq } from "drizzle-orm";
import { systemWork } from "./audit/unit-of-work";
import { organizations, servers } from "./db/schema";
import type { AppDeps } from "./deps";
import { AGENT_NODE_FLAGS, agentBundle } from "./install/agent-bundle";
import { createServer, rotateAgentToken } from "./servers/servers";

const LOCAL_NAME = "local";
const RETRY_MS = 2000;

/** The agent `npm start` runs for this machine, supervised: restarted when it exits, stopped with us. */
export interface LocalAgent {
  stop(): Promise<void>;
}

/**
 * Like Coolify and Dokploy, a control plane on a machine with Docker also manages that machine: once the first
 * organization exists, a server named "local" is registered in it and an agent (the same bundle the installer
 * downloads) is started for it. Without Docker it says so and does nothing.
 */
export async function startLocalAgent(
  deps: AppDeps,
  opts: { url: string; env: NodeJS.ProcessEnv },
): Promise<LocalAgent | null> {
  const socket = deps.config.localAgent.dockerSocket;
  if (!(await dockerAnswers(socket))) {
    deps.logger.info(
      { docker_socket: socket },
      "no Docker engine here: the control plane runs alone; add servers with their install command",
    );
    return null;
  }
  let stopping = false;
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;

  const launch = async (): Promise<void> => {
    if (stopping) return;
    const [org] = await deps.db
      .select({ id: organizations.id })
      .from(organizations)
      .orderBy(asc(organizations.createdAt))
      .limit(1);
    if (!org) {
      // Nobody has signed up yet: the local server joins the first organization once it exists.
      timer = setTimeout(() => void launch().catch(report), RETRY_MS);
      return;
    }
    const [existing] = await deps.db
      .select({ id: servers.id })
      .from(servers)
      .where(and(eq(servers.orgId, org.id), eq(servers.name, LOCAL_NAME)))
      .limit(1);
    // The token is only ever kept as a hash, so the local agent gets a fresh one at each start.
    const { id, token } = existing
      ? { id: existing.id, token: await rotateAgentToken(deps.db, existing.id) }
      : await registerLocalServer(deps, org.id);
    const bundle = await agentBundle(deps.config.dataDir);
    child = spawn(process.execPath, [...AGENT_NODE_FLAGS, bundle], {
      env: {
        ...opts.env,
        SYNTRA_URL: opts.url,
        SYNTRA_TOKEN: token,
        SYNTRA_SERVER_ID: id,
        SYNTRA_AGENT_STATE_DIR: path.join(deps.config.dataDir, "local-agent"),
        DOCKER_SOCKET: socket,
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    deps.logger.info({ server_id: id, pid: child.pid }, "local agent started for this machine");
    child.once("exit", (code, signal) => {
      if (stopping) return;
      deps.logger.warn({ code, signal }, "local agent exited; restarting it");
      timer = setTimeout(() => void launch().catch(report), RETRY_MS);
    });
  };
  const report = (err: unknown) => deps.logger.error({ err }, "could not start the local agent");
  await launch().catch(report);

  return {
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
      running.kill("SIGTERM");
      const killer = setTimeout(() => running.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Registers this machine as the organization's server "local", audited as Syntra's local-agent supervisor. */
async function registerLocalServer(deps: AppDeps, orgId: string): Promise<{ id: string; token: string }> {
  const change = systemWork(deps.db, "local-agent", { action: "server.create", resourceType: "server" });
  return change(async (tx, audit) => {
    const { row, token } = await createServer(tx, orgId, { name: LOCAL_NAME, tags: ["local"] });
    audit({ orgId, resourceId: row.id, details: { name: row.name } });
    return { id: row.id, token };
  });
}

function dockerAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: "/_ping", timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
  });
}
