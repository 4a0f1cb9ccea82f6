import {
  AGENT_ENDPOINT_PATHS,
  type AgentHelloPayload,
  type AgentUpdateOutcome,
  compareVersions,
  type UpdateAgentPayload,
} from "@syntra/contracts";
import { and, eq, isNull, lt, ne, or } from "drizzle-orm";
import { servers } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import type { RecordedHello } from "./agent-servers";

/** The capability an agent names in agent_hello when it can replace itself (an installed bundle with its launcher). */
export const SELF_UPDATE_CAPABILITY = "self_update";

type Deps = Pick<AppDeps, "agents" | "db" | "config" | "logger" | "now">;

/** The update_agent an agent should run to become the bundle this control plane hands out (no request id yet). */
export function updateCommand(deps: Deps): Omit<UpdateAgentPayload, "request_id"> | null {
  const endpoint = deps.agents.endpoint;
  const release = endpoint?.release;
  if (!endpoint || !release) return null;
  const base = endpoint.url.replace(/^wss:/, "https:");
  return {
    version: release.version,
    download_url: `${base}${AGENT_ENDPOINT_PATHS.bundle(release.version)}`,
    sha256: release.sha256,
    signature: release.signature,
    confirm_timeout_seconds: deps.config.agents.updateTimeoutSeconds,
  };
}

async function recordUpdate(
  deps: Deps,
  serverId: string,
  version: string,
  state: "pending" | "succeeded" | "failed",
  message: string | null,
): Promise<void> {
  const at = deps.now();
  await deps.db
    .update(servers)
    .set({ agentUpdateVersion: version, agentUpdateState: state, agentUpdateMessage: message, agentUpdateAt: at })
    .where(eq(servers.id, serverId));
}

/** How long the control plane waits for an agent to stage an update: downloading and checking a few MB. */
const answerTimeoutMs = (deps: Deps) => Math.max(60_000, deps.config.agents.commandTimeoutSeconds * 1000);

/**
 * Marks an update of the server's agent pending, unless one is already under way: pending since less than the time
 * an agent has to stage the bundle and then connect as the new version. One conditional UPDATE, so that a dashboard
 * request and an automatic update racing each other send one update_agent, not two (the second would wait for an
 * answer from an agent that is restarting; it used to end in a 504 after a minute).
 */
async function claimUpdate(deps: Deps, serverId: string, version: string, timeoutMs: number): Promise<boolean> {
  const at = deps.now();
  const stale = new Date(at.getTime() - timeoutMs - deps.config.agents.updateTimeoutSeconds * 1000);
  const claimed = await deps.db
    .update(servers)
    .set({ agentUpdateVersion: version, agentUpdateState: "pending", agentUpdateMessage: null, agentUpdateAt: at })
    .where(
      and(
        eq(servers.id, serverId),
        or(isNull(servers.agentUpdateState), ne(servers.agentUpdateState, "pending"), lt(servers.agentUpdateAt, stale)),
      ),
    )
    .returning({ id: servers.id });
  return claimed.length > 0;
}

/**
 * Tells a connected agent to update itself to the bundle this control plane hands out. Resolves once the agent has
 * checked and staged the bundle (it restarts into it right after); the outcome is known when it says hello again.
 */
export async function updateAgent(deps: Deps, serverId: string): Promise<AgentUpdateOutcome> {
  const command = updateCommand(deps);
  if (!command) throw new AppError("NOT_SUPPORTED", "This control plane has no agent bundle to hand out");
  const hello = deps.agents.agentHello(serverId);
  const base = { server_id: serverId, to_version: command.version, from_version: hello?.version ?? null };
  if (!hello) return { ...base, outcome: "offline", message: "The agent is not connected; it updates when it is" };
  if (compareVersions(hello.version, command.version) >= 0) {
    return { ...base, outcome: "up_to_date", message: `The agent runs ${hello.version} already` };
  }
  if (!hello.capabilities.includes(SELF_UPDATE_CAPABILITY)) {
    return {
      ...base,
      outcome: "not_supported",
      message: `Agent ${hello.version} cannot update itself: run the install command on the server again`,
    };
  }
  const timeoutMs = answerTimeoutMs(deps);
  if (!(await claimUpdate(deps, serverId, command.version, timeoutMs))) {
    throw new AppError(
      "UPDATE_IN_PROGRESS",
      "An update of this agent is already under way; its outcome shows once the agent connects again",
    );
  }
  const answer = await deps.agents.send(serverId, "update_agent", command, { timeoutMs });
  if (!answer.success) {
    const message = answer.error?.message ?? "the agent refused the update";
    const code = answer.error?.code;
    // The agent is busy with an update already (sent before this control plane restarted, say): it stays pending.
    if (code !== "UPDATE_IN_PROGRESS") await recordUpdate(deps, serverId, command.version, "failed", message);
    const known = ["UPDATE_VERIFICATION_FAILED", "NOT_SUPPORTED", "TIMEOUT", "UPDATE_IN_PROGRESS"] as const;
    throw new AppError(known.find((k) => k === code) ?? "UPDATE_FAILED", message);
  }
  deps.logger.info({ server_id: serverId, from: hello.version, to: command.version }, "agent updating itself");
  return { ...base, outcome: "started", message: `Updating from ${hello.version} to ${command.version}` };
}

