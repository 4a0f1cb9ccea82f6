import type { Span, SpanOutline } from "@syntra/contracts";
import type { ClickHouseDriver } from "./driver";
import { nanosToIso } from "./time";
import { type SpanRowOut, spanOfRow, traceBounds } from "./trace-queries";
import type { SpanCursor, TraceSpanPage, TraceSpanPageQuery } from "./types";

interface OutlineRow {
  span_id: string;
  parent_span_id: string;
  service_id: string;
  operation_name: string;
  span_kind: SpanOutline["span_kind"];
  start_ns: string;
  duration_ns: string;
  status_code: SpanOutline["status_code"];
}

// Only the days the trace lies in (from the trace_spans lookup), and within them the granules whose bloom filter may
// hold the id.
const IN_TRACE = `org_id = {org:UUID} AND trace_id = {trace:String}
       AND start_time >= fromUnixTimestamp64Nano({start:Int64}, 'UTC')
       AND start_time <= fromUnixTimestamp64Nano({end:Int64}, 'UTC')`;

/**
 * A page of a trace's span outlines (no attributes or events: most of a span's bytes) in (start time, span id) order,
 * after `query.after` when given, with the cursor of the next page when more follow. The first page (no `after`)
 * also counts the trace's spans per service, in a query beside the page's. Null when the organization has no such
 * trace.
 */
export async function traceSpanPage(
  driver: ClickHouseDriver,
  orgId: string,
  traceId: string,
  query: TraceSpanPageQuery,
): Promise<TraceSpanPage | null> {
  const bounds = await traceBounds(driver, orgId, traceId);
  if (!bounds) return null;
  const params = {
    org: orgId,
    trace: traceId,
    start: bounds.startNs,
    end: bounds.endNs,
    limit: query.limit + 1,
    after_ns: query.after?.startNs ?? "0",
    after_span: query.after?.spanId ?? "",
  };
  // Keyset paging: rows strictly after the cursor's (start, span id), so a page never repeats or skips a span, and
  // a span stored twice (a batch re-sent) is returned once (LIMIT 1 BY).
  const page = driver.query<OutlineRow>(
    `SELECT span_id, parent_span_id, toString(service_id) AS service_id, operation_name, span_kind,
        toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(duration_ns) AS duration_ns, status_code
     FROM traces
     WHERE ${IN_TRACE}
       ${query.after ? "AND (toUnixTimestamp64Nano(start_time), span_id) > ({after_ns:Int64}, {after_span:String})" : ""}
     ORDER BY start_time, span_id
     LIMIT 1 BY span_id
     LIMIT {limit:UInt32}`,
    params,
  );
  const counts = query.after
    ? Promise.resolve(null)
    : driver.query<{ service_id: string; spans: string }>(
        `SELECT toString(service_id) AS service_id, toString(uniqExact(span_id)) AS spans
         FROM traces WHERE ${IN_TRACE}
         GROUP BY service_id ORDER BY service_id`,
        params,
      );
  const [rows, perService] = await Promise.all([page, counts]);
  const more = rows.length > query.limit;
  const kept = more ? rows.slice(0, query.limit) : rows;
  const last = kept.at(-1);
  return {
    startTime: nanosToIso(bounds.startNs),
    endTime: nanosToIso(bounds.endNs),
    services: perService?.map((s) => ({ serviceId: s.service_id, spans: Number(s.spans) })) ?? null,
    spans: kept.map((r) => ({
      span_id: r.span_id,
      parent_span_id: r.parent_span_id === "" ? null : r.parent_span_id,
      service_id: r.service_id,
      operation_name: r.operation_name,
      span_kind: r.span_kind,
      start_time: nanosToIso(r.start_ns),
      duration_ns: Number(r.duration_ns),
      status_code: r.status_code,
    })),
    next: more && last ? ({ startNs: last.start_ns, spanId: last.span_id } satisfies SpanCursor) : null,
  };
}

/** One span of a trace with its attributes and events, or null when the organization has no such span. */
export async function getSpan(
  driver: ClickHouseDriver,
  orgId: string,
  traceId: string,
  spanId: string,
): Promise<Span | null> {
  const bounds = await traceBounds(driver, orgId, traceId);
  if (!bounds) return null;
  const [row] = await driver.query<SpanRowOut>(
    `SELECT trace_id, span_id, parent_span_id, service_id, deployment_id, operation_name, span_kind,
        toString(toUnixTimestamp64Nano(start_time)) AS start_ns, duration_ns, status_code, status_message, attributes,
        events, sample_weight
     FROM traces
     WHERE ${IN_TRACE} AND span_id = {span:String}
     LIMIT 1`,
    { org: orgId, trace: traceId, span: spanId, start: bounds.startNs, end: bounds.endNs },
  );
  return row ? spanOfRow(row) : null;
}
