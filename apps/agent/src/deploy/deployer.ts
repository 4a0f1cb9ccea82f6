import type {
  DeployPayload,
  DeployStatusPayload,
  HealthCheckConfig,
  HealthCheckResult,
  ServiceStatus,
} from "@syntra/contracts";
import type { Logger } from "pino";
import { type AgentErrorCode, isAgentError } from "../errors";
import type { Router } from "../proxy/types";
import { type ContainerInfo, type ContainerRuntime, LABELS } from "../runtime/types";
import type { ScrapeTarget } from "../telemetry/scraper";
import { configureRoutes, type RouteSettings } from "./configure-routes";
import { HealthRegistry, healthCheckFor, inspectAll, type WorkloadContext } from "./context";
import { HealthMonitor } from "./monitor";
import { imageRef, networkName, pullAuth } from "./naming";
import { restartService, scaleService, stopService } from "./operations";
import { KeyedQueue } from "./queue";
import { recoverService, serviceStatuses } from "./recovery";
import { rollout } from "./rollout";
import { type ServiceState, StateStore } from "./state";
import { StatusReporter } from "./status";

export interface DeployerOptions {
  runtime: ContainerRuntime;
  router: Router;
  /** Where service states live (one 0600 JSON file per service). */
  stateDir: string;
  logger: Logger;
  now?: () => Date;
  /** Wait after traffic left containers before stopping them. Default 2 s. */
  drainSeconds?: number;
  /** SIGTERM grace period of replaced containers. Default 10 s. */
  stopTimeoutSeconds?: number;
  /** Each periodic health probe's outcome (telemetry). */
  onHealthResult?: (result: HealthCheckResult) => void;
}

/**
 * Runs services on this host: deploys by strategy with zero downtime (rolling, blue_green), scales, restarts,
 * stops, and reports their state. One operation per service at a time.
 *
 * `deploy_status` messages go pending -> pulling (pull_image, 10%) -> creating (create_container, 30%) ->
 * starting (start_container, 50%) -> health_checking (health_check, 70%) -> starting (configure_network, 85%;
 * stop_old, 90%; cleanup, 95%) -> running (100%), or end in failed / rolled_back with an error code.
 * Rolling deploys repeat the middle steps per replica; progress never goes back.
 */
export class Deployer {
  private readonly ctx: WorkloadContext;
  private readonly store: StateStore;
  private readonly inHand = new Map<string, Promise<DeployStatusPayload>>();
  private readonly queue = new KeyedQueue();
  private readonly now: () => Date;
  private readonly monitor: HealthMonitor;
  /** Each service's current deployment, for telemetry that names none (filled by recover and each commit). */
  private readonly currentDeployments = new Map<string, string>();

  constructor(options: DeployerOptions) {
    this.ctx = {
      runtime: options.runtime,
      router: options.router,
      logger: options.logger,
      drainMs: (options.drainSeconds ?? 2) * 1000,
      stopTimeoutSeconds: options.stopTimeoutSeconds ?? 10,
      health: new HealthRegistry(),
    };
    this.store = new StateStore(options.stateDir);
    this.now = options.now ?? (() => new Date());
    this.monitor = new HealthMonitor(this.ctx, this.store, this.queue, options.onHealthResult);
  }

  /** Deploys `payload`; `report` gets every step; resolves with the final status (never rejects for a failed deploy). */
  deploy(
    payload: DeployPayload,
    report: (status: DeployStatusPayload) => void,
    signal?: AbortSignal,
  ): Promise<DeployStatusPayload> {
    // The control plane sends a deployment again after a reconnect when it saw it only accepted: the copy is
    // the deployment already in hand, not a second one.
    const inHand = this.inHand.get(payload.deployment_id);
    if (inHand) return inHand;
    const run = this.accept(payload, report, signal).finally(() => this.inHand.delete(payload.deployment_id));
    this.inHand.set(payload.deployment_id, run);
    return run;
  }

  private accept(
    payload: DeployPayload,
    report: (status: DeployStatusPayload) => void,
    signal?: AbortSignal,
  ): Promise<DeployStatusPayload> {
    const reporter = new StatusReporter(payload, this.now().toISOString(), report, this.now, (err) =>
      this.ctx.logger.error({ err, deployment_id: payload.deployment_id }, "deploy status report failed"),
    );
    reporter.step("pending", "pull_image", 0, "Waiting for the service's previous operation");
    return this.queue.run(payload.service_id, () => this.runDeploy(payload, reporter, signal));
  }

  /** Runs `replicas` containers of the current deployment; `rolling` adds or removes one at a time. */
  scale(serviceId: string, replicas: number, strategy: "immediate" | "rolling"): Promise<void> {
    return this.queue.run(serviceId, () => scaleService(this.ctx, this.store, serviceId, replicas, strategy));
  }

  /** Restarts containers one at a time, each out of the route until healthy again (up with 2+ replicas). */
  restart(serviceId: string, timeoutSeconds: number): Promise<void> {
    return this.queue.run(serviceId, () => restartService(this.ctx, this.store, serviceId, timeoutSeconds));
  }

