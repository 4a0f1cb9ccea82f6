import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { and, eq, inArray } from "drizzle-orm";
import { type AuditNoter, systemWork } from "../audit/unit-of-work";
import type { Db } from "../db/client";
import { deployments, organizations, projects, services } from "../db/schema";
import { dispatchNext } from "../deployments/dispatch";
import type { AppDeps } from "../deps";
import { openGitAuth } from "../git/credentials";
import { pushAuth } from "../registry/handed-credentials";
import { openEnv } from "../services/env-vars";
import { BuildError } from "./builder/errors";
import type { BuildRequest, BuildResult } from "./builder/types";
import { BuildLogSink } from "./log-sink";
import { BUILDING, CANCEL_TOPIC, claimBuild, QUEUE_CHANGED_TOPIC, recoverStaleBuilds } from "./queue";

type DeploymentRow = typeof deployments.$inferSelect;

/** How the worker's results read in the audit log: the build of a deployment, by the build worker. */
const BUILD_OUTCOME = { action: "deployment.build", resourceType: "deployment" };

/** What the worker needs of the builder (the real one in production and tests). */
export interface ImageBuilder {
  build(request: BuildRequest): Promise<BuildResult>;
}

export interface BuildWorkerOptions {
  /**
   * How often the queue is looked at without a kick. Default 30 s: builds queued through this process or announced
   * by another replica (`announceQueued`) are claimed at once; the poll is for what nobody announced.
   */
  pollMs?: number;
  /** How often a running build renews its claim. Default 5 s. */
  heartbeatMs?: number;
  /** A claim not renewed for this long is a crashed build. Default 60 s. */
  staleMs?: number;
  /** Called after each successful build, never while one of the service's builds runs (image hygiene). */
  afterBuild?: (serviceId: string, inUse: string[]) => Promise<void>;
}

/**
 * Takes builds from the queue (the deployments table) and runs them: clone, build, push, then hands the
 * deployment to the deploy dispatcher. A running build renews its claim; a build whose row was cancelled
 * (POST /deployments/:id/cancel, on this replica or another) is aborted at the next renewal or at once here.
 */
