import { sql } from "drizzle-orm";
import { type Db, resultRows } from "../db/client";

/** Raw health checks are kept this long (uptime reads them only for the last hours; rollups hold the rest). */
export const RAW_RETENTION_MS = 3 * 86_400_000;
/** Hourly rollups are kept 90 days (the longest uptime window), daily ones 400 (a year of status page history). */
const HOURLY_RETENTION_DAYS = 91;
const DAILY_RETENTION_DAYS = 400;
/** Hours recomputed from raw checks at every pass: checks arriving late (an agent's buffered batch) within it count. */
export const RECOMPUTE_MS = 2 * 3_600_000;

/** Where checks of one kind are stored raw and rolled up; the names are constants, never input. */
export interface UptimeSource {
  raw: string;
  id: string;
  healthy: string;
  response: string;
  rollups: string;
}

/** The services' health checks. */
export const SERVICE_CHECKS: UptimeSource = {
  raw: "health_checks",
  id: "service_id",
  healthy: "is_healthy",
  response: "response_time_ms",
  rollups: "health_check_rollups",
};

/** The uptime monitors' results. */
export const MONITOR_RESULTS: UptimeSource = {
  raw: "monitor_results",
  id: "monitor_id",
  healthy: "is_up",
  response: "latency_ms",
  rollups: "monitor_result_rollups",
};

/** The start of the hour `ms` before `now`: raw checks from here on are read raw, older ones from the rollups. */
export function rawFrom(now: Date): Date {
  const t = new Date(now.getTime() - RECOMPUTE_MS);
  t.setUTCMinutes(0, 0, 0);
  return t;
}

/**
 * Rolls health checks up per hour and per day, then prunes what is past retention. Idempotent (buckets are
 * recomputed and upserted), so any replica may run it at any time; it starts from the oldest hour not yet rolled up
 * within the raw retention, so a control plane that was down catches up.
 */
export async function rollUpHealthChecks(db: Db, now: Date): Promise<{ hours: number; days: number; pruned: number }> {
  const services = await rollUp(db, SERVICE_CHECKS, now);
  const monitors = await rollUp(db, MONITOR_RESULTS, now);
  return {
    hours: services.hours + monitors.hours,
    days: services.days + monitors.days,
    pruned: services.pruned + monitors.pruned,
  };
}

async function rollUp(db: Db, src: UptimeSource, now: Date): Promise<{ hours: number; days: number; pruned: number }> {
  const raw = sql.raw(src.raw);
  const id = sql.raw(src.id);
  const healthy = sql.raw(src.healthy);
  const response = sql.raw(src.response);
  const rollups = sql.raw(src.rollups);
  const [last] = resultRows<{ last: string | null }>(
    await db.execute(sql`SELECT max(bucket) AS last FROM ${rollups} WHERE granularity = 'hour'`),
  );
  const floor = new Date(now.getTime() - RAW_RETENTION_MS);
  const lastHour = last?.last ? new Date(last.last) : floor;
  const from = new Date(Math.max(floor.getTime(), Math.min(lastHour.getTime(), rawFrom(now).getTime())));
  from.setUTCMinutes(0, 0, 0);
  const day = new Date(from);
  day.setUTCHours(0, 0, 0, 0);
  return db.transaction(async (tx) => {
    const hours = resultRows(
      await tx.execute(sql`
        INSERT INTO ${rollups} (${id}, granularity, bucket, checks, healthy, response_ms_sum, response_ms_max)
        SELECT ${id}, 'hour', date_trunc('hour', checked_at), count(*), count(*) FILTER (WHERE ${healthy}),
               sum(${response}), max(${response})
        FROM ${raw} WHERE checked_at >= ${from.toISOString()} AND checked_at <= ${now.toISOString()}
        GROUP BY ${id}, date_trunc('hour', checked_at)
        ON CONFLICT (${id}, granularity, bucket) DO UPDATE SET checks = EXCLUDED.checks, healthy = EXCLUDED.healthy,
          response_ms_sum = EXCLUDED.response_ms_sum, response_ms_max = EXCLUDED.response_ms_max
        RETURNING 1`),
    ).length;
    const days = resultRows(
      await tx.execute(sql`
        INSERT INTO ${rollups} (${id}, granularity, bucket, checks, healthy, response_ms_sum, response_ms_max)
        SELECT ${id}, 'day', date_trunc('day', bucket), sum(checks), sum(healthy), sum(response_ms_sum),
               max(response_ms_max)
        FROM ${rollups} WHERE granularity = 'hour' AND bucket >= ${day.toISOString()}
        GROUP BY ${id}, date_trunc('day', bucket)
        ON CONFLICT (${id}, granularity, bucket) DO UPDATE SET checks = EXCLUDED.checks, healthy = EXCLUDED.healthy,
          response_ms_sum = EXCLUDED.response_ms_sum, response_ms_max = EXCLUDED.response_ms_max
        RETURNING 1`),
    ).length;
    const prunedRaw = resultRows(
      await tx.execute(sql`DELETE FROM ${raw} WHERE checked_at < ${floor.toISOString()} RETURNING 1`),
    ).length;
    await tx.execute(sql`
      DELETE FROM ${rollups}
      WHERE (granularity = 'hour' AND bucket < ${new Date(now.getTime() - HOURLY_RETENTION_DAYS * 86_400_000).toISOString()})
         OR (granularity = 'day' AND bucket < ${new Date(now.getTime() - DAILY_RETENTION_DAYS * 86_400_000).toISOString()})`);
    return { hours, days, pruned: prunedRaw };
  });
}