  /** Takes the route away, then stops (or removes, with all their versions) the service's containers. */
  stop(serviceId: string, timeoutSeconds: number, removeContainer: boolean): Promise<void> {
    return this.queue.run(serviceId, () =>
      stopService(this.ctx, this.store, serviceId, timeoutSeconds, removeContainer),
    );
  }

  /** Stores the service's check: used by later deploys without one, scale, restart and the monitor. */
  configureHealthCheck(serviceId: string, healthCheck: HealthCheckConfig): Promise<void> {
    return this.queue.run(serviceId, async () => {
      const state = await this.store.load(serviceId);
      state.healthCheck = healthCheck;
      await this.store.save(state);
    });
  }

  /** New domains and uploaded certificates for a deployed service, without a redeploy (configure_routes). */
  configureRoutes(serviceId: string, settings: RouteSettings): Promise<void> {
    return this.queue.run(serviceId, () => configureRoutes(this.ctx, this.store, serviceId, settings));
  }

  /** The services this agent runs (deployed and not stopped): those whose domains its proxy should route. */
  async runningServices(): Promise<string[]> {
    return (await this.store.list()).filter((s) => s.current && !s.stopped).map((s) => s.serviceId);
  }

  /** Every Syntra container on the host, for heartbeats. */
  serviceStatuses(): Promise<ServiceStatus[]> {
    return serviceStatuses(this.ctx);
  }

  /** The containers of the service's current deployment (all of the service's, when none is recorded). */
  async containersOf(serviceId: string): Promise<ContainerInfo[]> {
    const state = await this.store.load(serviceId);
    if (!state.current) return this.ctx.runtime.list({ serviceId });
    return inspectAll(this.ctx.runtime, state.current.containerIds);
  }

  /**
   * Run once at agent start, before new commands. Deploys the agent died in are undone (their containers
   * removed, the previous version started and routed again) and come back as `failed` statuses with error
   * AGENT_RESTARTED. Every service is also reconciled: its route points at its current containers' addresses
   * (they change when Docker restarts a container), old versions are stopped, strays removed.
   */
  async recover(): Promise<DeployStatusPayload[]> {
    const states = await this.store.list();
    for (const state of states) {
      if (state.current) this.currentDeployments.set(state.serviceId, state.current.deployment.deployment_id);
    }
    const recovered = await Promise.all(
      states.map((state) =>
        this.queue.run(state.serviceId, () => recoverService(this.ctx, this.store, state.serviceId, this.now)),
      ),
    );
    return recovered.filter((s): s is DeployStatusPayload => s !== null);
  }

  /** Starts the periodic health check of running services (probes at each check's interval). */
  startMonitor(tickMs = 1000): void {
    this.monitor.start(tickMs);
  }

  /** Stops the periodic health check; operations in flight finish on their own. */
  close(): void {
    this.monitor.stop();
  }

  private async runDeploy(
    payload: DeployPayload,
    reporter: StatusReporter,
    signal: AbortSignal | undefined,
  ): Promise<DeployStatusPayload> {
    const { runtime } = this.ctx;
    const state = await this.store.load(payload.service_id);
    if (state.current?.deployment.deployment_id === payload.deployment_id) {
      const replayed = await this.replay(state, reporter);
      if (replayed) return replayed;
    }
    const check = healthCheckFor(payload, state.healthCheck);
    const oldGeneration = state.current;
    const oldCheck = oldGeneration
      ? {
          check: healthCheckFor(oldGeneration.deployment, state.healthCheck),
          port: oldGeneration.deployment.config.port,
        }
      : { check, port: payload.config.port };
    if (payload.config.health_check) state.healthCheck = payload.config.health_check;
    state.inProgress = {
      deploymentId: payload.deployment_id,
      startedAt: reporter.startedAt,
      strategy: payload.strategy,
    };
    await this.store.save(state);

    const deadline = AbortSignal.timeout(payload.timeout_seconds * 1000);
    const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
    const old = state.stopped
      ? []
      : (await inspectAll(runtime, oldGeneration?.containerIds ?? [])).filter(
          (c) => c.state === "running" && c.address,
        );
    const ref = imageRef(payload.image);
    try {
      reporter.step("pulling", "pull_image", 10, `Pulling ${ref}`);
      await runtime.ensureImage(
        { ref, digest: payload.image.digest },
        pullAuth(payload),
        (l) => reporter.log(l),
        combined,
      );
      await runtime.ensureNetwork(networkName(payload));
      await this.removeLeftovers(payload, oldGeneration?.containerIds ?? []);
      const fresh = await rollout(this.ctx, {
        payload,
        check,
        old,
        oldCheck,
        reporter,
        signal: combined,
        commit: (containers) => this.commit(state, payload, containers),
      });
      reporter.step("starting", "cleanup", 95, "Removing older versions");
      // The new version serves already: a failed clean-up is logged, and the next deploy tries again.
      await this.removeOlderGenerations(state).catch((err: unknown) =>
        this.ctx.logger.error({ err, service_id: payload.service_id }, "could not remove older versions"),
      );
      return reporter.final("running", "cleanup", `Running ${fresh.length} replica(s) of ${ref}`);
    } catch (err) {
      const error = statusError(err, deadline, signal);
      this.ctx.logger.warn(
        { deployment_id: payload.deployment_id, code: error.code, reason: error.message },
        "deploy failed",
      );
      state.inProgress = null;
      await this.store.save(state);
      const rolledBack = payload.rollback_on_failure && old.length > 0;
      const message = rolledBack ? `${error.message}; the previous version keeps serving` : error.message;
      return reporter.final(rolledBack ? "rolled_back" : "failed", reporter.phase, message, error);
    }
  }

