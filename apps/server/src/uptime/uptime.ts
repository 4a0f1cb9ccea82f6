import type { ServiceUptime, UptimePoint, UptimeWindows } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import { type Db, resultRows } from "../db/client";
import { MONITOR_RESULTS, rawFrom, SERVICE_CHECKS, type UptimeSource } from "./rollups";

const WINDOW_MS = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000, "90d": 90 * 86_400_000 } as const;
type Period = keyof typeof WINDOW_MS;

const ids = (serviceIds: string[]) =>
  sql.join(
    serviceIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );

/**
 * The hours of the services' checks since `from`: hourly rollups before the recompute horizon, raw checks after it
 * (so the current hour is exact), as one set of rows.
 */
function hoursSql(src: UptimeSource, serviceIds: string[], from: Date, now: Date) {
  const horizon = rawFrom(now);
  const id = sql.raw(src.id);
  return sql`
    SELECT ${id} AS service_id, bucket, checks, healthy, response_ms_sum, response_ms_max FROM ${sql.raw(src.rollups)}
    WHERE granularity = 'hour' AND ${id} IN (${ids(serviceIds)})
      AND bucket >= ${from.toISOString()} AND bucket < ${horizon.toISOString()}
    UNION ALL
    SELECT ${id}, date_trunc('hour', checked_at), count(*), count(*) FILTER (WHERE ${sql.raw(src.healthy)}),
           sum(${sql.raw(src.response)}), max(${sql.raw(src.response)})
    FROM ${sql.raw(src.raw)}
    WHERE ${id} IN (${ids(serviceIds)}) AND checked_at >= ${new Date(Math.max(from.getTime(), horizon.getTime())).toISOString()}
      AND checked_at <= ${now.toISOString()}
    GROUP BY ${id}, date_trunc('hour', checked_at)`;
}

/** Rolling uptime (24h, 7d, 30d, 90d) of several services in one query: the share of passing checks, in percent. */
export async function uptimeOf(
  db: Db,
  serviceIds: string[],
  now: Date,
  src: UptimeSource = SERVICE_CHECKS,
): Promise<Map<string, UptimeWindows>> {
  const out = new Map<string, UptimeWindows>();
  if (serviceIds.length === 0) return out;
  const from = new Date(now.getTime() - WINDOW_MS["90d"]);
  const t = (p: Period) => new Date(now.getTime() - WINDOW_MS[p]).toISOString();
  const rows = resultRows<Record<string, string | number | null> & { service_id: string }>(
    await db.execute(sql`
      SELECT service_id,
        sum(checks) FILTER (WHERE bucket >= date_trunc('hour', ${t("24h")}::timestamptz)) AS c24,
        sum(healthy) FILTER (WHERE bucket >= date_trunc('hour', ${t("24h")}::timestamptz)) AS h24,
        sum(checks) FILTER (WHERE bucket >= date_trunc('hour', ${t("7d")}::timestamptz)) AS c7,
        sum(healthy) FILTER (WHERE bucket >= date_trunc('hour', ${t("7d")}::timestamptz)) AS h7,
        sum(checks) FILTER (WHERE bucket >= date_trunc('hour', ${t("30d")}::timestamptz)) AS c30,
        sum(healthy) FILTER (WHERE bucket >= date_trunc('hour', ${t("30d")}::timestamptz)) AS h30,
        sum(checks) AS c90, sum(healthy) AS h90
      FROM (${hoursSql(src, serviceIds, from, now)}) h GROUP BY service_id`),
  );
  const pct = (c: unknown, h: unknown) =>
    Number(c ?? 0) > 0 ? Math.round((Number(h) / Number(c)) * 100_000) / 1000 : null;
  for (const id of serviceIds) out.set(id, { "24h": null, "7d": null, "30d": null, "90d": null });
  for (const r of rows) {
    out.set(r.service_id, {
      "24h": pct(r.c24, r.h24),
      "7d": pct(r.c7, r.h7),
      "30d": pct(r.c30, r.h30),
      "90d": pct(r.c90, r.h90),
    });
  }
  return out;
}

