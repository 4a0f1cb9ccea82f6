import type { CustomCondition } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import { resultRows } from "../../db/client";
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

const SERVER_METRIC_SQL = {
  cpu_percent: sql`cpu_percent`,
  memory_used_percent: sql`100 * memory_used_mb / NULLIF(memory_used_mb + memory_available_mb, 0)`,
  disk_used_percent: sql`100 * disk_used_gb / NULLIF(disk_used_gb + disk_available_gb, 0)`,
} as const;

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
  const expr = SERVER_METRIC_SQL[c.metric as keyof typeof SERVER_METRIC_SQL];
  const servers = new Map<string, ScopeService>();
  for (const s of r.services) if (s.serverId && !servers.has(s.serverId)) servers.set(s.serverId, s);
  if (!expr || servers.size === 0) return [];
  const from = new Date(now.getTime() - c.window_seconds * 1000).toISOString();
  const rows = resultRows<{ server_id: string; n: number; mn: number; mx: number; total: number; last: number }>(
    await deps.db.execute(sql`
      SELECT server_id, count(v)::int AS n, min(v) AS mn, max(v) AS mx, sum(v) AS total,
             (array_agg(v ORDER BY recorded_at DESC))[1] AS last
      FROM (SELECT server_id, recorded_at, ${expr} AS v FROM server_metrics
            WHERE server_id IN (${sql.join(
              [...servers.keys()].map((id) => sql`${id}::uuid`),
              sql`, `,
            )}) AND recorded_at > ${from} AND recorded_at <= ${now.toISOString()}) m
      WHERE v IS NOT NULL GROUP BY server_id`),
  );
  const byServer = new Map(rows.map((row) => [row.server_id, row]));
  return [...servers.entries()].map(([serverId, s]): GroupResult => {
    const row = byServer.get(serverId);
    const value =
      row && row.n > 0
        ? round(
            aggregateOf(
              {
                samples: Number(row.n),
                min: Number(row.mn),
                max: Number(row.mx),
                sum: Number(row.total),
                last: Number(row.last),
              },
              c.aggregation,
            ),
          )
        : null;
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
