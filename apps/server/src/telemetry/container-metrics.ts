import { CONTAINER_METRICS, type HeartbeatPayload } from "@syntra/contracts";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { projects, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { hostMetricRows } from "./host-metrics";
import type { MetricRow } from "./store/types";

/**
 * The CPU and memory of a server's Syntra containers, from one heartbeat, as metric rows of their services: the
 * service overview's resource charts and the metrics view read them like any metric (`CONTAINER_METRICS`, one series
 * per container). Stamped with the control plane's clock, as the heartbeat's host metrics are. Containers of
 * services that are not the server's organization's are left out: the service id is the agent's claim.
 */
export async function containerMetricRows(
  db: Db,
  server: { orgId: string },
  beat: HeartbeatPayload,
  at: Date,
): Promise<MetricRow[]> {
  const running = beat.services.filter((s) => s.status === "running");
  if (running.length === 0) return [];
  const claimed = [...new Set(running.map((s) => s.service_id))];
  const ours = new Set(
    (
      await db
        .select({ id: services.id })
        .from(services)
        .innerJoin(projects, eq(projects.id, services.projectId))
        .where(and(eq(projects.orgId, server.orgId), inArray(services.id, claimed)))
    ).map((r) => r.id),
  );
  const timestamp = at.toISOString();
  return running
    .filter((s) => ours.has(s.service_id))
    .flatMap((s): MetricRow[] => {
      const common = {
        org_id: server.orgId,
        service_id: s.service_id,
        deployment_id: s.deployment_id,
        timestamp,
        type: "gauge" as const,
        labels: { "container.id": s.container_id.slice(0, 12) },
      };
      return [
        { ...common, name: CONTAINER_METRICS.cpu, value: s.cpu_percent },
        { ...common, name: CONTAINER_METRICS.memory, value: Math.round(s.memory_mb * 1024 * 1024) },
      ];
    });
}

/** One recorded heartbeat's metrics: the host's resources as metrics of the server, its containers' of their services. */
async function heartbeatMetricRows(
  deps: Pick<AppDeps, "db">,
  server: { id: string; orgId: string },
  beat: HeartbeatPayload,
  at: Date,
): Promise<MetricRow[]> {
  return [...hostMetricRows(server, beat.resources, at), ...(await containerMetricRows(deps.db, server, beat, at))];
}

/** Stores one recorded heartbeat's metrics with one insert of their own (backfills and tests; the hub batches). */
export async function storeHeartbeatMetrics(
  deps: Pick<AppDeps, "db" | "telemetry">,
  server: { id: string; orgId: string },
  beat: HeartbeatPayload,
  at: Date,
): Promise<void> {
  const metrics = await heartbeatMetricRows(deps, server, beat, at);
  if (metrics.length > 0) await deps.telemetry.insert({ spans: [], logs: [], metrics });
}

/**
 * The fleet's heartbeat metrics, written together once per `flushMs`. A chDB insert costs ~20 ms of CPU whatever its
 * size, and a fleet's heartbeats arrive a few hundred a second, spread out: written as they came, an insert was
 * always running (about a core at 2,000 agents). Each heartbeat's promise settles when its batch is stored; what
 * waits is bounded by one window of heartbeats.
 */
export class HeartbeatMetricsWriter {
  private rows: MetricRow[] = [];
  private batch: Promise<void> | undefined;

  constructor(
    private readonly deps: Pick<AppDeps, "db" | "telemetry">,
    private readonly flushMs: number,
  ) {}

  /** Adds a recorded heartbeat's metrics to the next batch; resolves once that batch is stored. */
  async store(server: { id: string; orgId: string }, beat: HeartbeatPayload, at: Date): Promise<void> {
    const metrics = await heartbeatMetricRows(this.deps, server, beat, at);
    if (metrics.length === 0) return;
    for (const row of metrics) this.rows.push(row);
    this.batch ??= new Promise<void>((resolve) => setTimeout(resolve, this.flushMs).unref()).then(() => {
      const rows = this.rows;
      this.rows = [];
      this.batch = undefined;
      return this.deps.telemetry.insert({ spans: [], logs: [], metrics: rows });
    });
    return this.batch;
  }
}
