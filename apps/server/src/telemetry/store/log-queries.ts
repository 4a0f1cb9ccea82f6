import type { LogLevel, ServiceLogEntry } from "@syntra/contracts";
import type { ClickHouseDriver, QueryParams } from "./driver";
import { dateParam, nanosToIso } from "./time";
import type { LogCursor, LogPage, LogSearch, ServiceScope } from "./types";

/** Enum8 values of the `level` column, lowest first. */
const LEVEL_VALUES: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

/** `%`, `_` and `\` are LIKE's own characters: a search for them matches them literally. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface LogRowOut {
  ts_ns: string;
  service_id: string;
  deployment_id: string;
  level: LogLevel;
  message: string;
  attributes: Record<string, string>;
  trace_id: string;
  span_id: string;
  source: ServiceLogEntry["source"];
}

/** The SQL and parameters of one page of a log search (exported so a test can EXPLAIN which indexes it uses). */
export function logSearchQuery(scope: ServiceScope, search: LogSearch): { sql: string; params: QueryParams } {
  const params: QueryParams = {
    org: scope.orgId,
    service: scope.serviceId,
    from: dateParam(search.from),
    to: dateParam(search.to),
    limit: search.limit + 1,
  };
  const filters: string[] = [];
  if (search.minLevel !== undefined) {
    filters.push("toInt8(level) >= {level:Int8}");
    params.level = LEVEL_VALUES[search.minLevel];
  }
  if (search.search !== undefined) {
    // The very expression of the n-gram index (idx_message), or the index is not used.
    filters.push("lowerUTF8(message) LIKE {pattern:String}");
    params.pattern = `%${likeEscape(search.search.toLowerCase())}%`;
  }
  if (search.cursor !== undefined) {
    filters.push(`timestamp <= fromUnixTimestamp64Nano({cursor_ns:Int64}, 'UTC')`);
    params.cursor_ns = search.cursor.timestampNs;
  }
  params.skip = search.cursor?.skip ?? 0;
  const sql = `SELECT toString(toUnixTimestamp64Nano(timestamp)) AS ts_ns, service_id, deployment_id, level, message,
        attributes, trace_id, span_id, source
     FROM logs
     WHERE org_id = {org:UUID} AND service_id = {service:UUID}
       AND timestamp >= {from:DateTime64(9, 'UTC')} AND timestamp <= {to:DateTime64(9, 'UTC')}
       ${filters.map((f) => `AND ${f}`).join("\n       ")}
     ORDER BY timestamp DESC
     LIMIT {limit:UInt32} OFFSET {skip:UInt32}`;
  return { sql, params };
}

/**
 * A page of a service's logs, newest first. Ordered by the timestamp alone, the sorting key's own order, so ClickHouse
 * reads the service's range backwards and stops at the page (a second sort expression for ties made it sort the
 * whole range: ~50x the time, measured). The search is a case-insensitive substring of the message, answered by
 * `lowerUTF8(message) LIKE`, which the n-gram index on that expression narrows to the granules that may match.
 */
export async function searchLogs(driver: ClickHouseDriver, scope: ServiceScope, search: LogSearch): Promise<LogPage> {
  const { sql, params } = logSearchQuery(scope, search);
  const rows = await driver.query<LogRowOut>(sql, params);
  const more = rows.length > search.limit;
  const page = more ? rows.slice(0, search.limit) : rows;
  const last = page.at(-1);
  let next: LogCursor | null = null;
  if (more && last) {
    // Records at the last instant returned: these, and those at it skipped before when the page started there.
    const atLast = page.filter((r) => r.ts_ns === last.ts_ns).length;
    const before = search.cursor?.timestampNs === last.ts_ns ? search.cursor.skip : 0;
    next = { timestampNs: last.ts_ns, skip: before + atLast };
  }
  return { items: page.map(toEntry), next };
}

function toEntry(r: LogRowOut): ServiceLogEntry {
  return {
    timestamp: nanosToIso(r.ts_ns),
    service_id: r.service_id,
    deployment_id: r.deployment_id,
    level: r.level,
    message: r.message,
    attributes: r.attributes,
    ...(r.trace_id !== "" && { trace_id: r.trace_id }),
    ...(r.span_id !== "" && { span_id: r.span_id }),
    source: r.source,
  };
}
