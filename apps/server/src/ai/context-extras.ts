import type { Span } from "@syntra/contracts";
import { and, desc, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { errorGroups, projects, services } from "../db/schema";
import type { TelemetryStore } from "../telemetry/store/types";
import type { ContextMetrics, ContextSpan, SimilarIssue } from "./analysis-context";

/** Similar issues sent at most, spans of the trace sent at most. */
const MAX_SIMILAR = 5;
const MAX_SPANS = 40;
/** The window before and after the first event that the metrics compare. */
const METRICS_WINDOW_MS = 3_600_000;

/**
 * Other issues of the organization like this one: the same exception type in the same service or with the same
 * culprit anywhere, the ones with the same culprit first, then the most recent. Resolved ones say when, and their
 * stored analysis's root cause comes along: "this was fixed before" is the best hint there is.
 */
export async function similarIssues(
  db: Db,
  orgId: string,
  issue: { id: string; serviceId: string; exceptionType: string | null; culprit: string | null },
): Promise<SimilarIssue[]> {
  if (!issue.exceptionType) return [];
  const sameCulprit = issue.culprit ? sql`${errorGroups.culprit} = ${issue.culprit}` : sql`false`;
  const rows = await db
    .select({
      title: errorGroups.title,
      service: services.name,
      status: errorGroups.status,
      culprit: errorGroups.culprit,
      events: errorGroups.eventCount,
      firstSeenAt: errorGroups.firstSeenAt,
      lastSeenAt: errorGroups.lastSeenAt,
      resolvedAt: errorGroups.resolvedAt,
      analysis: errorGroups.aiAnalysis,
    })
    .from(errorGroups)
    .innerJoin(services, eq(services.id, errorGroups.serviceId))
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(
      and(
        eq(projects.orgId, orgId),
        ne(errorGroups.id, issue.id),
        eq(errorGroups.exceptionType, issue.exceptionType),
        sql`(${errorGroups.serviceId} = ${issue.serviceId} OR ${sameCulprit})`,
      ),
    )
    .orderBy(desc(sameCulprit), desc(errorGroups.lastSeenAt))
    .limit(MAX_SIMILAR);
  return rows.map((r) => ({
    title: r.title,
    service: r.service,
    status: r.status ?? "unresolved",
    culprit: r.culprit,
    events: r.events ?? 0,
    firstSeenAt: r.firstSeenAt.toISOString(),
    lastSeenAt: r.lastSeenAt.toISOString(),
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    rootCause: rootCauseOf(r.analysis),
  }));
}

function rootCauseOf(analysis: unknown): string | null {
  const cause = (analysis as { root_cause?: unknown } | null)?.root_cause;
  return typeof cause === "string" ? cause : null;
}

/**
 * The spans of the event's trace, in start order, the erroring ones and the slowest kept when there are more than
 * fit; attributes as recorded (they are redacted with the rest of the context). Null when the store has no such
 * trace (not sent, sampled away, expired) or cannot be reached: the analysis goes on without it.
 */
export async function traceOf(
  telemetry: TelemetryStore,
  orgId: string,
  traceId: string,
): Promise<ContextSpan[] | null> {
  let spans: Span[];
  try {
    spans = await telemetry.getTrace(orgId, traceId);
  } catch {
    return null;
  }
  if (spans.length === 0) return null;
  const keep =
    spans.length <= MAX_SPANS
      ? spans
      : [...spans].sort((a, b) => rank(b) - rank(a) || b.duration_ns - a.duration_ns).slice(0, MAX_SPANS);
  return keep
    .sort((a, b) => a.start_time.localeCompare(b.start_time))
    .map((s) => ({
      spanId: s.span_id,
      parentSpanId: s.parent_span_id,
      operation: s.operation_name,
      kind: s.span_kind,
      startTime: s.start_time,
      durationMs: Math.round(s.duration_ns / 1000) / 1000,
      status: s.status_code,
      statusMessage: s.status_message || null,
      attributes: s.attributes,
    }));
}

const rank = (s: Span) => (s.status_code === "error" ? 1 : 0);

/**
 * The service's requests in the hour before the first event and the hour after it (from its spans): a jump in
 * errors or latency right at the first event tells the model the error is not alone. Null without spans in either
 * hour or when the store cannot be reached.
 */
export async function metricsAround(
  telemetry: TelemetryStore,
  scope: { orgId: string; serviceId: string },
  firstSeenAt: Date,
): Promise<ContextMetrics | null> {
  const at = firstSeenAt.getTime();
  const window = async (from: number, to: number) => {
    const [stats] = await telemetry.requestStats({
      orgId: scope.orgId,
      serviceIds: [scope.serviceId],
      from: new Date(from),
      to: new Date(to),
    });
    if (!stats || stats.requests === 0) return null;
    return {
      requests: Math.round(stats.requests),
      errorRate: Math.round((stats.errors / stats.requests) * 10_000) / 10_000,
      p95Ms: Math.round(stats.p95Ms * 10) / 10,
    };
  };
  try {
    const before = await window(at - METRICS_WINDOW_MS, at);
    const after = await window(at, at + METRICS_WINDOW_MS);
    if (!before && !after) return null;
    return { windowMinutes: METRICS_WINDOW_MS / 60_000, before, after };
  } catch {
    return null;
  }
}
