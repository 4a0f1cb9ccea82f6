import type { Span, TraceSpansPage, TraceSpansQuery } from "@syntra/contracts";
import type { AppDeps } from "../deps";
import { AppError, notFound } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { visibleToScope } from "./queries";
import type { SpanCursor } from "./store/types";

/** A span page cursor as the API shows it: opaque, URL-safe, bound to its trace. */
export function encodeSpanCursor(traceId: string, cursor: SpanCursor): string {
  return Buffer.from(`${traceId}.${cursor.startNs}.${cursor.spanId}`).toString("base64url");
}

/** Reads a cursor of `encodeSpanCursor` for `traceId`; VALIDATION_ERROR for anything else (or another trace's). */
export function decodeSpanCursor(traceId: string, raw: string): SpanCursor {
  const match = /^([0-9a-f]{32})\.(\d{1,20})\.([0-9a-f]{16})$/.exec(Buffer.from(raw, "base64url").toString("utf8"));
  if (!match?.[1] || !match[2] || !match[3]) {
    throw new AppError("VALIDATION_ERROR", "The cursor is not one this API returned", [
      { path: "query.cursor", message: "not a cursor of this API" },
    ]);
  }
  if (match[1] !== traceId) {
    throw new AppError("VALIDATION_ERROR", "The cursor belongs to another trace", [
      { path: "query.cursor", message: `a cursor of trace ${match[1]}, not of ${traceId}` },
    ]);
  }
  return { startNs: match[2], spanId: match[3] };
}

/**
 * A page of a trace's span outlines (GET /traces/:traceId/spans), with the next page's cursor when more follow. A
 * project-scoped token sees its project's services' spans (and counts) only; NOT_FOUND when the organization has no
 * such trace, or when the first page shows the caller nothing of it.
 */
export async function traceSpansPage(
  deps: AppDeps,
  scope: ProjectScope,
  traceId: string,
  query: TraceSpansQuery,
): Promise<{ page: TraceSpansPage; cursor: string | null }> {
  const after = query.cursor !== undefined ? decodeSpanCursor(traceId, query.cursor) : undefined;
  const found = await deps.telemetry.traceSpans(scope.orgId, traceId, { limit: query.limit, after });
  if (!found) throw notFound("Trace");
  const spans = await visibleToScope(deps, scope, found.spans);
  const services =
    found.services &&
    (await visibleToScope(
      deps,
      scope,
      found.services.map((s) => ({ service_id: s.serviceId, spans: s.spans })),
    ));
  if (services?.length === 0) throw notFound("Trace");
  return {
    page: {
      trace_id: traceId,
      start_time: found.startTime,
      end_time: found.endTime,
      span_count: services ? services.reduce((sum, s) => sum + s.spans, 0) : null,
      services,
      spans,
    },
    cursor: found.next ? encodeSpanCursor(traceId, found.next) : null,
  };
}

/** One span with its attributes and events (GET /traces/:traceId/spans/:spanId); NOT_FOUND outside the scope. */
export async function spanById(deps: AppDeps, scope: ProjectScope, traceId: string, spanId: string): Promise<Span> {
  const found = await deps.telemetry.getSpan(scope.orgId, traceId, spanId);
  const [span] = found ? await visibleToScope(deps, scope, [found]) : [];
  if (!span) throw notFound("Span");
  return span;
}