/**
 * On every accepted hello: settles a pending update (the agent came back as the new version, or as the old one with
 * the reason in `update_result`), then, with automatic updates on, moves an older agent to this control plane's
 * version. A version that failed on a server is not tried again by itself (the dashboard can).
 */
export async function onAgentHello(
  deps: Deps,
  serverId: string,
  hello: AgentHelloPayload,
  /** The update state the hello's own write read (absent: looked up here). */
  lastUpdate?: RecordedHello,
): Promise<void> {
  const [row] = lastUpdate
    ? [{ version: lastUpdate.agentUpdateVersion, state: lastUpdate.agentUpdateState }]
    : await deps.db
        .select({ version: servers.agentUpdateVersion, state: servers.agentUpdateState })
        .from(servers)
        .where(eq(servers.id, serverId))
        .limit(1);
  if (row?.version && row.state) await settleUpdate(deps, serverId, { version: row.version, state: row.state }, hello);
  const command = updateCommand(deps);
  if (!deps.config.agents.autoUpdate || !command) return;
  if (compareVersions(hello.version, command.version) >= 0) return;
  if (!hello.capabilities.includes(SELF_UPDATE_CAPABILITY)) return;
  const [failed] = await deps.db
    .select({ id: servers.id })
    .from(servers)
    .where(
      and(
        eq(servers.id, serverId),
        eq(servers.agentUpdateVersion, command.version),
        eq(servers.agentUpdateState, "failed"),
      ),
    )
    .limit(1);
  if (failed) return;
  await updateAgent(deps, serverId).catch((err: unknown) =>
    deps.logger.warn({ err, server_id: serverId }, "automatic agent update failed"),
  );
}

/**
 * What a hello says about the server's last update. Back as its version: it succeeded (also when it was reported
 * failed first: the connection dropped before the agent answered, say). Back as another version while it was
 * pending, or with the agent reporting it rolled back (a trial that crashed after its hello was accepted but before
 * it made itself current): it failed, with the agent's reason.
 */
async function settleUpdate(
  deps: Deps,
  serverId: string,
  last: { version: string; state: "pending" | "succeeded" | "failed" },
  hello: AgentHelloPayload,
): Promise<void> {
  if (hello.version === last.version) {
    if (last.state === "succeeded") return;
    await recordUpdate(deps, serverId, last.version, "succeeded", null);
    deps.logger.info({ server_id: serverId, version: hello.version }, "agent updated");
    return;
  }
  const reported = hello.update_result?.version === last.version ? hello.update_result : undefined;
  if (last.state !== "pending" && !(reported && last.state === "succeeded")) return;
  const reason = reported?.message ?? `the agent came back as ${hello.version}`;
  await recordUpdate(deps, serverId, last.version, "failed", reason);
  deps.logger.warn({ server_id: serverId, version: last.version, reason }, "agent update failed");
}

/** For a hello refused as too old: the update to run, when the agent can update itself. */
export async function updateForTooOldAgent(
  deps: Deps,
  serverId: string,
  hello: AgentHelloPayload,
): Promise<UpdateAgentPayload | undefined> {
  const command = updateCommand(deps);
  if (!command || !hello.capabilities.includes(SELF_UPDATE_CAPABILITY)) return undefined;
  await recordUpdate(deps, serverId, command.version, "pending", `agent ${hello.version} is too old`);
  return { ...command, request_id: crypto.randomUUID() };
}

/** Updates every connected agent of the organization that is older than the bundle handed out. */
export async function updateAllAgents(deps: Deps, orgId: string): Promise<AgentUpdateOutcome[]> {
  const rows = await deps.db.select({ id: servers.id }).from(servers).where(eq(servers.orgId, orgId));
  const outcomes: AgentUpdateOutcome[] = [];
  for (const { id } of rows) {
    outcomes.push(
      await updateAgent(deps, id).catch((err: unknown) => ({
        server_id: id,
        outcome: err instanceof AppError && err.code === "UPDATE_IN_PROGRESS" ? "in_progress" : "not_supported",
        from_version: deps.agents.agentHello(id)?.version ?? null,
        to_version: updateCommand(deps)?.version ?? "",
        message: err instanceof Error ? err.message : String(err),
      })),
    );
  }
  return outcomes;
}

/**
 * Hub handler of an accepted hello: settles the agent's last update and starts one when it is older (in the
 * background: the hello must not wait for the bundle to be staged).
 */
export async function startUpdateOnAgentHello(
  deps: Deps,
  event: { serverId: string; hello: AgentHelloPayload; lastUpdate?: RecordedHello },
): Promise<void> {
  void deps.agents
    .track(onAgentHello(deps, event.serverId, event.hello, event.lastUpdate))
    .catch((err: unknown) => deps.logger.warn({ err, server_id: event.serverId }, "agent update bookkeeping failed"));
}
