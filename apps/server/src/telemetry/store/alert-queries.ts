import type { ClickHouseDriver, QueryParams } from "./driver";
import { dateParam } from "./time";
import type { MetricAggregateQuery, MetricAggregateRow, RequestStats, RequestStatsQuery } from "./types";

// Services are bound as an Array(String) and compared with toString(service_id): bound as Array(UUID), chDB 3.4
// matched no row (checked); org_id, the sorting key's first column, still narrows the read to the organization.

/**
 * Requests (entry-point spans: server and consumer spans, and roots), their errors and duration percentiles per
 * service over a window, weighted by sample_weight (sampled traffic counts as what it stands for). One query for
 * every service of the organization asked: the alert evaluator batches its rules' services into it.
 */
export async function requestStats(driver: ClickHouseDriver, q: RequestStatsQuery): Promise<RequestStats[]> {
  if (q.serviceIds.length === 0) return [];
  const params: QueryParams = {
    org: q.orgId,
    services: q.serviceIds,
    from: dateParam(q.from),
    to: dateParam(q.to),
  };
  if (q.operation !== undefined) params.operation = q.operation;
  const rows = await driver.query<{
    service_id: string;
    requests: number;
    errors: number;
    q: number[];
  }>(
    `SELECT toString(service_id) AS service_id, sum(sample_weight) AS requests,
        sumIf(sample_weight, status_code = 'error') AS errors,
        quantilesTDigestWeighted(0.5, 0.9, 0.95, 0.99)(duration_ns, toUInt32(greatest(1, round(sample_weight)))) AS q
     FROM traces
     WHERE org_id = {org:UUID} AND toString(service_id) IN {services:Array(String)}
       AND start_time > {from:DateTime64(3, 'UTC')} AND start_time <= {to:DateTime64(3, 'UTC')}
       AND (span_kind IN ('server', 'consumer') OR parent_span_id = '')
       ${q.operation !== undefined ? "AND operation_name = {operation:String}" : ""}
     GROUP BY service_id`,
    params,
  );
  return rows.map((r) => {
    const ms = (i: number) => Number(r.q[i] ?? 0) / 1e6;
    return {
      serviceId: r.service_id,
      requests: Number(r.requests),
      errors: Number(r.errors),
      p50Ms: ms(0),
      p90Ms: ms(1),
      p95Ms: ms(2),
      p99Ms: ms(3),
    };
  });
}

/**
 * One metric aggregated over a window per service, from the 1-minute rollup: avg, min, max, sum and count of the
 * samples, or the last value. Only series whose labels hold every label asked for take part.
 */
export async function metricPerService(
  driver: ClickHouseDriver,
  q: MetricAggregateQuery,
): Promise<MetricAggregateRow[]> {
  if (q.serviceIds.length === 0) return [];
  const params: QueryParams = {
    org: q.orgId,
    services: q.serviceIds,
    metric: q.metric,
    from: dateParam(q.from),
    to: dateParam(q.to),
  };
  const labelClauses = Object.entries(q.labels).map(([key, value], i) => {
    params[`lk${i}`] = key;
    params[`lv${i}`] = value;
    return `AND labels[{lk${i}:String}] = {lv${i}:String}`;
  });
  const rows = await driver.query<{
    service_id: string;
    samples: number;
    min_value: number;
    max_value: number;
    sum_value: number;
    last_value: number;
  }>(
    `SELECT toString(service_id) AS service_id, sum(count) AS samples, min(min_value) AS min_value,
        max(max_value) AS max_value, sum(sum_value) AS sum_value, argMax(last, timestamp) AS last_value
     FROM (
       SELECT service_id, series_hash, timestamp, any(labels) AS labels, sum(count) AS count, min(min_value) AS min_value,
          max(max_value) AS max_value, sum(sum_value) AS sum_value, argMaxMerge(last_value) AS last
       FROM metrics_1m
       WHERE org_id = {org:UUID} AND toString(service_id) IN {services:Array(String)} AND metric_name = {metric:String}
         AND timestamp >= toStartOfMinute(toDateTime({from:DateTime64(3, 'UTC')}, 'UTC'))
         AND timestamp <= toDateTime({to:DateTime64(3, 'UTC')}, 'UTC')
       GROUP BY service_id, series_hash, timestamp
     )
     WHERE 1 ${labelClauses.join(" ")}
     GROUP BY service_id`,
    params,
  );
  return rows.map((r) => ({
    serviceId: r.service_id,
    samples: Number(r.samples),
    min: Number(r.min_value),
    max: Number(r.max_value),
    sum: Number(r.sum_value),
    last: Number(r.last_value),
  }));
}
