import {
  type DeployLogEntry,
  type Deployment,
  type DeploymentDetail,
  type DeployStrategy,
  type ListDeploymentsQuery,
  type TriggerDeployBody,
  toErrorCode,
} from "@syntra/contracts";
import { and, asc, desc, eq, gte, inArray, lte } from "drizzle-orm";
import type { UnitOfWork } from "../audit/unit-of-work";
import { announceCancelled, announceQueued, enqueueBuild } from "../builds/queue";
import type { Db } from "../db/client";
import { deployments, projects, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError, notFound } from "../errors";
import { publishDeploymentChange } from "../live/publish";
import type { ProjectScope } from "../projects/projects";
import { getServiceRow } from "../services/services";
import { strategyNotes } from "../services/volumes";
import { dispatchNext } from "./dispatch";
import { imageRef, specOf, splitImage } from "./payload";

type DeploymentRow = typeof deployments.$inferSelect;

/** Who asked for a deployment: a user, through a session (manual) or an API token (api). */
export interface DeployCaller {
  userId: string;
  viaToken: boolean;
}

/** A deployment as the API shows it. */
export function serializeDeployment(row: DeploymentRow, queuePosition?: number): Deployment {
  return {
    id: row.id,
    service_id: row.serviceId,
    status: row.status ?? "queued",
    git_commit_sha: row.gitCommitSha,
    git_commit_message: row.gitCommitMessage,
    git_branch: row.gitBranch,
    image_digest: row.imageDigest,
    build_duration_ms: row.buildDurationMs,
    deploy_duration_ms: row.deployDurationMs,
    triggered_by: row.triggeredBy,
    trigger_type: row.triggerType ?? "manual",
    error_message: row.errorMessage,
    error_code: row.errorCode === null ? null : toErrorCode(row.errorCode),
    rollback_from_id: row.rollbackFromId,
    image: row.image,
    ...(queuePosition !== undefined && { queue_position: queuePosition }),
    created_at: (row.createdAt ?? new Date(0)).toISOString(),
    started_at: row.startedAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}

/** A stored deploy log entry as the API shows it: a code stored by an older version that the table lacks reads as UNRECOGNIZED_ERROR. */
function readLogEntry(entry: DeployLogEntry): DeployLogEntry {
  return entry.error ? { ...entry, error: { ...entry.error, code: toErrorCode(entry.error.code) } } : entry;
}

/** A deployment with its deploy log and the settings it ran with. */
export function serializeDeploymentDetail(row: DeploymentRow, queuePosition?: number): DeploymentDetail {
  return {
    ...serializeDeployment(row, queuePosition),
    build_spec: row.buildSpec ?? null,
    generated_dockerfile: row.generatedDockerfile,
    build_logs: row.buildLogs,
    deploy_log: row.deployLog.map(readLogEntry),
    spec_snapshot: row.specSnapshot ?? null,
  };
}

/** Positions of a service's queued deployments, 1 for the next to go out. */
async function queuePositions(db: Db, serviceId: string): Promise<Map<string, number>> {
  const queued = await db
    .select({ id: deployments.id })
    .from(deployments)
    .where(and(eq(deployments.serviceId, serviceId), eq(deployments.status, "queued")))
    .orderBy(asc(deployments.createdAt), asc(deployments.id));
  return new Map(queued.map((q, i) => [q.id, i + 1]));
}

/** A service's deployments, newest first, filtered by status; queued ones carry their queue position. */
export async function listDeployments(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: ListDeploymentsQuery,
): Promise<Deployment[]> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  const range = { from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined };
  return recentDeployments(deps.db, service.id, query.limit, query.status, range);
}

/** The latest deployments of a service (no scope check: the caller has already found the service). */
export async function recentDeployments(
  db: Db,
  serviceId: string,
  limit: number,
  status?: Deployment["status"],
  created: { from?: Date | undefined; to?: Date | undefined } = {},
): Promise<Deployment[]> {
  const [rows, positions] = await Promise.all([
    db
      .select()
      .from(deployments)
      .where(
        and(
          eq(deployments.serviceId, serviceId),
          ...(status ? [eq(deployments.status, status)] : []),
          ...(created.from ? [gte(deployments.createdAt, created.from)] : []),
          ...(created.to ? [lte(deployments.createdAt, created.to)] : []),
        ),
      )
      .orderBy(desc(deployments.createdAt), desc(deployments.id))
      .limit(limit),
    queuePositions(db, serviceId),
  ]);
  return rows.map((r) => serializeDeployment(r, positions.get(r.id)));
}

