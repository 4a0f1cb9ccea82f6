import { CONTAINER_METRICS, type MetricCatalogEntry, type MetricSeries } from "@syntra/contracts";
import type { ClickHouseDriver, QueryParams } from "./driver";
import { dateParam } from "./time";
import type { MetricAggregateResult, MetricAggregateSearch, MetricType, ServiceScope, TimeRange } from "./types";

const ROLLUP_TABLE = { 60: "metrics_1m", 300: "metrics_5m", 3600: "metrics_1h" } as const;
const CONTAINER_NAMES = new Set<string>(Object.values(CONTAINER_METRICS));

/** The metrics a service sent in a range, from the hourly rollup (a row per series and hour: cheap at any range). */
export async function metricCatalog(
  driver: ClickHouseDriver,
  scope: ServiceScope,
  range: TimeRange,
): Promise<MetricCatalogEntry[]> {
  const rows = await driver.query<{ name: string; type: MetricType; label_keys: string[]; series: string }>(
    `SELECT metric_name AS name, toString(any(metric_type)) AS type,
        arraySort(groupUniqArrayArray(mapKeys(labels))) AS label_keys, toString(uniqExact(series_hash)) AS series
     FROM metrics_1h
     WHERE org_id = {org:UUID} AND service_id = {service:UUID}
       AND timestamp >= toStartOfHour(toDateTime({from:DateTime64(3, 'UTC')}, 'UTC'))
       AND timestamp <= toDateTime({to:DateTime64(3, 'UTC')}, 'UTC')
     GROUP BY metric_name
     ORDER BY metric_name`,
    { org: scope.orgId, service: scope.serviceId, from: dateParam(range.from), to: dateParam(range.to) },
  );
  return rows.map((r) => ({
    name: r.name,
    type: r.type,
    label_keys: r.label_keys,
    series: Number(r.series),
    source: CONTAINER_NAMES.has(r.name) ? "container" : "app",
  }));
}

interface AggregateRow {
  g: string;
  t: string;
  value: number | null;
  lo: number | null;
  hi: number | null;
}

/**
 * One metric's chart: its series rolled up by the interval, combined per interval by the aggregation, one result
 * series per value of the `groupBy` label. Everything is computed in ClickHouse:
 * - gauges from the rollup of the interval: avg (weighted by samples), min, max, sum (of the series' averages);
 * - counters as increases per interval and series (the difference of consecutive last values, reset-aware, as the
 *   metrics API computes them), then sum/avg/min/max over the series, or `rate` (the sum per second);
 * - histograms from the raw samples' cumulative buckets: the buckets' increase per interval and series, summed over
 *   the series, and the quantile interpolated within its bucket (as Prometheus' histogram_quantile); `avg` is the
 *   increase of the observations' sum over that of their count, `rate` the observations per second.
 */
export async function metricAggregate(
  driver: ClickHouseDriver,
  scope: ServiceScope,
  search: MetricAggregateSearch,
): Promise<MetricAggregateResult> {
  const params: QueryParams = {
    org: scope.orgId,
    service: scope.serviceId,
    metric: search.metric,
    from: dateParam(search.from),
    to: dateParam(search.to),
    step: search.intervalSeconds,
    group: search.groupBy ?? "",
  };
  const sql = search.type === "histogram" ? histogramSql(search) : rollupSql(search.type, search);
  const rows = await driver.query<AggregateRow>(sql, params);
  const series = new Map<string, MetricSeries>();
  for (const r of rows) {
    if (r.value === null || !Number.isFinite(r.value)) continue;
    let s = series.get(r.g);
    if (!s) {
      s = { name: search.metric, labels: search.groupBy ? { [search.groupBy]: r.g } : {}, points: [] };
      series.set(r.g, s);
    }
    s.points.push({
      timestamp: new Date(Number(r.t) * 1000).toISOString(),
      value: r.value,
      ...(r.lo !== null && { min: r.lo }),
      ...(r.hi !== null && { max: r.hi }),
    });
  }
  return { series: [...series.values()] };
}

