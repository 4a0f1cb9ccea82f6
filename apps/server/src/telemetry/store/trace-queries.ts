import { MAX_TRACE_SPANS, type Span, type TraceSummary } from "@syntra/contracts";
import type { ClickHouseDriver, QueryParams } from "./driver";
import { dateParam, nanosToIso } from "./time";
import type { ServiceScope, TraceSearch } from "./types";

// Spans of one trace may start before its root (clock skew between services) or long after it: the window around
// the roots within which a trace's other spans are looked for.
const TRACE_SLACK_MS = 3_600_000;

interface RootRow {
  trace_id: string;
  root_operation: string;
  start_ns: string;
  duration_ns: string;
  root_status: "unset" | "ok" | "error";
}

interface TraceStatsRow {
  trace_id: string;
  span_count: string;
  errors: string;
  services: string[];
}

/**
 * A service's traces (by their root spans in the range), newest first (by start time alone, the sorting key's order,
 * so the range is read backwards and the read stops at the limit), with each trace's span count, services and
 * error flag. `status: "error"` means some span of the trace failed, `"ok"` that none did.
 */
export async function searchTraces(
  driver: ClickHouseDriver,
  scope: ServiceScope,
  search: TraceSearch,
): Promise<TraceSummary[]> {
  const params: QueryParams = {
    org: scope.orgId,
    service: scope.serviceId,
    from: dateParam(search.from),
    to: dateParam(search.to),
    slack_from: dateParam(new Date(search.from.getTime() - TRACE_SLACK_MS)),
    slack_to: dateParam(new Date(search.to.getTime() + TRACE_SLACK_MS)),
    limit: search.limit,
  };
  const filters: string[] = [];
  if (search.minDurationMs !== undefined) {
    filters.push("duration_ns >= {min_duration_ns:UInt64}");
    params.min_duration_ns = Math.round(search.minDurationMs * 1_000_000);
  }
  if (search.operation !== undefined) {
    filters.push("operation_name = {operation:String}");
    params.operation = search.operation;
  }
  const attributes = search.attributes ?? [];
  if (attributes.length > 0) {
    // Each filter may match a different span, of any service: the traces with a span per filter, found in one pass
    // over the org's spans around the range (the attribute bloom filters skip granules without the values).
    const matches = attributes.map(({ key, value }, i) => {
      params[`attr_key_${i}`] = key;
      params[`attr_value_${i}`] = value;
      return `attributes[{attr_key_${i}:String}] = {attr_value_${i}:String}`;
    });
    filters.push(`trace_id IN (SELECT trace_id FROM traces
      WHERE org_id = {org:UUID} AND (${matches.join(" OR ")})
        AND start_time >= {slack_from:DateTime64(9, 'UTC')} AND start_time <= {slack_to:DateTime64(9, 'UTC')}
      GROUP BY trace_id
      HAVING ${matches.map((m) => `countIf(${m}) > 0`).join(" AND ")})`);
  }
  if (search.status !== undefined) {
    const erroredTraces = `SELECT trace_id FROM traces WHERE org_id = {org:UUID} AND status_code = 'error'
      AND start_time >= {slack_from:DateTime64(9, 'UTC')} AND start_time <= {slack_to:DateTime64(9, 'UTC')}`;
    filters.push(`trace_id ${search.status === "error" ? "IN" : "NOT IN"} (${erroredTraces})`);
  }
  const roots = await driver.query<RootRow>(
    `SELECT trace_id, operation_name AS root_operation, toString(toUnixTimestamp64Nano(start_time)) AS start_ns,
        duration_ns, status_code AS root_status
     FROM traces
     WHERE org_id = {org:UUID} AND service_id = {service:UUID} AND parent_span_id = ''
       AND start_time >= {from:DateTime64(9, 'UTC')} AND start_time <= {to:DateTime64(9, 'UTC')}
       ${filters.map((f) => `AND ${f}`).join("\n       ")}
     ORDER BY start_time DESC
     LIMIT 1 BY trace_id
     LIMIT {limit:UInt32}`,
    params,
  );
  if (roots.length === 0) return [];
  const stats = await driver.query<TraceStatsRow>(
    `SELECT trace_id, toString(count()) AS span_count, toString(countIf(status_code = 'error')) AS errors,
        arraySort(groupUniqArray(toString(service_id))) AS services
     FROM traces
     WHERE org_id = {org:UUID} AND trace_id IN {ids:Array(String)}
       AND start_time >= {slack_from:DateTime64(9, 'UTC')} AND start_time <= {slack_to:DateTime64(9, 'UTC')}
     GROUP BY trace_id`,
    { ...params, ids: roots.map((r) => r.trace_id) },
  );
  const byTrace = new Map(stats.map((s) => [s.trace_id, s]));
  return roots.map((root) => {
    const s = byTrace.get(root.trace_id);
    const errored = s !== undefined && Number(s.errors) > 0;
    return {
      trace_id: root.trace_id,
      root_operation: root.root_operation,
      service_id: scope.serviceId,
      start_time: nanosToIso(root.start_ns),
      duration_ms: Number(root.duration_ns) / 1e6,
      span_count: s ? Number(s.span_count) : 1,
      status: errored ? "error" : root.root_status,
      service_ids: s?.services ?? [scope.serviceId],
    };
  });
}

