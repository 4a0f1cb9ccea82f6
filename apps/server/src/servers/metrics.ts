import type { MetricSeries, ServerMetricsQuery } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import { type Db, resultRows } from "../db/client";
import { AppError } from "../errors";

const INTERVAL_SECONDS: Record<ServerMetricsQuery["interval"], number> = {
  "1m": 60,
  "5m": 300,
  "1h": 3600,
  "1d": 86_400,
};

/** The resources of a heartbeat, each charted as one series named after its column. */
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

type BucketRow = Record<string, unknown> & { bucket: unknown; samples: unknown };

/**
 * A server's heartbeat metrics between `from` and `to` (default: the last hour), one series per
 * resource, in buckets of `interval` aligned to the epoch, each with the average (`value`, `avg`),
 * minimum and maximum of its samples. No samples in the range: no series.
 */
export async function serverMetricSeries(
  db: Db,
  serverId: string,
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
  // floor(epoch / step) * step works alike on PostgreSQL and PGlite (date_bin needs PostgreSQL 14+).
  const aggregates = SERVER_METRIC_NAMES.map(
    (name) =>
      sql`avg(${sql.identifier(name)})::float8 AS ${sql.identifier(`${name}_avg`)},
          min(${sql.identifier(name)})::float8 AS ${sql.identifier(`${name}_min`)},
          max(${sql.identifier(name)})::float8 AS ${sql.identifier(`${name}_max`)}`,
  );
  const result = await db.execute(sql`
    SELECT floor(extract(epoch FROM recorded_at) / ${step}) * ${step} AS bucket,
           count(*) AS samples,
           ${sql.join(aggregates, sql`, `)}
    FROM server_metrics
    WHERE server_id = ${serverId} AND recorded_at >= ${from.toISOString()}::timestamptz
      AND recorded_at <= ${to.toISOString()}::timestamptz
    GROUP BY 1
    ORDER BY 1`);
  const rows = resultRows<BucketRow>(result);
  if (rows.length === 0) return [];
  return SERVER_METRIC_NAMES.map((name) => ({
    name,
    labels: { server_id: serverId },
    points: rows.map((row) => {
      const avg = Number(row[`${name}_avg`]);
      return {
        timestamp: new Date(Number(row.bucket) * 1000).toISOString(),
        value: avg,
        avg,
        min: Number(row[`${name}_min`]),
        max: Number(row[`${name}_max`]),
      };
    }),
  }));
}