/** Gauges and counters from the rollup table of the interval. */
function rollupSql(type: "gauge" | "counter", search: MetricAggregateSearch): string {
  const table = ROLLUP_TABLE[search.intervalSeconds as keyof typeof ROLLUP_TABLE];
  if (!table) throw new Error(`no rollup of ${search.intervalSeconds} s`);
  const combine =
    type === "gauge"
      ? {
          avg: "sum(sum_value) / sum(count)",
          min: "min(min_value)",
          max: "max(max_value)",
          sum: "sum(sum_value / count)",
        }[search.aggregation as "avg" | "min" | "max" | "sum"]
      : {
          sum: "sum(increase)",
          rate: "sum(increase) / {step:UInt32}",
          avg: "avg(increase)",
          min: "min(increase)",
          max: "max(increase)",
        }[search.aggregation as "sum" | "rate" | "avg" | "min" | "max"];
  if (!combine) throw new Error(`${search.aggregation} does not apply to a ${type}`);
  // Aliases apart from the columns' names: ClickHouse would read max(max_value) AS max_value as nested aggregates.
  const spread = type === "gauge" ? "min(min_value) AS lo, max(max_value) AS hi" : "NULL AS lo, NULL AS hi";
  return `SELECT g, toString(toUnixTimestamp(timestamp)) AS t, ${combine} AS value, ${spread}
     FROM (
       SELECT g, timestamp, min_value, max_value, sum_value, count,
          multiIf(previous IS NULL, last - min_value, last >= previous, last - assumeNotNull(previous), last) AS increase
       FROM (
         SELECT series_hash, any(labels)[{group:String}] AS g, timestamp, min(min_value) AS min_value,
            max(max_value) AS max_value, sum(sum_value) AS sum_value, sum(count) AS count,
            argMaxMerge(last_value) AS last,
            lagInFrame(toNullable(last)) OVER (PARTITION BY series_hash ORDER BY timestamp
              ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous
         FROM ${table}
         WHERE org_id = {org:UUID} AND service_id = {service:UUID} AND metric_name = {metric:String}
           AND timestamp >= toStartOfInterval(toDateTime({from:DateTime64(3, 'UTC')}, 'UTC'), toIntervalSecond({step:UInt32}))
           AND timestamp <= toDateTime({to:DateTime64(3, 'UTC')}, 'UTC')
         GROUP BY series_hash, timestamp
       )
     )
     GROUP BY g, timestamp
     ORDER BY g, timestamp`;
}

/** Histograms from the raw samples: bucket increases per interval summed over the series, then the figure. */
function histogramSql(search: MetricAggregateSearch): string {
  const quantile = { p50: 0.5, p95: 0.95, p99: 0.99 }[search.aggregation as "p50" | "p95" | "p99"];
  let figure: string;
  if (quantile !== undefined) {
    // rank-th observation: in the first bucket whose cumulative count reaches it, interpolated linearly between the
    // bucket's bounds. Beyond the last bound (the implicit +Inf bucket): the last bound. (counts[0] and bounds[0] are 0 in ClickHouse, so the first bucket starts at 0.)
    figure = `if(total <= 0, NULL, bounds[idx - 1] + (bounds[idx] - bounds[idx - 1])
        * if(counts[idx] = counts[idx - 1], 1, (rank - counts[idx - 1]) / (counts[idx] - counts[idx - 1])))`;
  } else if (search.aggregation === "avg") {
    figure = "if(total <= 0, NULL, sum_increase / total)";
  } else if (search.aggregation === "sum") {
    figure = "sum_increase";
  } else if (search.aggregation === "rate") {
    figure = "total / {step:UInt32}";
  } else {
    throw new Error(`${search.aggregation} does not apply to a histogram`);
  }
  return `SELECT g, toString(t) AS t, ${figure} AS value, NULL AS lo, NULL AS hi
     FROM (
       SELECT g, t, bounds, counts, total, sum_increase, total * ${quantile ?? 0} AS rank,
          if(arrayFirstIndex(c -> c >= rank, counts) = 0, length(counts), arrayFirstIndex(c -> c >= rank, counts)) AS idx
       FROM (
         SELECT g, t, any(bounds) AS bounds, sumForEach(increase) AS counts, arrayElement(counts, -1) AS total,
            sum(sum_increase) AS sum_increase
         FROM (
           SELECT g, t, bounds,
              multiIf(empty(previous), arrayMap((a, b) -> a - b, last_counts, first_counts),
                      arrayExists((a, b) -> a < b, last_counts, previous), last_counts,
                      arrayMap((a, b) -> a - b, last_counts, previous)) AS increase,
              multiIf(empty(previous), last_sum - first_sum, last_sum >= previous_sum, last_sum - previous_sum, last_sum)
                AS sum_increase
           FROM (
             SELECT series_hash, g, t, bounds, last_counts, first_counts, last_sum, first_sum,
                lagInFrame(last_counts) OVER w AS previous, lagInFrame(last_sum) OVER w AS previous_sum
             FROM (
               SELECT series_hash, any(labels)[{group:String}] AS g,
                  toUnixTimestamp(toStartOfInterval(timestamp, toIntervalSecond({step:UInt32}))) AS t,
                  any(bucket_bounds) AS bounds,
                  arrayMap(x -> toFloat64(x), argMax(bucket_counts, timestamp)) AS last_counts,
                  arrayMap(x -> toFloat64(x), argMin(bucket_counts, timestamp)) AS first_counts,
                  argMax(value, timestamp) AS last_sum, argMin(value, timestamp) AS first_sum
               FROM metrics_raw
               WHERE org_id = {org:UUID} AND service_id = {service:UUID} AND metric_name = {metric:String}
                 AND metric_type = 'histogram'
                 AND timestamp >= toStartOfInterval(toDateTime({from:DateTime64(3, 'UTC')}, 'UTC'), toIntervalSecond({step:UInt32}))
                 AND timestamp <= {to:DateTime64(3, 'UTC')}
               GROUP BY series_hash, t
             )
             WINDOW w AS (PARTITION BY series_hash ORDER BY t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
           )
         )
         GROUP BY g, t
       )
     )
     ORDER BY g, t`;
}