/** A deployment in scope (through its service's project); NOT_FOUND otherwise. */
export async function getDeploymentRow(db: Db, scope: ProjectScope, deploymentId: string): Promise<DeploymentRow> {
  const [found] = await db
    .select({ deployment: deployments })
    .from(deployments)
    .innerJoin(services, eq(services.id, deployments.serviceId))
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(
      and(
        eq(deployments.id, deploymentId),
        eq(projects.orgId, scope.orgId),
        ...(scope.projectId ? [eq(projects.id, scope.projectId)] : []),
      ),
    )
    .limit(1);
  if (!found) throw notFound("Deployment");
  return found.deployment;
}

/** GET /deployments/:id. */
export async function getDeployment(db: Db, scope: ProjectScope, deploymentId: string): Promise<DeploymentDetail> {
  const row = await getDeploymentRow(db, scope, deploymentId);
  const position = row.status === "queued" ? (await queuePositions(db, row.serviceId)).get(row.id) : undefined;
  return serializeDeploymentDetail(row, position);
}

/** A deployment just queued for its build, with its queue position. */
async function presentQueued(deps: AppDeps, row: DeploymentRow): Promise<Deployment> {
  await publishDeploymentChange(deps, row.id);
  const [fresh] = await deps.db.select().from(deployments).where(eq(deployments.id, row.id));
  const current = fresh ?? row;
  const position = current.status === "queued" ? (await queuePositions(deps.db, row.serviceId)).get(row.id) : undefined;
  return serializeDeployment(current, position);
}

/** Reads a deployment again after dispatch may have moved it on. */
async function presentAfterDispatch(deps: AppDeps, row: DeploymentRow): Promise<Deployment> {
  // A failed dispatch leaves the deployment queued for the sweeper; the caller still gets their deployment.
  await dispatchNext(deps, row.serviceId).catch((err: unknown) =>
    deps.logger.error({ err, deployment_id: row.id }, "dispatching the deployment failed; it stays queued"),
  );
  const [fresh] = await deps.db.select().from(deployments).where(eq(deployments.id, row.id));
  const current = fresh ?? row;
  const position = current.status === "queued" ? (await queuePositions(deps.db, row.serviceId)).get(row.id) : undefined;
  return serializeDeployment(current, position);
}

/**
 * POST /services/:id/deploy: records a deployment of the service's image (or `image_tag`) with its
 * current settings and sends it to the agent, or queues it behind the one in flight or until the agent
 * is back. Services built from source wait for the build system.
 */
export async function triggerDeploy(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  body: TriggerDeployBody,
  caller: DeployCaller,
  change: UnitOfWork,
): Promise<Deployment> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  if (service.sourceType === "dockerfile" || service.sourceType === "nixpacks") {
    if (body.image_tag !== undefined) {
      throw new AppError(
        "UNPROCESSABLE",
        "image_tag is for image services; give git_ref for a service built from git",
        [{ path: "body.image_tag", message: "not for services built from git" }],
      );
    }
    const row = await enqueueBuild(
      deps,
      service,
      {
        ...(body.git_ref !== undefined && { ref: body.git_ref }),
        trigger: caller.viaToken ? "api" : "manual",
        userId: caller.userId,
        ...(body.strategy !== undefined && { strategy: body.strategy }),
      },
      change,
    );
    announceQueued(deps);
    return presentQueued(deps, row);
  }
  if (service.sourceType !== "image") {
    throw new AppError("UNPROCESSABLE", `Services built from ${service.sourceType} cannot be deployed yet`);
  }
  if (body.git_ref !== undefined) {
    throw new AppError("UNPROCESSABLE", "git_ref is for services built from git; give image_tag for an image service", [
      { path: "body.git_ref", message: "not for image services" },
    ]);
  }
  if (!service.imageName) throw new AppError("UNPROCESSABLE", "The service has no image configured");
  const strategy: DeployStrategy = body.strategy ?? "rolling";
  const image = imageRef(splitImage(service.imageName, body.image_tag ?? service.imageTag ?? "latest"));
  const row = await insertDeployment(deps, change, {
    serviceId: service.id,
    image,
    specSnapshot: specOf(service, strategy),
    deployLog: strategyNotes(service, strategy, deps.now()),
    triggeredBy: caller.userId,
    triggerType: caller.viaToken ? "api" : "manual",
  });
  return presentAfterDispatch(deps, row);
}