/** Daily checks of services over the last `days` days (status page bars), from the daily rollups and today's hours. */
export async function dailyUptime(
  db: Db,
  serviceIds: string[],
  days: number,
  now: Date,
  src: UptimeSource = SERVICE_CHECKS,
): Promise<Map<string, Map<string, { checks: number; healthy: number }>>> {
  const out = new Map<string, Map<string, { checks: number; healthy: number }>>();
  if (serviceIds.length === 0) return out;
  const from = new Date(now.getTime() - days * 86_400_000);
  from.setUTCHours(0, 0, 0, 0);
  const rows = resultRows<{ service_id: string; day: string | Date; checks: number; healthy: number }>(
    await db.execute(sql`
      SELECT service_id, date_trunc('day', bucket) AS day, sum(checks)::int AS checks, sum(healthy)::int AS healthy
      FROM (${hoursSql(src, serviceIds, from, now)}) h GROUP BY service_id, date_trunc('day', bucket)`),
  );
  for (const r of rows) {
    const byDay = out.get(r.service_id) ?? new Map();
    byDay.set(new Date(r.day).toISOString().slice(0, 10), { checks: Number(r.checks), healthy: Number(r.healthy) });
    out.set(r.service_id, byDay);
  }
  return out;
}

/** A service's uptime, latest check, failures in a row and response-time points of a period. */
export async function serviceUptime(db: Db, serviceId: string, period: Period, now: Date): Promise<ServiceUptime> {
  const uptime = (await uptimeOf(db, [serviceId], now)).get(serviceId) ?? {
    "24h": null,
    "7d": null,
    "30d": null,
    "90d": null,
  };
  const recent = resultRows<{
    checked_at: string | Date;
    is_healthy: boolean;
    response_time_ms: number;
    error_message: string | null;
  }>(
    await db.execute(sql`
      SELECT checked_at, is_healthy, response_time_ms, error_message FROM health_checks
      WHERE service_id = ${serviceId} AND checked_at <= ${now.toISOString()}
      ORDER BY checked_at DESC LIMIT 100`),
  );
  const firstHealthy = recent.findIndex((r) => r.is_healthy);
  const points = await pointsOf(db, SERVICE_CHECKS, serviceId, period, now);
  const latest = recent[0];
  return {
    service_id: serviceId,
    uptime,
    latest: latest
      ? {
          checked_at: new Date(latest.checked_at).toISOString(),
          is_healthy: latest.is_healthy,
          response_time_ms: Number(latest.response_time_ms),
          error: latest.error_message,
        }
      : null,
    consecutive_failures: firstHealthy === -1 ? recent.length : firstHealthy,
    period,
    points,
  };
}

/** A monitor's uptime windows and response-time points of a period. */
export async function monitorUptime(db: Db, monitorId: string, period: Period, now: Date) {
  const uptime = (await uptimeOf(db, [monitorId], now, MONITOR_RESULTS)).get(monitorId) ?? {
    "24h": null,
    "7d": null,
    "30d": null,
    "90d": null,
  };
  return { monitor_id: monitorId, uptime, period, points: await pointsOf(db, MONITOR_RESULTS, monitorId, period, now) };
}

/** Hourly (24h, 7d) or daily (30d, 90d) points of one service's checks or one monitor's results. */
async function pointsOf(db: Db, src: UptimeSource, id: string, period: Period, now: Date): Promise<UptimePoint[]> {
  const unit = period === "24h" || period === "7d" ? "hour" : "day";
  const from = new Date(now.getTime() - WINDOW_MS[period]);
  return resultRows<{ at: string | Date; checks: number; healthy: number; sum: number; max: number }>(
    await db.execute(sql`
      SELECT date_trunc(${unit}, bucket) AS at, sum(checks)::int AS checks, sum(healthy)::int AS healthy,
             sum(response_ms_sum) AS sum, max(response_ms_max) AS max
      FROM (${hoursSql(src, [id], from, now)}) h GROUP BY 1 ORDER BY 1`),
  ).map(
    (p): UptimePoint => ({
      at: new Date(p.at).toISOString(),
      checks: Number(p.checks),
      healthy: Number(p.healthy),
      avg_response_ms: Number(p.checks) > 0 ? Math.round((Number(p.sum) / Number(p.checks)) * 10) / 10 : null,
      max_response_ms: p.max === null ? null : Number(p.max),
    }),
  );
}
