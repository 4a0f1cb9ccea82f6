import { randomUUID } from "node:crypto";
import type {
  DeploymentStatus as AgentDeployStatus,
  DeployLogEntry,
  DeploymentRecordStatus,
  DeployPayload,
  DeployStatusPayload,
  ErrorCode,
} from "@syntra/contracts";
import { and, asc, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { HubEvents } from "../agents/hub-events";
import { deployments, projects, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { desiredRouting } from "../domains/desired-routes";
import { AppError } from "../errors";
import { publishDeploymentChange } from "../live/publish";
import { pullAuth } from "../registry/handed-credentials";
import { openEnv } from "../services/env-vars";
import { buildDeployPayload, DEPLOY_TIMEOUT_SECONDS } from "./payload";

type DeploymentRow = typeof deployments.$inferSelect;

/** Reconciliation waits this long past a deployment's own timeout before settling it. */
const RECONCILE_GRACE_MS = 60_000;
/** deploy_log keeps at most this many entries per deployment. */
const DEPLOY_LOG_MAX = 500;

const IN_PROGRESS: ReadonlySet<AgentDeployStatus> = new Set([
  "pending",
  "pulling",
  "creating",
  "starting",
  "health_checking",
]);

/**
 * The row status an agent report moves a deployment to, or null to keep it. Progress only moves queued or
 * deploying rows; outcomes are the agent's word and always apply, except to cancelled rows and except that
 * a rollback is not overwritten by the failure that caused it.
 */
export function nextStatus(
  row: DeploymentRecordStatus,
  agent: AgentDeployStatus,
): "deploying" | "running" | "failed" | "rolled_back" | null {
  if (row === "cancelled") return null;
  if (IN_PROGRESS.has(agent)) return row === "queued" || row === "deploying" ? "deploying" : null;
  if (agent === "failed" && row === "rolled_back") return null;
  const outcome = agent === "running" ? "running" : agent === "failed" ? "failed" : "rolled_back";
  return outcome === row ? null : outcome;
}

/** Appends one entry to a deployment's deploy_log, in SQL so concurrent writers cannot lose each other's. */
const appendLog = (entry: DeployLogEntry) =>
  sql`CASE WHEN jsonb_array_length(${deployments.deployLog}) < ${DEPLOY_LOG_MAX}
        THEN ${deployments.deployLog} || ${JSON.stringify([entry])}::jsonb ELSE ${deployments.deployLog} END`;

/**
 * Marks the oldest queued deployment of a service deploying, if none is in flight and (with
 * `requireOnline`) its agent is connected. The service row is locked, so two callers cannot both start one.
 */
async function claimNext(deps: AppDeps, serviceId: string, requireOnline: boolean): Promise<DeploymentRow | null> {
  const claimed = await deps.db.transaction(async (tx) => {
    const [svc] = await tx
      .select({ serverId: services.serverId })
      .from(services)
      .where(eq(services.id, serviceId))
      .for("update");
    if (!svc || (requireOnline && !deps.agents.isOnline(svc.serverId))) return null;
    const [busy] = await tx
      .select({ id: deployments.id })
      .from(deployments)
      .where(and(eq(deployments.serviceId, serviceId), eq(deployments.status, "deploying")))
      .limit(1);
    if (busy) return null;
    const [next] = await tx
      .select({ id: deployments.id })
      .from(deployments)
      // Builds still waiting for their image are the build worker's, not the agent's.
      .where(and(eq(deployments.serviceId, serviceId), eq(deployments.status, "queued"), isNotNull(deployments.image)))
      .orderBy(asc(deployments.createdAt), asc(deployments.id))
      .limit(1);
    if (!next) return null;
    const now = deps.now();
    const [row] = await tx
      .update(deployments)
      .set({ status: "deploying", startedAt: now, updatedAt: now })
      .where(eq(deployments.id, next.id))
      .returning();
    return row ?? null;
  });
  if (claimed) await publishDeploymentChange(deps, claimed.id);
  return claimed;
}

/**
 * The deploy payload of a claimed deployment; a deployment that cannot be turned into one fails. Its domains
 * and certificates are the service's as the command leaves, not as the deployment was queued (a domain may
 * have been verified during a build).
 */
async function payloadFor(deps: AppDeps, row: DeploymentRow): Promise<DeployPayload | null> {
  try {
    const [found] = await deps.db
      .select({ service: services, project: projects })
      .from(services)
      .innerJoin(projects, eq(projects.id, services.projectId))
      .where(eq(services.id, row.serviceId));
    if (!found) return null;
    const env = openEnv(deps.keyring, found.service.id, found.service.envVarsEncrypted);
    const routing = await desiredRouting(deps, found.service.id);
    return buildDeployPayload({
      ...(routing && { routing }),
      // Minted now, as the command leaves: a pull credential's lifetime starts when the agent gets it.
      registryAuth: row.image ? pullAuth(deps.config.builds.registry, deps.keyring, row.image, deps.now()) : undefined,
      deployment: row,
      service: found.service,
      project: found.project,
      env: Object.fromEntries([...env].map(([key, v]) => [key, v.value])),
      requestId: randomUUID(),
      publicUrl: deps.config.publicUrl,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    deps.logger.warn({ deployment_id: row.id, reason: message }, "deployment cannot be sent to the agent");
    const code = err instanceof AppError ? err.code : "INTERNAL_ERROR";
    await settle(deps, row.id, "failed", controlPlaneEntry(deps, "failed", message, code), message);
    return null;
  }
}

/**
 * Starts the next queued deployment of a service when nothing else of it is deploying and its agent is
 * online; otherwise it waits (for the running one to finish, or for the agent's hello).
 */
export async function dispatchNext(deps: AppDeps, serviceId: string): Promise<void> {
  const row = await claimNext(deps, serviceId, true);
  if (!row) return;
  const payload = await payloadFor(deps, row);
  if (!payload) return dispatchNext(deps, serviceId);
  const [svc] = await deps.db.select({ serverId: services.serverId }).from(services).where(eq(services.id, serviceId));
  let ack: ReturnType<AppDeps["agents"]["send"]>;
  try {
    ack = deps.agents.send(svc?.serverId ?? "", "deploy", payload);
  } catch (err) {
    if (err instanceof AppError && err.code === "AGENT_OFFLINE") {
      // The agent left between the claim and the send: the deployment waits for its next hello.
      await requeueDeployments(deps, [row.id]);
      return;
    }
    // Anything else would fail again on every retry.
    deps.logger.error({ err, deployment_id: row.id }, "deploy command could not be sent");
    const message = `the deploy command could not be sent: ${err instanceof Error ? err.message : String(err)}`;
    await settle(deps, row.id, "failed", controlPlaneEntry(deps, "failed", message, "INTERNAL_ERROR"), message);
    return dispatchNext(deps, serviceId);
  }
  deps.logger.info({ deployment_id: row.id, service_id: serviceId }, "deploy sent to the agent");
  // Progress arrives as deploy_status; the command_response only matters when the agent refuses the command.
  void deps.agents.track(
    ack.then(
      async (response) => {
        if (response.success) return;
        const message = response.error?.message ?? "the agent refused the deploy command";
        const entry = controlPlaneEntry(deps, "failed", message, response.error?.code ?? "UNPROCESSABLE");
        if (await settle(deps, row.id, "failed", entry, message, ["deploying"])) await dispatchNext(deps, serviceId);
      },
      (err: unknown) => deps.logger.info({ deployment_id: row.id, err }, "deploy command not acknowledged"),
    ),
  );
}

/** Puts deployments back in the queue (they were taken for an agent that went away before receiving them). */
export async function requeueDeployments(deps: AppDeps, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await deps.db
    .update(deployments)
    .set({ status: "queued", startedAt: null, updatedAt: deps.now() })
    .where(and(inArray(deployments.id, ids), eq(deployments.status, "deploying")));
  await publishDeploymentChange(deps, ...ids);
}

/** Services of a server with queued deployments. */
async function servicesWithQueue(
  deps: AppDeps,
  serverIds?: readonly string[],
): Promise<{ serviceId: string; serverId: string }[]> {
  if (serverIds?.length === 0) return [];
  return deps.db
    .selectDistinct({ serviceId: services.id, serverId: services.serverId })
    .from(deployments)
    .innerJoin(services, eq(services.id, deployments.serviceId))
    .where(
      and(
        eq(deployments.status, "queued"),
        isNotNull(deployments.image),
        ...(serverIds ? [inArray(services.serverId, [...serverIds])] : []),
      ),
    );
}

/**
 * For hello_ack, per server of a batch of hellos (one query each for the whole batch): deployments sent to the
 * server's agent that it never started (only its "pending" step is known: an agent killed before it recorded them
 * forgets them), then the next queued deployment of each of the server's services, claimed, as deploy payloads. An
 * agent that still has one of the first kind in hand takes the copy as the same deployment.
 */
export async function takePendingDeployments(
  deps: AppDeps,
  serverIds: readonly string[],
): Promise<Map<string, DeployPayload[]>> {
  const out = new Map<string, DeployPayload[]>();
  if (serverIds.length === 0) return out;
  const add = (serverId: string, payload: DeployPayload) => out.set(serverId, [...(out.get(serverId) ?? []), payload]);
  const sent = await deps.db
    .select({ deployment: deployments, serverId: services.serverId })
    .from(deployments)
    .innerJoin(services, eq(services.id, deployments.serviceId))
    .where(and(inArray(services.serverId, [...serverIds]), eq(deployments.status, "deploying")));
  for (const { deployment, serverId } of sent) {
    if (!deployment.deployLog.every((e) => e.status === "pending")) continue;
    const payload = await payloadFor(deps, deployment);
    if (payload) add(serverId, payload);
  }
  for (const { serviceId, serverId } of await servicesWithQueue(deps, serverIds)) {
    for (let row = await claimNext(deps, serviceId, false); row; row = await claimNext(deps, serviceId, false)) {
      const payload = await payloadFor(deps, row);
      if (payload) {
        add(serverId, payload);
        break;
      }
    }
  }
  return out;
}

/** Records an agent's deploy_status and, when the deployment is over, starts the service's next one. */
export async function applyDeployStatus(
  deps: AppDeps,
  serverId: string,
  report: DeployStatusPayload,
  reportedAt: string,
): Promise<void> {
  const [found] = await deps.db
    .select({ deployment: deployments })
    .from(deployments)
    .innerJoin(services, eq(services.id, deployments.serviceId))
    .where(
      and(
        eq(deployments.id, report.deployment_id),
        eq(deployments.serviceId, report.service_id),
        eq(services.serverId, serverId),
      ),
    );
  if (!found) {
    deps.logger.warn(
      { server_id: serverId, deployment_id: report.deployment_id },
      "deploy_status for no deployment of this server's services: ignored",
    );
    return;
  }
  const row = found.deployment;
  const entry: DeployLogEntry = {
    timestamp: reportedAt,
    status: report.status,
    phase: report.phase,
    progress_percent: report.progress_percent,
    message: report.message,
    ...(report.error && { error: { code: report.error.code, message: report.error.message } }),
  };
  // The agent re-sends its final reports after a reconnect (the first copy may have been lost): once is enough.
  const seen = row.deployLog.some(
    (e) => e.timestamp === entry.timestamp && e.status === entry.status && e.message === entry.message,
  );
  if (seen) return;
  const status = nextStatus(row.status ?? "queued", report.status);
  if (status === null || status === "deploying") {
    await deps.db
      .update(deployments)
      .set({ deployLog: appendLog(entry), updatedAt: deps.now(), ...(status && { status }) })
      .where(eq(deployments.id, row.id));
    await publishDeploymentChange(deps, row.id);
    return;
  }
  const durationMs = report.finished_at ? Date.parse(report.finished_at) - Date.parse(report.started_at) : undefined;
  const error = status === "running" ? null : (report.error?.message ?? report.message);
  await settle(deps, row.id, status, entry, error, undefined, durationMs);
  await dispatchNext(deps, row.serviceId);
}

/**
 * Ends a deployment as running, failed or rolled back: appends its log entry, sets finished_at and the
 * duration, the error (message, and the entry's code as error_code) unless it runs, and for running makes it
 * the service's current deployment (unless a newer one already is).
 * With `onlyFrom`, only rows in those statuses change. Returns whether the row changed.
 */
async function settle(
  deps: AppDeps,
  deploymentId: string,
  status: "running" | "failed" | "rolled_back",
  entry: DeployLogEntry,
  errorMessage: string | null,
  onlyFrom?: DeploymentRecordStatus[],
  agentDurationMs?: number,
): Promise<boolean> {
  const now = deps.now();
  const changed = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(deployments)
      .set({
        status,
        deployLog: appendLog(entry),
        finishedAt: now,
        updatedAt: now,
        errorMessage,
        // A rollback's report names no error: the code of the failure that caused it stays.
        errorCode: status === "running" ? null : entry.error?.code,
        deployDurationMs: sql`COALESCE(${agentDurationMs === undefined || agentDurationMs < 0 ? null : Math.round(agentDurationMs)}::integer,
          (EXTRACT(EPOCH FROM (${now.toISOString()}::timestamptz - ${deployments.startedAt})) * 1000)::integer)`,
      })
      .where(and(eq(deployments.id, deploymentId), ...(onlyFrom ? [inArray(deployments.status, onlyFrom)] : [])))
      .returning({ serviceId: deployments.serviceId, createdAt: deployments.createdAt });
    if (!row) return false;
    if (status === "running") {
      // A late report of an older deployment must not take over from a newer one that already runs.
      await tx
        .update(services)
        .set({ currentDeploymentId: deploymentId })
        .where(
          and(
            eq(services.id, row.serviceId),
            sql`(${services.currentDeploymentId} IS NULL OR ${services.currentDeploymentId} NOT IN (
              SELECT id FROM deployments WHERE service_id = ${row.serviceId} AND created_at > ${row.createdAt}))`,
          ),
        );
    }
    return true;
  });
  if (changed) await publishDeploymentChange(deps, deploymentId);
  return changed;
}

/** A deploy_log entry written by the control plane itself (refusals, reconciliation); failures carry a code. */
function controlPlaneEntry(deps: AppDeps, status: "running", message: string): DeployLogEntry;
function controlPlaneEntry(deps: AppDeps, status: "failed", message: string, code: ErrorCode): DeployLogEntry;
function controlPlaneEntry(
  deps: AppDeps,
  status: AgentDeployStatus,
  message: string,
  code: ErrorCode = "INTERNAL_ERROR",
): DeployLogEntry {
  return {
    timestamp: deps.now().toISOString(),
    status,
    // The protocol's phases have no "control plane" step; cleanup is the closest honest one.
    phase: "cleanup",
    progress_percent: 100,
    message,
    ...(status === "failed" && { error: { code, message } }),
  };
}

/**
 * Settles deployments stuck in `deploying` past their timeout plus a grace period: running when the
 * agent's latest heartbeat shows the service running that deployment, otherwise failed. Then starts
 * queued deployments whose agent is online (a dispatch lost to a race is retried here).
 */
export async function reconcileDeployments(deps: AppDeps): Promise<void> {
  const now = deps.now().getTime();
  const stuck = await deps.db
    .select({ deployment: deployments, serverId: services.serverId })
    .from(deployments)
    .innerJoin(services, eq(services.id, deployments.serviceId))
    .where(and(eq(deployments.status, "deploying"), lt(deployments.updatedAt, new Date(now - RECONCILE_GRACE_MS))));
  for (const { deployment: row, serverId } of stuck) {
    // The replica holding the agent knows its latest heartbeat and reconciles its deployments.
    if (deps.agents.cluster.ownerOf(serverId)) continue;
    const timeoutMs = (row.specSnapshot?.timeout_seconds ?? DEPLOY_TIMEOUT_SECONDS) * 1000;
    if ((row.updatedAt?.getTime() ?? 0) > now - timeoutMs - RECONCILE_GRACE_MS) continue;
    const seen = deps.agents
      .latestServices(serverId)
      .some((s) => s.service_id === row.serviceId && s.deployment_id === row.id && s.status === "running");
    const settled = seen
      ? await settle(
          deps,
          row.id,
          "running",
          controlPlaneEntry(deps, "running", "settled from the agent's heartbeat"),
          null,
          ["deploying"],
        )
      : await settle(
          deps,
          row.id,
          "failed",
          controlPlaneEntry(deps, "failed", "TIMEOUT: no progress from the agent", "TIMEOUT"),
          "TIMEOUT: no progress from the agent",
          ["deploying"],
        );
    if (settled) deps.logger.warn({ deployment_id: row.id, outcome: seen ? "running" : "failed" }, "reconciled");
  }
  for (const { serviceId, serverId } of await servicesWithQueue(deps)) {
    if (deps.agents.isOnline(serverId)) await dispatchNext(deps, serviceId);
  }
}

/** Hub event agent_ready: the servers' queued deployments go out now that their agents take commands. */
export async function dispatchQueuedOnAgentReady(
  deps: AppDeps,
  { serverIds }: HubEvents["agent_ready"],
): Promise<void> {
  for (const { serviceId } of await servicesWithQueue(deps, serverIds)) await dispatchNext(deps, serviceId);
}
