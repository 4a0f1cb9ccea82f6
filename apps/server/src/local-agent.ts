import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { AGENT_STATE_FILES, BUNDLE_FILES, compareVersions, renderAgentLauncher } from "@syntra/contracts";
import { and, asc, eq } from "drizzle-orm";
import { systemWork } from "./audit/unit-of-work";
import { organizations, servers } from "./db/schema";
import type { AppDeps } from "./deps";
import { AGENT_NODE_ENV, AGENT_NODE_FLAGS, agentBundle, bundleVersion } from "./install/agent-bundle";
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
    const stateDir = path.join(deps.config.dataDir, "local-agent");
    // The local agent enrols like any other: with a one-time install token, only while it holds no valid
    // certificate (the token is only ever kept as a hash, so a fresh one is made for that).
    const enrolled = existing !== undefined && (await holdsValidCertificate(stateDir, existing.id));
    const { id, token } = existing
      ? { id: existing.id, token: enrolled ? undefined : await rotateAgentToken(deps.db, existing.id) }
      : await registerLocalServer(deps, org.id);
    const launcher = await installLocalBundle(deps);
    const { SYNTRA_TOKEN: _unused, ...env } = opts.env;
    child = spawn(launcher, [], {
      env: {
        ...env,
        SYNTRA_URL: opts.url,
        ...(token && { SYNTRA_TOKEN: token }),
        SYNTRA_SERVER_ID: id,
        SYNTRA_AGENT_STATE_DIR: stateDir,
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

/** True when the agent in `stateDir` holds a certificate for this server that is still valid for a while. */
async function holdsValidCertificate(stateDir: string, serverId: string): Promise<boolean> {
  try {
    const grant = JSON.parse(await fs.readFile(path.join(stateDir, AGENT_STATE_FILES.grant), "utf8")) as {
      server_id?: unknown;
      not_after?: unknown;
    };
    return (
      grant.server_id === serverId && typeof grant.not_after === "string" && Date.parse(grant.not_after) > Date.now()
    );
  } catch {
    return false;
  }
}

/**
 * The local agent runs from its own copy of the bundle with the launcher beside it, like an installed agent, so it
 * updates itself the same way (update_agent). The bundle built with this control plane is copied there when there
 * is none yet, or (automatic updates off) when it is newer than the copy.
 */
async function installLocalBundle(deps: AppDeps): Promise<string> {
  const dir = path.join(deps.config.dataDir, "local-agent", "bin");
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const current = path.join(dir, BUNDLE_FILES.current);
  const shipped = deps.config.agents.bundleFile ?? (await agentBundle(deps.config.dataDir));
  const installed = await fs.readFile(current, "utf8").then(
    (text) => bundleVersion(text.slice(0, 200)),
    () => null,
  );
  const offered = bundleVersion((await fs.readFile(shipped, "utf8")).slice(0, 200));
  const replace =
    installed === null ||
    (!deps.config.agents.autoUpdate && offered !== null && compareVersions(offered, installed) > 0);
  if (replace) {
    const tmp = `${current}.${process.pid}.tmp`;
    await fs.copyFile(shipped, tmp);
    await fs.rename(tmp, current);
  }
  const launcher = path.join(dir, BUNDLE_FILES.launcher);
  await fs.writeFile(`${launcher}.tmp`, renderAgentLauncher(process.execPath, AGENT_NODE_FLAGS, AGENT_NODE_ENV), {
    mode: 0o755,
  });
  await fs.rename(`${launcher}.tmp`, launcher);
  return launcher;
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