/** A deployment reached running at some point (it may have been superseded since). */
function reachedRunning(row: DeploymentRow): boolean {
  return row.status === "running" || row.deployLog.some((e) => e.status === "running");
}

/**
 * POST /services/:id/rollback: a new deployment with the image and settings of an earlier one that ran,
 * dispatched like a deploy. Env vars are the service's current ones: they are never snapshotted.
 */
export async function rollbackService(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  targetId: string,
  caller: DeployCaller,
  change: UnitOfWork,
): Promise<Deployment> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  const [target] = await deps.db
    .select()
    .from(deployments)
    .where(and(eq(deployments.id, targetId), eq(deployments.serviceId, service.id)));
  const refuse = (message: string) => new AppError("UNPROCESSABLE", message, [{ path: "body.deployment_id", message }]);
  if (!target) throw refuse("no deployment of this service has this id");
  if (!reachedRunning(target)) throw refuse(`deployment ${target.id} never ran (${target.status}); pick one that did`);
  if (target.id === service.currentDeploymentId) throw refuse("this deployment is the one running now");
  if (!target.image || !target.specSnapshot) throw refuse("this deployment has no recorded image to roll back to");
  const row = await insertDeployment(deps, change, {
    serviceId: service.id,
    image: target.image,
    specSnapshot: target.specSnapshot,
    imageDigest: target.imageDigest,
    gitCommitSha: target.gitCommitSha,
    gitCommitMessage: target.gitCommitMessage,
    gitBranch: target.gitBranch,
    deployLog: strategyNotes(service, target.specSnapshot.strategy, deps.now()),
    triggeredBy: caller.userId,
    triggerType: "rollback",
    rollbackFromId: service.currentDeploymentId,
  });
  return presentAfterDispatch(deps, row);
}

/** Records a queued deployment of an image as `change` (noting it for the audit entry), then publishes it. */
async function insertDeployment(
  deps: AppDeps,
  change: UnitOfWork,
  values: typeof deployments.$inferInsert,
): Promise<DeploymentRow> {
  const now = deps.now();
  const row = await change(async (tx, audit) => {
    const [inserted] = await tx
      .insert(deployments)
      .values({ ...values, status: "queued", createdAt: now, updatedAt: now })
      .returning();
    if (!inserted) throw new Error("insert returned no row");
    audit({
      resourceId: inserted.id,
      details: { service_id: inserted.serviceId, image: inserted.image, trigger_type: inserted.triggerType },
    });
    return inserted;
  });
  await publishDeploymentChange(deps, row.id);
  return row;
}

/**
 * POST /deployments/:id/cancel: a queued deployment is cancelled, and so is one being built (the build is
 * killed: at once when it runs in this process, at its next claim renewal otherwise). One the agent is
 * carrying out cannot be: the protocol has no command to interrupt a deploy (the agent rolls back on its own
 * failures).
 */
export async function cancelDeployment(
  deps: AppDeps,
  scope: ProjectScope,
  deploymentId: string,
  change: UnitOfWork,
): Promise<Deployment> {
  const row = await getDeploymentRow(deps.db, scope, deploymentId);
  const now = deps.now();
  const cancelled = await change(async (tx, audit) => {
    const [updated] = await tx
      .update(deployments)
      .set({ status: "cancelled", finishedAt: now, updatedAt: now, errorMessage: "Cancelled", errorCode: "CANCELLED" })
      .where(and(eq(deployments.id, row.id), inArray(deployments.status, ["queued", "building", "pushing"])))
      .returning();
    if (!updated) {
      const [current] = await tx.select().from(deployments).where(eq(deployments.id, row.id));
      throw notCancellable(current?.status ?? row.status);
    }
    audit({ resourceId: updated.id, details: { service_id: updated.serviceId } });
    return updated;
  });
  if (row.status !== "queued") announceCancelled(deps, row.id);
  await publishDeploymentChange(deps, row.id);
  return serializeDeployment(cancelled);
}

/** Why a deployment in this status cannot be cancelled. */
function notCancellable(status: DeploymentRow["status"]): AppError {
  if (status === "deploying") {
    return new AppError(
      "UNPROCESSABLE",
      "The agent is carrying out this deployment and the protocol cannot interrupt it; wait for it to finish (it rolls back on failure), then roll back if needed",
      { status },
    );
  }
  return new AppError("UNPROCESSABLE", `Only queued or building deployments can be cancelled; this one is ${status}`, {
    status,
  });
}
