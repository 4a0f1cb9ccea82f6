import type { DowntimeCondition } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import { resultRows } from "../../db/client";
import type { GroupResult, RuleSource } from "./types";
import { serviceLabels } from "./types";

interface CheckRow {
  service_id: string;
  is_healthy: boolean;
  checked_at: string | Date;
  error_message: string | null;
  rn: number;
}

/**
 * `downtime`: the latest `consecutive_failures` health checks of a service all failed. One query for every service of
 * the batch (the newest checks of each, from the (service_id, checked_at) index). A service whose server is offline is
 * inhibited: the agent cannot check it, and the server-offline event speaks for all its services.
 */
export const evaluateDowntime: RuleSource<DowntimeCondition> = async (deps, rules, now) => {
  const out = new Map<string, GroupResult[]>();
  const ids = [...new Set(rules.flatMap((r) => r.services.map((s) => s.id)))];
  const depth = Math.max(1, ...rules.map((r) => r.condition.consecutive_failures));
  const since = new Date(now.getTime() - 7 * 86_400_000).toISOString();
  const latest = new Map<string, CheckRow[]>();
  if (ids.length > 0) {
    const rows = resultRows<CheckRow>(
      await deps.db.execute(sql`
        SELECT service_id, is_healthy, checked_at, error_message, rn FROM (
          SELECT service_id, is_healthy, checked_at, error_message,
                 row_number() OVER (PARTITION BY service_id ORDER BY checked_at DESC) AS rn
          FROM health_checks
          WHERE service_id IN (${sql.join(
            ids.map((id) => sql`${id}::uuid`),
            sql`, `,
          )}) AND checked_at > ${since} AND checked_at <= ${now.toISOString()}
        ) c WHERE rn <= ${depth} ORDER BY service_id, rn`),
    );
    for (const r of rows) latest.set(r.service_id, [...(latest.get(r.service_id) ?? []), r]);
  }
  const monitorIds = [...new Set(rules.flatMap((r) => r.condition.monitor_ids))];
  const monitorChecks = await latestMonitorResults(deps, monitorIds, depth, since, now);
  for (const r of rules) {
    const n = r.condition.consecutive_failures;
    const onlyMonitors = r.condition.monitor_ids.length > 0 && r.rule.projectId === null && r.rule.serviceId === null;
    const monitorGroups = r.condition.monitor_ids.flatMap((id): GroupResult[] => {
      const m = monitorChecks.get(id);
      if (!m || m.orgId !== r.rule.orgId) return [];
      const checks = m.results.slice(0, n);
      const lastError = checks[0]?.error_message ?? null;
      return [
        {
          key: `monitor:${id}`,
          active: checks.length === n && checks.every((c) => !c.is_up),
          value: checks.filter((c) => !c.is_up).length,
          title: `${m.name} is down`,
          message: `${m.name} failed its last ${n} check${n === 1 ? "" : "s"}${lastError ? `: ${lastError}` : ""}.`,
          labels: { monitor_id: id, monitor_name: m.name },
          details: { consecutive_failures: n, ...(lastError && { last_error: lastError }) },
        },
      ];
    });
    out.set(r.rule.id, [
      ...monitorGroups,
      ...(onlyMonitors ? [] : r.services).map((s): GroupResult => {
        const checks = (latest.get(s.id) ?? []).slice(0, n);
        const failing = checks.length === n && checks.every((c) => !c.is_healthy);
        const lastError = checks[0]?.error_message ?? null;
        return {
          key: `service:${s.id}`,
          active: failing,
          inhibited: s.serverStatus === "offline",
          value: checks.filter((c) => !c.is_healthy).length,
          title: `${s.name} is down`,
          message: `${s.name} failed its last ${n} health check${n === 1 ? "" : "s"}${lastError ? `: ${lastError}` : ""}.`,
          labels: serviceLabels(s),
          details: { consecutive_failures: n, ...(lastError && { last_error: lastError }) },
        };
      }),
    ]);
  }
  return out;
};

/** The newest results of each monitor (from any of its servers), with its name and organization. */
async function latestMonitorResults(
  deps: Parameters<RuleSource>[0],
  ids: string[],
  depth: number,
  since: string,
  now: Date,
): Promise<Map<string, { name: string; orgId: string; results: MonitorRow[] }>> {
  const out = new Map<string, { name: string; orgId: string; results: MonitorRow[] }>();
  if (ids.length === 0) return out;
  const list = sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const monitors = resultRows<{ id: string; name: string; org_id: string }>(
    await deps.db.execute(sql`SELECT id, name, org_id FROM monitors WHERE id IN (${list})`),
  );
  for (const m of monitors) out.set(m.id, { name: m.name, orgId: m.org_id, results: [] });
  const rows = resultRows<MonitorRow & { monitor_id: string }>(
    await deps.db.execute(sql`
      SELECT monitor_id, is_up, error_message, rn FROM (
        SELECT monitor_id, is_up, error_message,
               row_number() OVER (PARTITION BY monitor_id ORDER BY checked_at DESC) AS rn
        FROM monitor_results WHERE monitor_id IN (${list}) AND checked_at > ${since} AND checked_at <= ${now.toISOString()}
      ) r WHERE rn <= ${depth} ORDER BY monitor_id, rn`),
  );
  for (const r of rows) out.get(r.monitor_id)?.results.push(r);
  return out;
}

interface MonitorRow {
  is_up: boolean;
  error_message: string | null;
}
