import type { HealthCheckResult } from "@syntra/contracts";
import { probe, probeTarget } from "../health/probes";
import { healthCheckFor, inspectAll, pointRoute, type WorkloadContext } from "./context";
import { isServing } from "./operations";
import type { KeyedQueue } from "./queue";
import type { StateStore } from "./state";

/**
 * The periodic health check of running services: one probe per container at the check's interval, feeding
 * the health in heartbeats. It also keeps each route on the serving containers: one that turns unhealthy
 * (retries + 1 failures in a row) leaves it while others serve, and addresses that changed (a container that
 * was down while another took its address comes back at a new one) are picked up. Services busy with another operation are skipped.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly lastChecked = new Map<string, number>();

  constructor(
    private readonly ctx: WorkloadContext,
    private readonly store: StateStore,
    private readonly queue: KeyedQueue,
    /** Each probe's outcome, for the telemetry batch (the control plane keeps them in health_checks). */
    private readonly report?: (result: HealthCheckResult) => void,
  ) {}

  start(tickMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over the services whose interval is due; exported for tests. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const state of await this.store.list()) {
        if (!state.current || state.stopped || state.inProgress || this.queue.busy(state.serviceId)) continue;
        const check = healthCheckFor(state.current.deployment, state.healthCheck);
        const last = this.lastChecked.get(state.serviceId) ?? 0;
        if (Date.now() - last < check.interval_seconds * 1000) continue;
        this.lastChecked.set(state.serviceId, Date.now());
        await this.queue.run(state.serviceId, () => this.checkService(state.serviceId));
      }
    } catch (err) {
      this.ctx.logger.error({ err }, "health monitor pass failed");
    } finally {
      this.ticking = false;
    }
  }

  private async checkService(serviceId: string): Promise<void> {
    const state = await this.store.load(serviceId);
    if (!state.current || state.stopped) return;
    const payload = state.current.deployment;
    const check = healthCheckFor(payload, state.healthCheck);
    const running = (await inspectAll(this.ctx.runtime, state.current.containerIds)).filter(
      (c) => c.state === "running" && c.address,
    );
    // The deployment's containers exist but none runs (stopped, crashed and not restarted): the service is down,
    // and its checks say so rather than falling silent, so downtime alerts and uptime see it.
    if (running.length === 0 && state.current.containerIds.length > 0) {
      this.report?.({
        service_id: serviceId,
        timestamp: new Date().toISOString(),
        is_healthy: false,
        response_time_ms: 0,
        error: "no running container",
      });
    }
    for (const c of running) {
      const started = performance.now();
      const result = await probe(check, probeTarget(check, c, payload.config.port), this.ctx.runtime);
      this.ctx.health.record(c.id, result.healthy, check.retries);
      this.report?.({
        service_id: serviceId,
        timestamp: new Date().toISOString(),
        is_healthy: result.healthy,
        response_time_ms: Math.round(performance.now() - started),
        ...(result.error ? { error: result.error } : {}),
      });
    }
    const serving = running.filter((c) => isServing(this.ctx, c));
    // Nothing serves: leave the route as it is rather than take the last chance away.
    if (serving.length === 0 || payload.networking.domains.length === 0) return;
    const route = (await this.ctx.router.routes()).find((r) => r.serviceId === serviceId);
    const want = serving.map((c) => c.address).sort();
    const have = [...(route?.upstreams ?? [])].sort();
    if (JSON.stringify(want) !== JSON.stringify(have)) await pointRoute(this.ctx, payload, serving);
  }
}
