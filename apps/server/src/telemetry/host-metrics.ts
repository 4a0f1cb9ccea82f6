import type { HeartbeatPayload } from "@syntra/contracts";
import type { MetricRow } from "./store/types";

/**
 * The host resources of a heartbeat as stored metrics: the server metrics API's series name → the stored metric
 * name. The two `*_used_percent` are what alerting's server-metric rules compare (a ratio per sample, so the
 * aggregate over a window is of the ratio, not a ratio of aggregates); the charts read the others.
 */
export const HOST_METRICS = {
  cpu_percent: "host.cpu_percent",
  memory_used_mb: "host.memory_used_mb",
  memory_available_mb: "host.memory_available_mb",
  disk_used_gb: "host.disk_used_gb",
  disk_available_gb: "host.disk_available_gb",
  network_rx_bytes: "host.network_rx_bytes",
  network_tx_bytes: "host.network_tx_bytes",
  memory_used_percent: "host.memory_used_percent",
  disk_used_percent: "host.disk_used_percent",
} as const;

/** A resource of a server, by the name the API and alert rules use. */
export type HostMetricName = keyof typeof HOST_METRICS;

function percent(used: number, available: number): number | null {
  const total = used + available;
  return total > 0 ? (100 * used) / total : null;
}

/**
 * The host resources of one heartbeat (`resources`) as gauge rows of the server. A server's rows carry the server's id in the
 * `service_id` column: the metrics tables are sorted by (org_id, service_id, metric_name, …), so one server's
 * chart or alert reads one contiguous range, as a service's does (a `server.id` label under a shared id would make
 * every query read the whole fleet's rows of the organization). Server and service ids are both random UUIDs, so
 * a server's rows never show in a service's views. Stamped with the control plane's clock, like last_heartbeat_at,
 * so one skewed agent cannot scatter its own series.
 */
export function hostMetricRows(
  server: { id: string; orgId: string },
  r: HeartbeatPayload["resources"],
  at: Date,
): MetricRow[] {
  const values: Record<HostMetricName, number | null> = {
    cpu_percent: r.cpu_usage_percent,
    memory_used_mb: r.memory_used_mb,
    memory_available_mb: r.memory_available_mb,
    disk_used_gb: r.disk_used_gb,
    disk_available_gb: r.disk_available_gb,
    network_rx_bytes: r.network_rx_bytes,
    network_tx_bytes: r.network_tx_bytes,
    memory_used_percent: percent(r.memory_used_mb, r.memory_available_mb),
    disk_used_percent: percent(r.disk_used_gb, r.disk_available_gb),
  };
  const timestamp = at.toISOString();
  return (Object.keys(HOST_METRICS) as HostMetricName[]).flatMap((key): MetricRow[] => {
    const value = values[key];
    if (value === null) return [];
    return [
      {
        org_id: server.orgId,
        service_id: server.id,
        timestamp,
        type: "gauge",
        name: HOST_METRICS[key],
        value,
        labels: {},
      },
    ];
  });
}
