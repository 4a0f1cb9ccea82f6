import type { DeployPayload, HealthCheckConfig } from "@syntra/contracts";
import { AgentError } from "../errors";
import type { ContainerInfo } from "../runtime/types";
import { drain, pointRoute, probeUntilHealthy, recentLogs, startReplica, type WorkloadContext } from "./context";
import type { StatusReporter } from "./status";

// Old containers brought back after a failed deploy were healthy minutes ago: they get this long.
const RESTORE_TIMEOUT_MS = 60_000;
const FAILED_CONTAINER_LOG_LINES = 20;

export interface RolloutInput {
  payload: DeployPayload;
  check: HealthCheckConfig;
  /** The running containers of the version serving now (empty on a first deploy). */
  old: ContainerInfo[];
  /** How the old version is checked when it has to be brought back: its own check and port. */
  oldCheck: { check: HealthCheckConfig; port: number };
  reporter: StatusReporter;
  /** The deploy's deadline (and the caller's cancellation). */
  signal: AbortSignal;
  /** Makes the new version current; called once traffic goes to it alone, before old containers stop. */
  commit: (fresh: ContainerInfo[]) => Promise<void>;
}

/**
 * Replaces a service's containers with new ones by the payload's strategy. The route only ever lists
 * containers that passed their health check, and old containers stop only after traffic left them (plus the
 * drain period). On failure before the commit, it puts the old containers back in service, removes the new
 * ones, and rethrows; after the commit nothing is undone (a failed stop of an old container is only logged).
 */
export async function rollout(ctx: WorkloadContext, input: RolloutInput): Promise<ContainerInfo[]> {
  return new Rollout(ctx, input).run();
}

class Rollout {
  /** New containers created so far, healthy or not. */
  private readonly fresh: ContainerInfo[] = [];
  /** Old containers this rollout stopped before the commit. */
  private readonly retired: ContainerInfo[] = [];
  private committed = false;

  constructor(
    private readonly ctx: WorkloadContext,
    private readonly input: RolloutInput,
  ) {}

  async run(): Promise<ContainerInfo[]> {
    try {
      const strategy = this.input.payload.strategy;
      switch (strategy) {
        case "instant":
          return await this.instant();
        case "rolling":
          return await this.rolling();
        case "blue_green":
          return await this.blueGreen();
        default: {
          const unknown: never = strategy;
          throw new AgentError("VALIDATION_ERROR", `Unknown strategy ${String(unknown)}`);
        }
      }
    } catch (err) {
      if (!this.committed) await this.abandon();
      throw err;
    }
  }

  /**
   * Stop the old version, then start the new one: downtime in between, as the strategy allows. The domains
   * answer 503 (Retry-After) during it rather than Caddy dialing a stopped container. That matters beyond the
   * downtime: the new container usually gets the address the old one had (Docker hands out the lowest free
   * one), and Caddy keeps an upstream's failures by address (passive health check, 10 s), so one failed dial
   * at the dead address would leave the new container skipped after the deploy reported running.
   */
  private async instant(): Promise<ContainerInfo[]> {
    const { old, reporter, payload } = this.input;
    if (old.length > 0) {
      reporter.step("creating", "stop_old", 20, `Stopping ${old.length} container(s) of the previous version`);
      await pointRoute(this.ctx, payload, []);
      await drain(this.ctx);
      await Promise.all(old.map((c) => this.ctx.runtime.stop(c.id, this.ctx.stopTimeoutSeconds)));
      this.retired.push(...old);
    }
    for (let replica = 0; replica < this.replicas; replica++) await this.start(replica);
    await this.checkHealth(this.fresh);
    reporter.step("starting", "configure_network", 85, "Routing traffic to the new version");
    await pointRoute(this.ctx, this.input.payload, this.fresh);
    await this.commit();
    return this.fresh;
  }

  /** One replica at a time: start new i, check it, route it in with old i out, drain, stop old i. */
  private async rolling(): Promise<ContainerInfo[]> {
    const { reporter } = this.input;
    const remaining = [...this.input.old];
    for (let replica = 0; replica < this.replicas; replica++) {
      const container = await this.start(replica);
      await this.checkHealth([container]);
      const victim = remaining.shift();
      reporter.step("starting", "configure_network", 85, `Routing replica ${replica + 1}/${this.replicas}`);
      await pointRoute(this.ctx, this.input.payload, [...this.fresh, ...remaining]);
      if (victim) {
        reporter.step("starting", "stop_old", 90, `Draining and stopping ${victim.name}`);
        await drain(this.ctx);
        await this.ctx.runtime.stop(victim.id, this.ctx.stopTimeoutSeconds);
        this.retired.push(victim);
      }
    }
    // More old replicas than new ones: the rest leave together.
    if (remaining.length > 0) await pointRoute(this.ctx, this.input.payload, this.fresh);
    await this.commit();
    await this.retire(remaining);
    return this.fresh;
  }

  /** All new containers, all healthy, then the route switches in one call. */
  private async blueGreen(): Promise<ContainerInfo[]> {
    for (let replica = 0; replica < this.replicas; replica++) await this.start(replica);
    await this.checkHealth(this.fresh);
    this.input.reporter.step("starting", "configure_network", 85, "Switching traffic to the new version");
    await pointRoute(this.ctx, this.input.payload, this.fresh);
    await this.commit();
    await this.retire(this.input.old);
    return this.fresh;
  }