  /**
   * The current deployment sent again (a replayed command, or a retry after containers died): its containers
   * already carry its names, so they are not recreated. Running ones make it a no-op; otherwise they are
   * restarted one at a time, like the restart command. Null when none is left: it is then deployed anew.
   */
  private async replay(state: ServiceState, reporter: StatusReporter): Promise<DeployStatusPayload | null> {
    const ids = state.current?.containerIds ?? [];
    const containers = await inspectAll(this.ctx.runtime, ids);
    if (containers.length === 0) return null;
    const running = containers.filter((c) => c.state === "running");
    const first = containers[0];
    if (first) reporter.setContainer(first.id);
    if (!state.stopped && running.length === ids.length && first) {
      return reporter.final("running", "cleanup", "This deployment is already running");
    }
    reporter.step("starting", "start_container", 50, "Restarting this deployment's containers");
    try {
      await restartService(this.ctx, this.store, state.serviceId, this.ctx.stopTimeoutSeconds);
      return reporter.final("running", "cleanup", "This deployment was restarted");
    } catch (err) {
      const code = isAgentError(err) ? err.code : "INTERNAL_ERROR";
      const message = err instanceof Error ? err.message : String(err);
      return reporter.final("failed", reporter.phase, message, { code, message });
    }
  }

  /** Containers of this deployment left by an earlier attempt (their names would collide). */
  private async removeLeftovers(payload: DeployPayload, keep: string[]): Promise<void> {
    const containers = await this.ctx.runtime.list({ serviceId: payload.service_id });
    const leftovers = containers.filter(
      (c) => c.labels[LABELS.deploymentId] === payload.deployment_id && !keep.includes(c.id),
    );
    await Promise.all(leftovers.map((c) => this.ctx.runtime.remove(c.id)));
  }

  /** The new version becomes current and the old one previous, in one atomic state write. */
  private async commit(state: ServiceState, payload: DeployPayload, fresh: ContainerInfo[]): Promise<void> {
    state.previous = state.current;
    state.current = { deployment: payload, containerIds: fresh.map((c) => c.id) };
    state.inProgress = null;
    state.stopped = false;
    await this.store.save(state);
    this.currentDeployments.set(payload.service_id, payload.deployment_id);
  }

  /** Services whose deploy asks for Prometheus scraping, with their running containers' addresses. */
  async scrapeTargets(): Promise<ScrapeTarget[]> {
    const targets: ScrapeTarget[] = [];
    for (const state of await this.store.list()) {
      const deployment = state.current?.deployment;
      const config = deployment?.telemetry?.metrics_scrape;
      if (!state.current || !deployment || !config || state.stopped) continue;
      const containers = await inspectAll(this.ctx.runtime, state.current.containerIds);
      const containerIps = containers.flatMap((c) => (c.state === "running" && c.networkIp ? [c.networkIp] : []));
      targets.push({
        serviceId: state.serviceId,
        deploymentId: deployment.deployment_id,
        config,
        servicePort: deployment.config.port,
        containerIps,
      });
    }
    return targets;
  }

  /**
   * Whether this agent deploys the service (a deploy of it started here, even one still in progress). Other
   * Syntra containers on the same engine (another agent's, a test's) are not this agent's business.
   */
  deploys(serviceId: string): Promise<boolean> {
    return this.store.has(serviceId);
  }

  /** The deployment of the service that runs now on this host, as far as this agent knows. */
  currentDeployment(serviceId: string): string | undefined {
    return this.currentDeployments.get(serviceId);
  }

  /** Removes the service's containers that are neither current nor previous. */
  private async removeOlderGenerations(state: ServiceState): Promise<void> {
    const keep = new Set([...(state.current?.containerIds ?? []), ...(state.previous?.containerIds ?? [])]);
    const containers = await this.ctx.runtime.list({ serviceId: state.serviceId });
    await Promise.all(
      containers
        .filter((c) => !keep.has(c.id))
        .map(async (c) => {
          this.ctx.health.forget(c.id);
          await this.ctx.runtime.remove(c.id);
        }),
    );
  }
}

/** The error of a failed deploy's status; the deadline makes TIMEOUT, the caller's signal CANCELLED. */
function statusError(
  err: unknown,
  deadline: AbortSignal,
  signal: AbortSignal | undefined,
): { code: AgentErrorCode; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (deadline.aborted && !isAgentError(err, "HEALTH_CHECK_FAILED")) return { code: "TIMEOUT", message };
  if (signal?.aborted) return { code: "CANCELLED", message };
  if (isAgentError(err)) return { code: err.code, message };
  return { code: "INTERNAL_ERROR", message };
}
