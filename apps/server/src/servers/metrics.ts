import type { MetricSeries, ServerMetricsQuery } from "@syntra/contracts";
import { AppError } from "../errors";
import { HOST_METRICS } from "../telemetry/host-metrics";
import type { TelemetryStore } from "../telemetry/store/types";

const INTERVAL_SECONDS: Record<ServerMetricsQuery["interval"], number> = {
  "1m": 60,
  "5m": 300,
  "1h": 3600,
  "1d": 86_400,
};

/** The resources of a heartbeat, each charted as one series (stored as `HOST_METRICS`). */
export const SERVER_METRIC_NAMES = [
  "cpu_percent",
  "memory_used_mb",
  "memory_available_mb",
  "disk_used_gb",
  "disk_available_gb",
  "network_rx_bytes",
  "network_tx_bytes",
] as const;

/** More points than any chart draws; a wider range needs a coarser interval. */
const MAX_BUCKETS = 5000;
const DEFAULT_RANGE_MS = 3_600_000;

/**
 * A server's heartbeat metrics between `from` and `to` (default: the last hour), one series per resource, from the
 * telemetry store's rollup of `interval` (1d: the hourly rollup merged by day), each point with the average
 * (`value`, `avg`), minimum and maximum of its samples. No samples in the range: no series.
 */
export async function serverMetricSeries(
  telemetry: TelemetryStore,
  server: { id: string; orgId: string },
  query: ServerMetricsQuery,
  now: Date,
): Promise<MetricSeries[]> {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_RANGE_MS);
  const step = INTERVAL_SECONDS[query.interval];
  if ((to.getTime() - from.getTime()) / 1000 / step > MAX_BUCKETS) {
    throw new AppError(
      "UNPROCESSABLE",
      `The range holds more than ${MAX_BUCKETS} ${query.interval} buckets; pick a larger interval`,
      [{ path: "query.interval", message: "too fine for the range" }],
    );
  }
  const stored = await telemetry.metricSeries(
    { orgId: server.orgId, serviceId: server.id },
    { names: SERVER_METRIC_NAMES.map((name) => HOST_METRICS[name]), interval: query.interval, from, to },
  );
  const byName = new Map(stored.map((s) => [s.name, s]));
  return SERVER_METRIC_NAMES.flatMap((name) => {
    const series = byName.get(HOST_METRICS[name]);
    return series ? [{ name, labels: { server_id: server.id }, points: series.points }] : [];
  });
}
