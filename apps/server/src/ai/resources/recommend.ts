import type { AIRecommendations } from "@syntra/contracts";
import { and, count, eq, gte, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { agentAlerts } from "../../db/schema";
import type { AppDeps } from "../../deps";
import type { ProjectScope } from "../../projects/projects";
import { getServiceRow } from "../../services/services";
import { CONTAINER_STEP_SECONDS, type ContainerStep, containerSteps } from "../container-usage";
import { cpuCores, NEEDED_HOURS, recommend, type Usage } from "./rules";

const WINDOW_MS = 7 * 86_400_000;

/** The nearest-rank p95 of values (not empty). */
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] ?? 0;
}

/** The highest of values (a loop: a week of many containers is too many arguments for Math.max). */
function highest(values: Iterable<number>): number {
  let top = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > top) top = v;
  return top;
}

/** p95 of the containers' 5-minute averages and the highest sample, scaled; null without data. */
function figures(steps: ContainerStep[], scale: number): { p95: number; peak: number } | null {
  if (steps.length === 0) return null;
  return { p95: p95(steps.map((s) => s.avg)) * scale, peak: highest(steps.map((s) => s.max)) * scale };
}

/** OOM kills of a service's containers in a window: its agents' alerts flagged `oom_killed`. */
async function oomKills(db: Db, serviceId: string, from: Date, to: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(agentAlerts)
    .where(
      and(
        eq(agentAlerts.serviceId, serviceId),
        gte(agentAlerts.reportedAt, from),
        lte(agentAlerts.reportedAt, to),
        sql`(${agentAlerts.metadata} ->> 'oom_killed') = 'true'`,
      ),
    );
  return row?.n ?? 0;
}

/**
 * GET /ai/recommendations/:serviceId: the service's containers' CPU and memory of the last 7 days (per container at
 * 5-minute steps, from the heartbeat metrics in the telemetry store), its OOM kills, and the suggestions the
 * deterministic rules (`rules.ts`) make from them. Works the same with any AI provider or none: no provider is asked.
 */
export async function resourceRecommendations(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
): Promise<AIRecommendations> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  const to = deps.now();
  const from = new Date(to.getTime() - WINDOW_MS);
  const target = { orgId: scope.orgId, serviceId: service.id };
  const [cpu, memory, kills] = await Promise.all([
    containerSteps(deps.telemetry, target, "cpu", { from, to }),
    containerSteps(deps.telemetry, target, "memory", { from, to }),
    oomKills(deps.db, service.id, from, to),
  ]);
  const cpuSteps = [...cpu.values()].flat();
  const memorySteps = [...memory.values()].flat();
  // All containers together per step: the load the replicas share.
  const totals = new Map<number, number>();
  for (const s of cpuSteps) totals.set(s.t, (totals.get(s.t) ?? 0) + s.avg);
  const stepsSeen = new Set([...cpuSteps, ...memorySteps].map((s) => s.t)).size;
  const observedHours = (stepsSeen * CONTAINER_STEP_SECONDS) / 3600;
  const limit = cpuCores(service.cpuLimit);
  const usage: Usage = {
    containers: new Set([...cpu.keys(), ...memory.keys()]).size,
    // Heartbeats give CPU in percent of one core.
    cpu_cores: figures(cpuSteps, 0.01),
    memory_bytes: figures(memorySteps, 1),
    total_cpu_cores:
      totals.size === 0 ? null : { p95: p95([...totals.values()]) / 100, peak: highest(totals.values()) / 100 },
    oom_kills: kills,
    throttling: {
      measured: false,
      steps_at_cpu_limit: limit === null ? null : cpuSteps.filter((s) => s.max / 100 >= 0.95 * limit).length,
      note: "Throttling is not measured: heartbeats carry CPU percent, not the cgroup's throttled periods. Steps at the CPU limit (a sample at 95% of it or more) stand in for it.",
    },
  };
  const current = { cpu_limit: service.cpuLimit, memory_limit: service.memoryLimit, replicas: service.replicas ?? 1 };
  const base = {
    service_id: service.id,
    window: { from: from.toISOString(), to: to.toISOString() },
    observed_hours: Math.round(observedHours * 100) / 100,
    needed_hours: NEEDED_HOURS,
    current,
    usage,
  };
  if (observedHours < NEEDED_HOURS) {
    return {
      ...base,
      state: "not_enough_data",
      recommendations: [],
      explanation: `Not enough data yet: ${base.observed_hours} hours of container CPU and memory in the last 7 days, ${NEEDED_HOURS} needed. Suggestions appear once the service has run for a day.`,
    };
  }
  const { suggestions, notes } = recommend(current, usage);
  const createdAt = to.toISOString();
  return {
    ...base,
    state: "ready",
    recommendations: suggestions.map((s) => ({
      ...s,
      id: crypto.randomUUID(),
      service_id: service.id,
      created_at: createdAt,
    })),
    explanation: [
      `From ${base.observed_hours} hours of CPU and memory of ${usage.containers} container${usage.containers === 1 ? "" : "s"} in the last 7 days${kills > 0 ? ` and ${kills} OOM kill${kills === 1 ? "" : "s"}` : ""}.`,
      suggestions.length === 0
        ? "Nothing to change."
        : `${suggestions.length} suggestion${suggestions.length === 1 ? "" : "s"}.`,
      ...notes,
    ].join(" "),
  };
}
