import { CONTAINER_METRICS } from "@syntra/contracts";
import type { ServiceScope, TelemetryStore, TimeRange } from "../telemetry/store/types";

/** One 5-minute step of one container: the average of its samples and the highest sample. */
export interface ContainerStep {
  /** Start of the step, epoch milliseconds. */
  t: number;
  avg: number;
  max: number;
}

/** The step of the container figures read here (the 5-minute rollup). */
export const CONTAINER_STEP_SECONDS = 300;

/**
 * A service's containers' CPU (percent of one core) or memory (bytes) as recorded from the agents' heartbeats, per
 * container (`container.id` label) and 5-minute step, from the telemetry store's rollup: the anomaly detector's
 * cpu/memory signals and the resource recommender both read them.
 */
export async function containerSteps(
  telemetry: TelemetryStore,
  scope: ServiceScope,
  resource: keyof typeof CONTAINER_METRICS,
  range: TimeRange,
): Promise<Map<string, ContainerStep[]>> {
  const { series } = await telemetry.metricAggregate(scope, {
    metric: CONTAINER_METRICS[resource],
    type: "gauge",
    intervalSeconds: CONTAINER_STEP_SECONDS,
    aggregation: "avg",
    groupBy: "container.id",
    from: range.from,
    to: range.to,
  });
  const out = new Map<string, ContainerStep[]>();
  for (const s of series) {
    const id = s.labels["container.id"] ?? "";
    out.set(
      id,
      s.points.map((p) => ({ t: Date.parse(p.timestamp), avg: p.value, max: p.max ?? p.value })),
    );
  }
  return out;
}
