import type { ErrorRateCondition, LatencyCondition } from "@syntra/contracts";
import { and, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { errorEvents, errorGroups } from "../../db/schema";
import type { RequestStats } from "../../telemetry/store/types";
import {
  compare,
  type GroupResult,
  type RuleInput,
  type RuleSource,
  round,
  type SourceDeps,
  serviceLabels,
  windowText,
} from "./types";

/** Error events per service in (from, to], one query for all services of every rule sharing the window. */
async function errorEventCounts(deps: SourceDeps, serviceIds: string[], from: Date, to: Date) {
  if (serviceIds.length === 0) return new Map<string, number>();
  const rows = await deps.db
    .select({ serviceId: errorGroups.serviceId, n: sql<number>`count(*)::int` })
    .from(errorEvents)
    .innerJoin(errorGroups, eq(errorGroups.id, errorEvents.errorGroupId))
    .where(
      and(inArray(errorGroups.serviceId, serviceIds), gt(errorEvents.timestamp, from), lte(errorEvents.timestamp, to)),
    )
    .groupBy(errorGroups.serviceId);
  return new Map(rows.map((r) => [r.serviceId, Number(r.n)]));
}

/** Request stats per service for rules sharing a window (and operation): one store query per organization. */
async function requestStatsFor(
  deps: SourceDeps,
  rules: RuleInput[],
  windowSeconds: number,
  operation: string | undefined,
  now: Date,
): Promise<Map<string, RequestStats>> {
  const byOrg = new Map<string, Set<string>>();
  for (const r of rules) {
    const set = byOrg.get(r.rule.orgId) ?? new Set<string>();
    for (const s of r.services) set.add(s.id);
    byOrg.set(r.rule.orgId, set);
  }
  const out = new Map<string, RequestStats>();
  const from = new Date(now.getTime() - windowSeconds * 1000);
  for (const [orgId, ids] of byOrg) {
    const stats = await deps.telemetry.requestStats({ orgId, serviceIds: [...ids], from, to: now, operation });
    for (const s of stats) out.set(s.serviceId, s);
  }
  return out;
}

/** Groups rules by a key (their window, operation ...) so each group is one query. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** `error_rate`: error events per window, or the share of failed requests, per service of the scope. */
export const evaluateErrorRate: RuleSource<ErrorRateCondition> = async (deps, rules, now) => {
  const out = new Map<string, GroupResult[]>();
  const groups = groupBy(rules, (r) => `${r.condition.measure}:${r.condition.window_seconds}`);
  for (const group of groups.values()) {
    const { measure, window_seconds: window } = (group[0] as RuleInput<ErrorRateCondition>).condition;
    const from = new Date(now.getTime() - window * 1000);
    if (measure === "events") {
      const counts = await errorEventCounts(
        deps,
        [...new Set(group.flatMap((r) => r.services.map((s) => s.id)))],
        from,
        now,
      );
      for (const r of group) {
        out.set(
          r.rule.id,
          r.services.map((s) => {
            const value = counts.get(s.id) ?? 0;
            return {
              key: `service:${s.id}`,
              active: compare(value, r.condition.operator, r.condition.threshold),
              value,
              title: `${s.name}: ${value} errors in ${windowText(window)}`,
              message: `${s.name} reported ${value} error events in the last ${windowText(window)} (threshold ${r.condition.operator} ${r.condition.threshold}).`,
              labels: serviceLabels(s),
              details: { window_seconds: window, threshold: r.condition.threshold, operator: r.condition.operator },
            };
          }),
        );
      }
      continue;
    }
    const stats = await requestStatsFor(deps, group, window, undefined, now);
    for (const r of group) {
      out.set(
        r.rule.id,
        r.services.map((s) => {
          const st = stats.get(s.id);
          const requests = st?.requests ?? 0;
          const percent = requests > 0 ? round(((st?.errors ?? 0) / requests) * 100) : 0;
          return {
            key: `service:${s.id}`,
            active:
              requests >= r.condition.min_requests && compare(percent, r.condition.operator, r.condition.threshold),
            value: percent,
            title: `${s.name}: ${percent}% of requests failing`,
            message: `${percent}% of ${round(requests)} requests to ${s.name} failed in the last ${windowText(window)} (threshold ${r.condition.operator} ${r.condition.threshold}%).`,
            labels: serviceLabels(s),
            details: { requests, errors: st?.errors ?? 0, window_seconds: window },
          };
        }),
      );
    }
  }
  return out;
};

const PERCENTILE_FIELD = { p50: "p50Ms", p90: "p90Ms", p95: "p95Ms", p99: "p99Ms" } as const;

/** `latency`: a duration percentile of the requests per service of the scope. */
export const evaluateLatency: RuleSource<LatencyCondition> = async (deps, rules, now) => {
  const out = new Map<string, GroupResult[]>();
  const groups = groupBy(rules, (r) => `${r.condition.window_seconds}:${r.condition.operation ?? ""}`);
  for (const group of groups.values()) {
    const first = (group[0] as RuleInput<LatencyCondition>).condition;
    const stats = await requestStatsFor(deps, group, first.window_seconds, first.operation, now);
    for (const r of group) {
      const c = r.condition;
      out.set(
        r.rule.id,
        r.services.map((s) => {
          const st = stats.get(s.id);
          const value = st ? round(st[PERCENTILE_FIELD[c.percentile]]) : 0;
          const requests = st?.requests ?? 0;
          return {
            key: `service:${s.id}`,
            active: requests > 0 && requests >= c.min_requests && compare(value, c.operator, c.threshold_ms),
            value,
            title: `${s.name}: ${c.percentile} latency ${value} ms`,
            message: `The ${c.percentile} duration of ${round(requests)} requests to ${s.name}${c.operation ? ` (${c.operation})` : ""} was ${value} ms over the last ${windowText(c.window_seconds)} (threshold ${c.operator} ${c.threshold_ms} ms).`,
            labels: serviceLabels(s),
            details: { requests, window_seconds: c.window_seconds, percentile: c.percentile },
          };
        }),
      );
    }
  }
  return out;
};
