import type { BuildSpec, DeployStrategy, TriggerType } from "@syntra/contracts";
import { and, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { UnitOfWork } from "../audit/unit-of-work";
import { resultRows } from "../db/client";
import { deployments, projects, type services } from "../db/schema";
import { specOf } from "../deployments/payload";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { strategyNotes } from "../services/volumes";

type DeploymentRow = typeof deployments.$inferSelect;
type ServiceRow = typeof services.$inferSelect;
type ProjectRow = typeof projects.$inferSelect;

/** Deployment statuses of a build in progress. */
export const BUILDING = ["building", "pushing"] as const;

/** What to build, asked for by a deploy call or a push. */
export interface BuildOrder {
  /** A commit SHA or a branch; default: the service's branch. */
  ref?: string;
  /** The commit a push announced, recorded before the clone confirms it. */
  commit?: { sha: string; message: string | null };
  trigger: TriggerType;
  userId: string | null;
  strategy?: DeployStrategy;
}

/** The repository and branch a built service takes its code from (its own, else its project's). */
export function gitSourceOf(service: ServiceRow, project: ProjectRow): { repoUrl: string; branch: string } {
  const repoUrl = service.gitRepoUrl ?? project.gitRepoUrl;
  if (!repoUrl) {
    throw new AppError(
      "UNPROCESSABLE",
      "The service has no git repository: set source_config.repo_url on it, or git_repo_url on its project",
      [{ path: "service.source_config.repo_url", message: "required to build" }],
    );
  }
  return { repoUrl, branch: service.gitBranch ?? project.gitBranch ?? "main" };
}

/** The cluster topic that sends every replica's build worker to the queue: a build was queued, or one ended. */
export const QUEUE_CHANGED_TOPIC = "builds.queue-changed";
/** The cluster topic asking the replica that runs a build to abort it (its row is already cancelled). */
export const CANCEL_TOPIC = "builds.cancel";

/**
 * Builds were queued: this process's worker and the other replicas' look at the queue now (a build starts at once
 * wherever a worker is free, not at the next safety poll).
 */
export function announceQueued(deps: Pick<AppDeps, "builds" | "cluster">): void {
  deps.builds?.kick();
  deps.cluster.broadcast(QUEUE_CHANGED_TOPIC, {});
}

/** A running build was cancelled: aborted here if this process runs it, else by the replica that does. */
export function announceCancelled(deps: Pick<AppDeps, "builds" | "cluster">, deploymentId: string): void {
  if (deps.builds?.cancel(deploymentId)) return;
  deps.cluster.broadcast(CANCEL_TOPIC, { deploymentId });
}

/**
 * Queues a build of a service built from git, as `change` (its audit entry names the new deployment). The
 * deployments row is the job. A newer order supersedes the service's builds still waiting (not those already
 * building): only the latest push matters.
 */
export async function enqueueBuild(
  deps: AppDeps,
  service: ServiceRow,
  order: BuildOrder,
  change: UnitOfWork,
): Promise<DeploymentRow> {
  if (service.sourceType !== "dockerfile" && service.sourceType !== "nixpacks") {
    throw new AppError("UNPROCESSABLE", `Services with source ${service.sourceType} are not built from git`);
  }
  const sourceType = service.sourceType;
  const snapshot = specOf(service, order.strategy ?? "rolling");
  const now = deps.now();
  // Everything from here is database work, so the caller's unit of work may be part of a larger one (a webhook
  // delivery queues its builds and records its delivery id in one transaction).
  const row = await change(async (tx, audit) => {
    const [project] = await tx.select().from(projects).where(eq(projects.id, service.projectId));
    if (!project) throw new Error(`project of service ${service.id} is missing`);
    const { repoUrl, branch } = gitSourceOf(service, project);
    const ref = order.ref ?? branch;
    const spec: BuildSpec = {
      source_type: sourceType,
      repo_url: repoUrl,
      ref,
      branch: order.ref === undefined || order.ref === branch ? branch : null,
      dockerfile_path: service.dockerfilePath ?? "Dockerfile",
      build_context: service.buildContext ?? ".",
    };
    const [created] = await tx
      .insert(deployments)
      .values({
        serviceId: service.id,
        status: "queued",
        buildSpec: spec,
        specSnapshot: snapshot,
        deployLog: strategyNotes(service, order.strategy ?? "rolling", now),
        gitBranch: spec.branch,
        gitCommitSha: order.commit?.sha ?? null,
        gitCommitMessage: order.commit?.message ?? null,
        triggeredBy: order.userId,
        triggerType: order.trigger,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!created) throw new Error("insert returned no row");
    audit({
      orgId: project.orgId,
      resourceId: created.id,
      details: {
        service_id: service.id,
        trigger_type: order.trigger,
        ref,
        ...(order.commit && { commit: order.commit.sha }),
      },
    });
    await tx
      .update(deployments)
      .set({
        status: "cancelled",
        errorMessage: `Superseded by a newer build (deployment ${created.id})`,
        errorCode: "CANCELLED",
        finishedAt: now,
        updatedAt: now,
      })
      .where(
        and(
          eq(deployments.serviceId, service.id),
          eq(deployments.status, "queued"),
          isNotNull(deployments.buildSpec),
          isNull(deployments.image),
          sql`${deployments.id} <> ${created.id}`,
        ),
      );
    return created;
  });
  deps.logger.info({ deployment_id: row.id, service_id: service.id, ref: row.buildSpec?.ref }, "build queued");
  return row;
}

/**
 * Takes the oldest waiting build that may start: none of its service is building, and its server has fewer
 * than `perServer` builds running. Claims are serialized by an advisory lock (so two workers cannot both see
 * room for one more build on a server) and rows are taken with SKIP LOCKED.
 */
export async function claimBuild(deps: AppDeps, workerId: string, perServer: number): Promise<DeploymentRow | null> {
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(4242001)`);
    const candidates = await tx.execute(sql`
      SELECT d.id FROM deployments d JOIN services s ON s.id = d.service_id
      WHERE d.status = 'queued' AND d.build_spec IS NOT NULL AND d.image IS NULL
        AND NOT EXISTS (SELECT 1 FROM deployments b WHERE b.service_id = d.service_id
                        AND b.status IN ('building', 'pushing'))
        AND (SELECT count(*) FROM deployments b JOIN services s2 ON s2.id = b.service_id
             WHERE s2.server_id = s.server_id AND b.status IN ('building', 'pushing')) < ${perServer}
      ORDER BY d.created_at, d.id
      LIMIT 1
      FOR UPDATE OF d SKIP LOCKED`);
    const rows = resultRows<{ id: string }>(candidates);
    const id = rows[0]?.id;
    if (!id) return null;
    const now = deps.now();
    const [row] = await tx
      .update(deployments)
      .set({
        status: "building",
        buildWorker: workerId,
        buildHeartbeatAt: now,
        buildAttempts: sql`${deployments.buildAttempts} + 1`,
        startedAt: now,
        updatedAt: now,
      })
      .where(eq(deployments.id, id))
      .returning();
    return row ?? null;
  });
}

/**
 * Builds whose worker stopped saying it is alive (a crashed or killed control plane): back to the queue
 * once, failed after that, so no deployment stays in "building" forever. Returns the rows touched.
 */
export async function recoverStaleBuilds(deps: AppDeps, staleMs: number, maxAttempts = 2): Promise<string[]> {
  const cutoff = new Date(deps.now().getTime() - staleMs);
  const stale = await deps.db
    .select({ id: deployments.id, attempts: deployments.buildAttempts })
    .from(deployments)
    .where(and(inArray(deployments.status, [...BUILDING]), lt(deployments.buildHeartbeatAt, cutoff)));
  const now = deps.now();
  for (const s of stale) {
    const retry = s.attempts < maxAttempts;
    await deps.db
      .update(deployments)
      .set(
        retry
          ? { status: "queued", buildWorker: null, startedAt: null, updatedAt: now }
          : {
              status: "failed",
              errorMessage: "The build was interrupted twice (the control plane stopped while building); deploy again",
              errorCode: "BUILD_INTERRUPTED",
              finishedAt: now,
              updatedAt: now,
            },
      )
      .where(and(eq(deployments.id, s.id), inArray(deployments.status, [...BUILDING])));
    deps.logger.warn({ deployment_id: s.id, requeued: retry }, "interrupted build recovered");
  }
  return stale.map((s) => s.id);
}