/** A span as the queries of a trace select it (times as decimal nanoseconds). */
export interface SpanRowOut {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service_id: string;
  deployment_id: string;
  operation_name: string;
  span_kind: Span["span_kind"];
  start_ns: string;
  duration_ns: string;
  status_code: Span["status_code"];
  status_message: string;
  attributes: Record<string, string>;
  events: string;
  sample_weight: number;
}

/**
 * The first `limit` spans of a trace in the organization, in start order. The `trace_spans` lookup says which days
 * the trace lies in, so only those partitions are read (and within them, granules whose bloom filter may hold the id).
 */
export async function getTrace(
  driver: ClickHouseDriver,
  orgId: string,
  traceId: string,
  limit = MAX_TRACE_SPANS,
): Promise<Span[]> {
  const bounds = await traceBounds(driver, orgId, traceId);
  if (!bounds) return [];
  const rows = await driver.query<SpanRowOut>(
    `SELECT trace_id, span_id, parent_span_id, service_id, deployment_id, operation_name, span_kind,
        toString(toUnixTimestamp64Nano(start_time)) AS start_ns, duration_ns, status_code, status_message, attributes,
        events, sample_weight
     FROM traces
     WHERE org_id = {org:UUID} AND trace_id = {trace:String}
       AND start_time >= fromUnixTimestamp64Nano({start:Int64}, 'UTC')
       AND start_time <= fromUnixTimestamp64Nano({end:Int64}, 'UTC')
     ORDER BY start_time, span_id
     LIMIT 1 BY span_id
     LIMIT {limit:UInt32}`,
    { org: orgId, trace: traceId, start: bounds.startNs, end: bounds.endNs, limit },
  );
  return rows.map(spanOfRow);
}

/** Where a trace lies in time: its first span's start and last span's end, in nanoseconds since the epoch. */
export interface TraceBounds {
  startNs: string;
  endNs: string;
}

/**
 * A trace's bounds from the `trace_spans` lookup (a few rows per trace, one per insert), or null when the
 * organization has no such trace. Queries of the trace's spans read only the days within them.
 */
export async function traceBounds(
  driver: ClickHouseDriver,
  orgId: string,
  traceId: string,
): Promise<TraceBounds | null> {
  const [bounds] = await driver.query<{ start_ns: string; end_ns: string; n: string }>(
    `SELECT toString(count()) AS n, toString(toUnixTimestamp64Nano(min(first_start))) AS start_ns,
        toString(toUnixTimestamp64Nano(max(last_end))) AS end_ns
     FROM trace_spans WHERE trace_id = {trace:String} AND org_id = {org:UUID}`,
    { trace: traceId, org: orgId },
  );
  if (!bounds || bounds.n === "0") return null;
  return { startNs: bounds.start_ns, endNs: bounds.end_ns };
}

/** A stored span row as the API's span. */
export function spanOfRow(r: SpanRowOut): Span {
  return {
    trace_id: r.trace_id,
    span_id: r.span_id,
    parent_span_id: r.parent_span_id === "" ? null : r.parent_span_id,
    service_id: r.service_id,
    deployment_id: r.deployment_id,
    operation_name: r.operation_name,
    span_kind: r.span_kind,
    start_time: nanosToIso(r.start_ns),
    duration_ns: Number(r.duration_ns),
    status_code: r.status_code,
    status_message: r.status_message,
    attributes: r.attributes,
    events: JSON.parse(r.events) as Span["events"],
    sample_weight: r.sample_weight,
  };
}