  private get replicas(): number {
    return this.input.payload.config.replicas;
  }

  private async start(replica: number): Promise<ContainerInfo> {
    const { reporter, payload } = this.input;
    this.throwIfAborted();
    reporter.step("creating", "create_container", 30, `Creating replica ${replica + 1}/${this.replicas}`);
    const container = await startReplica(this.ctx, payload, replica);
    this.fresh.push(container);
    reporter.setContainer(container.id);
    reporter.step("starting", "start_container", 50, `Started ${container.name}`);
    return container;
  }

  private async checkHealth(containers: ContainerInfo[]): Promise<void> {
    const { reporter, check, payload, signal } = this.input;
    this.throwIfAborted();
    const what = check.type === "http" ? `http ${check.path}` : check.type;
    reporter.step("health_checking", "health_check", 70, `Checking ${containers.length} container(s) (${what})`);
    const results = await Promise.all(
      containers.map((c) => probeUntilHealthy(this.ctx, c, payload.config.port, check, signal)),
    );
    this.throwIfAborted();
    const failed = results.findIndex((r) => !r.healthy);
    const container = containers[failed];
    const result = results[failed];
    if (!container || !result) return;
    for (const line of await recentLogs(this.ctx.runtime, container.id, FAILED_CONTAINER_LOG_LINES)) {
      reporter.log(`${container.name}: ${line}`);
    }
    throw new AgentError(
      "HEALTH_CHECK_FAILED",
      `${container.name} did not become healthy after ${result.attempts} probe(s): ${result.lastError}`,
    );
  }

  private async commit(): Promise<void> {
    this.throwIfAborted();
    await this.input.commit(this.fresh);
    this.committed = true;
  }

  /** After the commit: drain, then stop the old containers (kept for rollback). Failures are only logged. */
  private async retire(containers: ContainerInfo[]): Promise<void> {
    if (containers.length === 0) return;
    this.input.reporter.step("starting", "stop_old", 90, `Draining and stopping ${containers.length} old container(s)`);
    await drain(this.ctx);
    await Promise.all(
      containers.map((c) =>
        this.ctx.runtime.stop(c.id, this.ctx.stopTimeoutSeconds).catch((err: unknown) => {
          this.ctx.logger.error({ err, container: c.name }, "could not stop an old container");
        }),
      ),
    );
  }

  private throwIfAborted(): void {
    const { signal } = this.input;
    if (!signal.aborted) return;
    const timedOut = (signal.reason as { name?: string } | undefined)?.name === "TimeoutError";
    throw timedOut
      ? new AgentError("TIMEOUT", `Deploy did not finish within ${this.input.payload.timeout_seconds}s`)
      : new AgentError("CANCELLED", "Deploy was cancelled");
  }

  /**
   * Undoes an unfinished rollout: old containers it stopped start again (for instant, only with
   * rollback_on_failure) and take the route back, then the new containers go. Never throws. Instant removes
   * the new containers first: old and new must never run together (a database's volume holds one writer).
   */
  private async abandon(): Promise<void> {
    const { payload, old } = this.input;
    const { ctx } = this;
    if (payload.strategy === "instant") await this.removeFresh();
    try {
      const restore = payload.strategy !== "instant" || payload.rollback_on_failure;
      const untouched = old.filter((c) => !this.retired.includes(c));
      const restored = restore ? await this.restoreRetired() : [];
      const serving = [...untouched, ...restored];
      if (serving.length > 0) {
        await pointRoute(ctx, payload, serving);
        // Rolling may have routed new containers: let their requests finish before removing them.
        if (payload.strategy === "rolling" && this.fresh.length > 0) await drain(ctx);
      } else if (old.length === 0) {
        await ctx.router.removeRoute(payload.service_id);
      } else {
        // The old version is stopped and stays so: its domains answer 503 rather than hang on dead upstreams.
        await pointRoute(ctx, payload, []);
      }
    } catch (err) {
      ctx.logger.error({ err }, "could not put the previous version back in service");
    }
    await this.removeFresh();
  }

  /** Removes the containers this rollout created (once: a second call finds none). Never throws. */
  private async removeFresh(): Promise<void> {
    const { ctx } = this;
    const fresh = this.fresh.splice(0);
    await Promise.all(
      fresh.map(async (c) => {
        ctx.health.forget(c.id);
        await ctx.runtime.remove(c.id).catch((err: unknown) => {
          ctx.logger.error({ err, container: c.name }, "could not remove a container of the failed deploy");
        });
      }),
    );
  }

  /** Starts the old containers this rollout stopped; they have new addresses, so they are checked again. */
  private async restoreRetired(): Promise<ContainerInfo[]> {
    const { ctx } = this;
    const signal = AbortSignal.timeout(RESTORE_TIMEOUT_MS);
    const restored = await Promise.all(
      this.retired.map(async (c) => {
        await ctx.runtime.restart(c.id, ctx.stopTimeoutSeconds);
        const info = await ctx.runtime.inspect(c.id);
        if (!info) return null;
        const { check, port } = this.input.oldCheck;
        const result = await probeUntilHealthy(ctx, info, port, check, signal);
        if (!result.healthy)
          ctx.logger.warn({ container: c.name, reason: result.lastError }, "restored container unhealthy");
        return result.healthy ? info : null;
      }),
    );
    return restored.filter((c): c is ContainerInfo => c !== null);
  }
}
