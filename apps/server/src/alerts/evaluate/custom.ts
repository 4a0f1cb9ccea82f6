import type { CustomCondition } from "@syntra/contracts";
import { HOST_METRICS } from "../../telemetry/host-metrics";
import type { MetricAggregateRow } from "../../telemetry/store/types";
import {
  compare,
  type GroupResult,
  type RuleInput,
  type RuleSource,
  round,
  type ScopeService,
  serviceLabels,
  windowText,
} from "./types";

type Aggregation = CustomCondition["aggregation"];

function aggregateOf(
  row: Pick<MetricAggregateRow, "samples" | "min" | "max" | "sum" | "last">,
  a: Aggregation,
): number {
  switch (a) {
    case "avg":
      return row.samples > 0 ? row.sum / row.samples : 0;
    case "min":
      return row.min;
    case "max":
      return row.max;
    case "sum":
      return row.sum;
    case "count":
      return row.samples;
    case "last":
      return row.last;
    default: {
      const never: never = a;
      throw new Error(`unknown aggregation ${String(never)}`);
    }
  }
}

/** The server resources a `server_metric` rule may name, as stored from the heartbeats. */
const SERVER_METRICS: Record<string, string> = {
  cpu_percent: HOST_METRICS.cpu_percent,
  memory_used_percent: HOST_METRICS.memory_used_percent,
  disk_used_percent: HOST_METRICS.disk_used_percent,
};

async function serviceMetric(deps: Parameters<RuleSource>[0], r: RuleInput<CustomCondition>, now: Date) {
  const c = r.condition;
  const rows = await deps.telemetry.metricPerService({
    orgId: r.rule.orgId,
    serviceIds: r.services.map((s) => s.id),
    metric: c.metric,
    labels: c.labels,
    from: new Date(now.getTime() - c.window_seconds * 1000),
    to: now,
  });
  const byService = new Map(rows.map((row) => [row.serviceId, row]));
  return r.services.map((s): GroupResult => {
    const row = byService.get(s.id);
    const value = row && row.samples > 0 ? round(aggregateOf(row, c.aggregation)) : null;
    return {
      key: `service:${s.id}`,
      active: value !== null && compare(value, c.operator, c.threshold),
      value,
      title: `${s.name}: ${c.aggregation}(${c.metric}) = ${value ?? "no data"}`,
      message: `${c.aggregation} of ${c.metric} of ${s.name} over the last ${windowText(c.window_seconds)} is ${value ?? "without data"} (threshold ${c.operator} ${c.threshold}).`,
      labels: serviceLabels(s),
      details: { metric: c.metric, aggregation: c.aggregation, window_seconds: c.window_seconds },
    };
  });
}

async function serverMetric(deps: Parameters<RuleSource>[0], r: RuleInput<CustomCondition>, now: Date) {
  const c = r.condition;
  const metric = SERVER_METRICS[c.metric];
  const servers = new Map<string, ScopeService>();
  for (const s of r.services) if (s.serverId && !servers.has(s.serverId)) servers.set(s.serverId, s);
  if (!metric || servers.size === 0) return [];
  // A server's host metrics are stored under its id in the service column (see hostMetricRows).
  const rows = await deps.telemetry.metricPerService({
    orgId: r.rule.orgId,
    serviceIds: [...servers.keys()],
    metric,
    labels: {},
    from: new Date(now.getTime() - c.window_seconds * 1000),
    to: now,
  });
  const byServer = new Map(rows.map((row) => [row.serviceId, row]));
  return [...servers.entries()].map(([serverId, s]): GroupResult => {
    const row = byServer.get(serverId);
    const value = row && row.samples > 0 ? round(aggregateOf(row, c.aggregation)) : null;
    const name = s.serverName ?? serverId;
    return {
      key: `server:${serverId}`,
      active: value !== null && compare(value, c.operator, c.threshold),
      value,
      title: `${name}: ${c.aggregation}(${c.metric}) = ${value ?? "no data"}`,
      message: `${c.aggregation} of ${c.metric} of server ${name} over the last ${windowText(c.window_seconds)} is ${value ?? "without data"} (threshold ${c.operator} ${c.threshold}).`,
      labels: { server_id: serverId, server_name: name },
      details: { metric: c.metric, aggregation: c.aggregation, window_seconds: c.window_seconds },
    };
  });
}

/** `custom`: any stored metric of the scope's services, or a resource of their servers, aggregated over a window. */
export const evaluateCustom: RuleSource<CustomCondition> = async (deps, rules, now) => {
  const out = new Map<string, GroupResult[]>();
  for (const r of rules) {
    out.set(
      r.rule.id,
      r.condition.source === "server_metric" ? await serverMetric(deps, r, now) : await serviceMetric(deps, r, now),
    );
  }
  return out;
};
