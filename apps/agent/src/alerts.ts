import type { AlertPayload, ServiceStatus } from "@syntra/contracts";
import type { ResourceSample } from "./host/resource-sampler";

const CRASH_WINDOW_MS = 5 * 60_000;
const CRASHES_FOR_LOOP = 3;
const REPEAT_AFTER_MS = 10 * 60_000;
const CRITICAL_FREE_RATIO = 0.05;

/**
 * Turns heartbeat samples into alerts: disk or memory nearly exhausted, a container restarting in a loop, a
 * service's health check failing. Each condition alerts when it starts and at most every ten minutes while
 * it lasts, so a lasting problem does not flood the control plane.
 */
export class AlertMonitor {
  private readonly lastSent = new Map<string, number>();
  private readonly restarts = new Map<string, { count: number; at: number }[]>();
  private readonly health = new Map<string, ServiceStatus["health"]>();

  constructor(
    private readonly serverId: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The alerts this sample raises. */
  check(resources: ResourceSample, services: ServiceStatus[]): AlertPayload[] {
    const out: AlertPayload[] = [];
    const t = this.now().getTime();
    const diskTotal = resources.disk_used_gb + resources.disk_available_gb;
    if (diskTotal > 0 && resources.disk_available_gb / diskTotal < CRITICAL_FREE_RATIO) {
      this.raise(out, "disk", {
        type: "resource_critical",
        severity: "critical",
        title: "Disk almost full",
        message: `${resources.disk_available_gb} GB free of ${round1(diskTotal)} GB`,
        metadata: { disk_available_gb: resources.disk_available_gb, disk_used_gb: resources.disk_used_gb },
      });
    }
    const memTotal = resources.memory_used_mb + resources.memory_available_mb;
    if (memTotal > 0 && resources.memory_available_mb / memTotal < CRITICAL_FREE_RATIO) {
      this.raise(out, "memory", {
        type: "resource_critical",
        severity: "critical",
        title: "Memory almost exhausted",
        message: `${resources.memory_available_mb} MB available of ${memTotal} MB`,
        metadata: { memory_available_mb: resources.memory_available_mb },
      });
    }
    for (const s of services) {
      const history = [...(this.restarts.get(s.container_id) ?? []), { count: s.restart_count, at: t }].filter(
        (h) => h.at > t - CRASH_WINDOW_MS,
      );
      this.restarts.set(s.container_id, history);
      const first = history[0];
      if (first && s.restart_count - first.count >= CRASHES_FOR_LOOP) {
        this.raise(out, `crash:${s.container_id}`, {
          service_id: s.service_id,
          type: "container_crash",
          severity: "critical",
          title: "Container is crash-looping",
          message: `Restarted ${s.restart_count - first.count} times in the last 5 minutes`,
          metadata: { container_id: s.container_id, restart_count: s.restart_count },
        });
      }
      const before = this.health.get(s.container_id);
      this.health.set(s.container_id, s.health);
      if (s.health === "unhealthy" && before !== "unhealthy") {
        this.raise(out, `health:${s.container_id}`, {
          service_id: s.service_id,
          type: "health_check_failed",
          severity: "warning",
          title: "Health check failing",
          message: `Container ${s.container_id.slice(0, 12)} stopped passing its health check`,
          metadata: { container_id: s.container_id },
        });
      }
    }
    return out;
  }

  private raise(
    out: AlertPayload[],
    key: string,
    alert: Omit<AlertPayload, "alert_id" | "server_id" | "timestamp">,
  ): void {
    const t = this.now().getTime();
    if (t - (this.lastSent.get(key) ?? Number.NEGATIVE_INFINITY) < REPEAT_AFTER_MS) return;
    this.lastSent.set(key, t);
    out.push({
      ...alert,
      alert_id: `alr_${globalThis.crypto.randomUUID()}`,
      server_id: this.serverId,
      timestamp: new Date(t).toISOString(),
    });
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
