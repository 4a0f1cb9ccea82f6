import type { LogLevel, ServiceLogEntry } from "@syntra/contracts";
import type { ClickHouseDriver } from "./driver";
import { type LogRowOut, logFilterSql, toEntry } from "./log-queries";
import type { LogCounts, LogHistogramSearch, ServiceScope } from "./types";

// Spans and logs of one trace are looked for within this much of the trace's span bounds (clock skew, logs written
// after the last span ended).
const TRACE_LOG_SLACK_NS = 3_600_000_000_000n;

/**
 * How many of a service's log records match a search, per interval and level: a count grouped in ClickHouse (only
 * the timestamp and level columns are read, plus the message when searching, narrowed by the n-gram index).
 */
export async function logHistogram(
  driver: ClickHouseDriver,
  scope: ServiceScope,
  search: LogHistogramSearch,
): Promise<LogCounts> {
  const { where, params } = logFilterSql(scope, search);
  const rows = await driver.query<{ t: string; level: LogLevel; n: string }>(
    `SELECT toString(toUnixTimestamp(toStartOfInterval(timestamp, toIntervalSecond({step:UInt32})))) AS t, level,
        toString(count()) AS n
     FROM logs
     WHERE ${where}
     GROUP BY t, level
     ORDER BY t`,
    { ...params, step: search.intervalSeconds },
  );
  const buckets: LogCounts["buckets"] = [];
  let total = 0;
  for (const r of rows) {
    const timestamp = new Date(Number(r.t) * 1000).toISOString();
    let bucket = buckets.at(-1);
    if (bucket?.timestamp !== timestamp) {
      bucket = { timestamp, counts: {} };
      buckets.push(bucket);
    }
    bucket.counts[r.level] = Number(r.n);
    total += Number(r.n);
  }
  return { total, buckets };
}

/**
 * The log records written inside a trace, across the organization's services, oldest first. The trace's bounds come
 * from the `trace_spans` lookup, so only the days of the trace are read, and the trace id's bloom filter narrows
 * the granules; a trace without spans has no logs here.
 */
export async function traceLogs(
  driver: ClickHouseDriver,
  orgId: string,
  traceId: string,
  limit: number,
): Promise<ServiceLogEntry[]> {
  const [bounds] = await driver.query<{ start_ns: string; end_ns: string; n: string }>(
    `SELECT toString(count()) AS n, toString(toUnixTimestamp64Nano(min(first_start))) AS start_ns,
        toString(toUnixTimestamp64Nano(max(last_end))) AS end_ns
     FROM trace_spans WHERE trace_id = {trace:String} AND org_id = {org:UUID}`,
    { trace: traceId, org: orgId },
  );
  if (!bounds || bounds.n === "0") return [];
  const rows = await driver.query<LogRowOut>(
    `SELECT toString(toUnixTimestamp64Nano(timestamp)) AS ts_ns, service_id, deployment_id, level, message,
        attributes, trace_id, span_id, source
     FROM logs
     WHERE org_id = {org:UUID} AND trace_id = {trace:String}
       AND timestamp >= fromUnixTimestamp64Nano({start:Int64}, 'UTC')
       AND timestamp <= fromUnixTimestamp64Nano({end:Int64}, 'UTC')
     ORDER BY timestamp
     LIMIT {limit:UInt32}`,
    {
      org: orgId,
      trace: traceId,
      start: (BigInt(bounds.start_ns) - TRACE_LOG_SLACK_NS).toString(),
      end: (BigInt(bounds.end_ns) + TRACE_LOG_SLACK_NS).toString(),
      limit,
    },
  );
  return rows.map(toEntry);
}