export class BuildWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private recovery: NodeJS.Timeout | undefined;
  private kicking: Promise<void> | null = null;
  private kickAgain = false;
  private stopping = false;
  private unsubscribe: Array<() => void> = [];

  constructor(
    private readonly deps: AppDeps,
    private readonly builder: ImageBuilder,
    private readonly opts: BuildWorkerOptions = {},
  ) {}

  async start(): Promise<void> {
    await recoverStaleBuilds(this.deps, this.opts.staleMs ?? 60_000);
    const { cluster } = this.deps;
    this.unsubscribe = [
      cluster.on(QUEUE_CHANGED_TOPIC, () => this.kick()),
      cluster.on(CANCEL_TOPIC, (message) => {
        const id = (message as { deploymentId?: unknown } | null)?.deploymentId;
        if (typeof id === "string") this.cancel(id);
      }),
    ];
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 30_000);
    this.timer.unref();
    // Another replica may die mid-build while this one runs: its claims go stale and are taken back here.
    this.recovery = setInterval(
      () =>
        void recoverStaleBuilds(this.deps, this.opts.staleMs ?? 60_000)
          .then((ids) => ids.length > 0 && this.kick())
          .catch((err: unknown) => this.deps.logger.warn({ err }, "stale build recovery failed")),
      this.opts.staleMs ?? 60_000,
    );
    this.recovery.unref();
    this.kick();
  }

  /** Looks at the queue now (a build was queued or finished). */
  kick(): void {
    if (this.stopping) return;
    if (this.kicking) {
      this.kickAgain = true;
      return;
    }
    this.kicking = this.claimAll()
      .catch((err: unknown) => this.deps.logger.error({ err }, "build queue could not be read"))
      .finally(() => {
        this.kicking = null;
        if (this.kickAgain) {
          this.kickAgain = false;
          this.kick();
        }
      });
  }

  /** Aborts a build this worker runs (its row is already marked cancelled by the caller). */
  cancel(deploymentId: string): boolean {
    const run = this.running.get(deploymentId);
    run?.controller.abort(new BuildError("CANCELLED", "The build was cancelled"));
    return run !== undefined;
  }

  /** Stops taking builds and aborts the running ones; they go back to the queue for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const off of this.unsubscribe) off();
    clearInterval(this.timer);
    clearInterval(this.recovery);
    for (const { controller } of this.running.values()) controller.abort("shutdown");
    await Promise.allSettled([this.kicking, ...[...this.running.values()].map((r) => r.done)]);
  }

  /** Number of builds running here now. */
  get active(): number {
    return this.running.size;
  }

  private async claimAll(): Promise<void> {
    for (;;) {
      const row = await claimBuild(this.deps, this.id, this.deps.config.builds.concurrencyPerServer);
      if (!row) return;
      const controller = new AbortController();
      const done = this.run(row, controller)
        // A build whose outcome cannot be stored (the database failed) stays claimed: stale-build recovery retries it.
        .catch((err: unknown) => this.deps.logger.error({ err, deployment_id: row.id }, "build outcome not stored"))
        .finally(() => {
          this.running.delete(row.id);
          this.kick();
          // A slot of the service's server is free: a replica holding back its next build claims it now.
          this.deps.cluster.broadcast(QUEUE_CHANGED_TOPIC, {});
        });
      this.running.set(row.id, { controller, done });
    }
  }

  private async run(row: DeploymentRow, controller: AbortController): Promise<void> {
    const deps = this.deps;
    const [found] = await deps.db
      .select({ service: services, project: projects, org: organizations })
      .from(services)
      .innerJoin(projects, eq(projects.id, services.projectId))
      .innerJoin(organizations, eq(organizations.id, projects.orgId))
      .where(eq(services.id, row.serviceId));
    if (!found || !row.buildSpec) return;
    const { service, project, org } = found;
    const sink = new BuildLogSink(deps, org.id, service.id, row.id);
    this.publishStatus(org.id, row, "building");
    const heartbeat = setInterval(() => void this.renew(row.id, controller), this.opts.heartbeatMs ?? 5000);
    const started = Date.now();
    try {
      const env = openEnv(deps.keyring, service.id, service.envVarsEncrypted);
      const auth = openGitAuth(deps.keyring, service);
      const buildArgs = Object.fromEntries([...env].filter(([, v]) => v.build_time).map(([k, v]) => [k, v.value]));
      const registry = deps.config.builds.registry;
      const registryAuth = pushAuth(registry, deps.keyring);
      const repository = `${org.slug}/${project.slug}/${service.name}`.toLowerCase();
      const masks = [...env.values()].filter((v) => v.secret).map((v) => v.value);
      if (auth?.kind === "token") masks.push(auth.token);
      if (registryAuth) masks.push(registryAuth.password);
      sink.line(`[syntra] building ${row.buildSpec.repo_url} at ${row.buildSpec.ref}`);
      const result = await this.builder.build({
        repoUrl: row.buildSpec.repo_url,
        ref: row.buildSpec.ref,
        ...(auth && { auth }),
        dockerfilePath: row.buildSpec.dockerfile_path,
        buildContext: row.buildSpec.build_context,
        buildArgs,
        maskValues: masks,
        image: registry
          ? { registry: registry.host, repository }
          : // Single-server mode: a local image, named under a host that is never pulled from.
            { registry: null, repository: `syntra.local/${repository}` },
        ...(registryAuth && { registryAuth }),
        limits: {
          ...(deps.config.builds.cpus !== undefined && { cpuCores: deps.config.builds.cpus }),
          ...(deps.config.builds.memoryBytes !== undefined && { memoryBytes: deps.config.builds.memoryBytes }),
        },
        labels: { "dev.syntra.service": service.id, "dev.syntra.deployment": row.id },
        ...(row.specSnapshot && { port: row.specSnapshot.port }),
        signal: controller.signal,
        onLog: (line) => sink.line(line),
      });
      sink.line(`[syntra] built ${result.imageRef}${result.imageDigest ? ` (${result.imageDigest})` : ""}`);
      await sink.close();
      const now = deps.now();
      const built = await this.outcome(async (tx, audit) => {
        const [updated] = await tx
          .update(deployments)
          .set({
            // Built: waits in the deploy queue like any image deployment.
            status: "queued",
            image: result.imageRef,
            imageDigest: result.imageDigest,
            gitCommitSha: result.commitSha,
            gitCommitMessage: result.commitMessage,
            generatedDockerfile: result.generatedDockerfile,
            buildDurationMs: result.durationMs,
            buildWorker: null,
            startedAt: null,
            updatedAt: now,
          })
          .where(and(eq(deployments.id, row.id), inArray(deployments.status, [...BUILDING])))
          .returning();
        if (updated) {
          const details = { outcome: "built", image: result.imageRef, commit: result.commitSha, ms: result.durationMs };
          audit({ orgId: org.id, resourceId: row.id, details });
        }
        return updated;
      });
      if (!built) return; // cancelled while the image was being pushed: it is not deployed
      this.publishStatus(org.id, row, "queued");
      deps.logger.info({ deployment_id: row.id, image: result.imageRef, ms: result.durationMs }, "build finished");
      await dispatchNext(deps, service.id);
      await this.opts
        .afterBuild?.(service.id, [result.imageRef])
        .catch((err: unknown) => deps.logger.warn({ err, service_id: service.id }, "image pruning failed"));
    } catch (err) {
      await this.settleFailure(org.id, row, err, controller, Date.now() - started, sink);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Renews the claim; a row no longer building (cancelled elsewhere) aborts the build. */
  private async renew(deploymentId: string, controller: AbortController): Promise<void> {
    try {
      const [alive] = await this.deps.db
        .update(deployments)
        .set({ buildHeartbeatAt: this.deps.now() })
        .where(and(eq(deployments.id, deploymentId), inArray(deployments.status, [...BUILDING])))
        .returning({ id: deployments.id });
      if (!alive) controller.abort(new BuildError("CANCELLED", "The build was cancelled"));
    } catch (err) {
      this.deps.logger.warn({ err, deployment_id: deploymentId }, "build claim could not be renewed");
    }
  }

  private async settleFailure(
    orgId: string,
    row: DeploymentRow,
    err: unknown,
    controller: AbortController,
    elapsedMs: number,
    sink: BuildLogSink,
  ): Promise<void> {
    const deps = this.deps;
    const now = deps.now();
    if (controller.signal.aborted && controller.signal.reason === "shutdown") {
      sink.line("[syntra] the control plane is stopping: the build goes back to the queue");
      await sink.close();
      await deps.db
        .update(deployments)
        .set({ status: "queued", buildWorker: null, startedAt: null, updatedAt: now })
        .where(and(eq(deployments.id, row.id), inArray(deployments.status, [...BUILDING])));
      return;
    }
    const cancelled = controller.signal.aborted || (err instanceof BuildError && err.code === "CANCELLED");
    const message = err instanceof BuildError ? err.message : `Build failed: ${(err as Error).message ?? String(err)}`;
    if (!(err instanceof BuildError)) deps.logger.error({ err, deployment_id: row.id }, "build crashed");
    sink.line(cancelled ? "[syntra] build cancelled" : `[syntra] ${message}`);
    await sink.close();
    const settled = await this.outcome(async (tx, audit) => {
      const [updated] = await tx
        .update(deployments)
        .set({
          status: cancelled ? "cancelled" : "failed",
          errorMessage: cancelled ? "Cancelled during the build" : message,
          // The builder's code goes through to the deployment (and the API): CLONE_FAILED says more than "failed".
          errorCode: cancelled ? "CANCELLED" : err instanceof BuildError ? err.code : "INTERNAL_ERROR",
          buildDurationMs: elapsedMs,
          buildWorker: null,
          finishedAt: now,
          updatedAt: now,
        })
        .where(and(eq(deployments.id, row.id), inArray(deployments.status, [...BUILDING])))
        .returning();
      if (updated) {
        const details = cancelled ? { outcome: "cancelled" } : { outcome: "failed", error: message.slice(0, 500) };
        audit({ orgId, resourceId: row.id, details: { ...details, ms: elapsedMs } });
      }
      return updated;
    });
    this.publishStatus(orgId, row, settled?.status ?? "cancelled");
    deps.logger.info({ deployment_id: row.id, cancelled, reason: message }, "build did not finish");
  }

  /**
   * Stores a build's outcome with its audit entry (deployment.build by the build worker). A row that was no
   * longer building (cancelled elsewhere) is left alone and, noting no organization, gets no entry.
   */
  private outcome<T>(write: (tx: Db, audit: AuditNoter) => Promise<T>): Promise<T> {
    return systemWork(this.deps.db, "build-worker", BUILD_OUTCOME)(write);
  }

  private publishStatus(orgId: string, row: DeploymentRow, status: string): void {
    this.deps.live.publish({ type: "deployment", orgId, serviceId: row.serviceId, deploymentId: row.id, status });
  }
}
