import type { RedFigures } from "@syntra/contracts";
import type { ClickHouseDriver } from "./driver";
import { dateParam } from "./time";
import type { RedOverview, RedQuery, ServiceScope } from "./types";

interface RedRow {
  /** grouping(t, operation): 1 a row per interval, 2 a row per operation, 3 the whole range (standard bits). */
  g: number | string;
  t: string;
  operation: string;
  requests: number;
  errors: number;
  /** Nanoseconds: p50, p95, p99. */
  q: [number, number, number];
}

/** Operations listed in an overview, busiest first. */
const TOP_OPERATIONS = 20;

/**
 * A service's RED figures from the per-minute span rollup (`span_red_1m`): requests and errors summed (each span
 * weighted by the agent's sampling), and p50/p95/p99 from merging the t-digests of the minutes, so nothing is read
 * from the raw spans and no span reaches JavaScript. One query answers the three groupings (per interval, per
 * operation, the whole range) with GROUPING SETS. The rollup's state was built for the levels 0.5/0.9/0.99; a
 * t-digest merges into any levels, so p95 is read from the same state.
 */
export async function serviceRed(driver: ClickHouseDriver, scope: ServiceScope, query: RedQuery): Promise<RedOverview> {
  const rows = await driver.query<RedRow>(
    `SELECT grouping(t, operation) AS g, toString(t) AS t, operation, sum(calls) AS requests, sum(errors) AS errors,
        quantilesTDigestWeightedMerge(0.5, 0.95, 0.99)(duration_ns_quantiles) AS q
     FROM (
       SELECT toUnixTimestamp(toStartOfInterval(timestamp, toIntervalSecond({step:UInt32}))) AS t,
          operation_name AS operation, calls, errors, duration_ns_quantiles
       FROM span_red_1m
       WHERE org_id = {org:UUID} AND service_id = {service:UUID}
         AND timestamp >= toStartOfInterval(toDateTime({from:DateTime64(3, 'UTC')}, 'UTC'), toIntervalSecond({step:UInt32}))
         AND timestamp <= toDateTime({to:DateTime64(3, 'UTC')}, 'UTC')
     )
     GROUP BY GROUPING SETS ((t), (operation), ())
     ORDER BY g, t`,
    {
      org: scope.orgId,
      service: scope.serviceId,
      from: dateParam(query.from),
      to: dateParam(query.to),
      step: query.intervalSeconds,
    },
  );
  const rangeSeconds = Math.max(1, (query.to.getTime() - query.from.getTime()) / 1000);
  const series: RedOverview["series"] = [];
  const operations: RedOverview["operations"] = [];
  let summary = figures(0, 0, rangeSeconds, null);
  for (const r of rows) {
    const g = Number(r.g);
    if (g === 1) {
      series.push({
        timestamp: new Date(Number(r.t) * 1000).toISOString(),
        ...figures(r.requests, r.errors, query.intervalSeconds, r.q),
      });
    } else if (g === 2) {
      operations.push({ operation: r.operation, ...figures(r.requests, r.errors, rangeSeconds, r.q) });
    } else {
      summary = figures(r.requests, r.errors, rangeSeconds, r.q);
    }
  }
  operations.sort((a, b) => b.requests - a.requests || a.operation.localeCompare(b.operation));
  return { summary, series, operations: operations.slice(0, TOP_OPERATIONS) };
}

function figures(requests: number, errors: number, seconds: number, q: [number, number, number] | null): RedFigures {
  const ms = (ns: number | undefined) => (requests > 0 && ns !== undefined && Number.isFinite(ns) ? ns / 1e6 : null);
  return {
    requests,
    errors,
    error_rate: requests > 0 ? Math.min(1, errors / requests) : 0,
    rate_per_second: requests / seconds,
    p50_ms: ms(q?.[0]),
    p95_ms: ms(q?.[1]),
    p99_ms: ms(q?.[2]),
  };
}
