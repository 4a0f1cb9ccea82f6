import type { MetricSeries } from "@syntra/contracts";
import type { ClickHouseDriver } from "./driver";
import { dateParam } from "./time";
import type { MetricQuery, ServiceScope } from "./types";

// A day is read from the hourly rollup (24 rows per series and day), its hours merged into the day's bucket.
const ROLLUP_TABLE = { "1m": "metrics_1m", "5m": "metrics_5m", "1h": "metrics_1h", "1d": "metrics_1h" } as const;
const INTERVAL_START = {
  "1m": "toStartOfMinute",
  "5m": "toStartOfFiveMinutes",
  "1h": "toStartOfHour",
  "1d": "toStartOfDay",
} as const;

interface PointRow {
  metric_name: string;
  series_hash: string;
  labels: Record<string, string>;
  t: string;
  min_value: number;
  max_value: number;
  avg_value: number;
  value: number;
}

/**
 * A service's metric series from the rollup of the interval. A gauge's point is its average over the interval (with
 * min and max); a counter's or histogram's (cumulative values, as OTLP's cumulative sums and Prometheus send them)
 * is its increase: the interval's last value minus the previous interval's (the last value itself after a reset; on
 * a series' first interval, last minus first seen). Computed in ClickHouse with a window over each series.
 */
export async function metricSeries(
  driver: ClickHouseDriver,
  scope: ServiceScope,
  query: MetricQuery,
): Promise<MetricSeries[]> {
  const table = ROLLUP_TABLE[query.interval];
  const start = INTERVAL_START[query.interval];
  const bucket = query.interval === "1d" ? "toStartOfDay(timestamp)" : "timestamp";
  const rows = await driver.query<PointRow>(
    `SELECT metric_name, toString(series_hash) AS series_hash, labels, toString(toUnixTimestamp(bucket)) AS t,
        min_value, max_value, if(count = 0, 0, sum_value / count) AS avg_value,
        multiIf(
          metric_type = 'gauge', avg_value,
          previous IS NULL, last - min_value,
          last >= previous, last - assumeNotNull(previous),
          last) AS value
     FROM (
       SELECT metric_name, series_hash, metric_type, ${bucket} AS bucket, any(labels) AS labels, min(min_value) AS min_value,
          max(max_value) AS max_value, sum(sum_value) AS sum_value, sum(count) AS count,
          argMaxMerge(last_value) AS last,
          lagInFrame(toNullable(last)) OVER (PARTITION BY metric_name, series_hash, metric_type ORDER BY bucket
            ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous
       FROM ${table}
       WHERE org_id = {org:UUID} AND service_id = {service:UUID} AND metric_name IN {names:Array(String)}
         AND timestamp >= ${start}(toDateTime({from:DateTime64(3, 'UTC')}, 'UTC'))
         AND timestamp <= toDateTime({to:DateTime64(3, 'UTC')}, 'UTC')
       GROUP BY metric_name, series_hash, metric_type, bucket
     )
     ORDER BY metric_name, series_hash, bucket`,
    {
      org: scope.orgId,
      service: scope.serviceId,
      names: query.names,
      from: dateParam(query.from),
      to: dateParam(query.to),
    },
  );
  const series = new Map<string, MetricSeries>();
  for (const r of rows) {
    const key = `${r.metric_name}\u0000${r.series_hash}`;
    let s = series.get(key);
    if (!s) {
      s = { name: r.metric_name, labels: r.labels, points: [] };
      series.set(key, s);
    }
    s.points.push({
      timestamp: new Date(Number(r.t) * 1000).toISOString(),
      value: r.value,
      min: r.min_value,
      max: r.max_value,
      avg: r.avg_value,
    });
  }
  return [...series.values()];
}
