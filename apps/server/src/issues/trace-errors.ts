import type { TraceErrorEvent } from "@syntra/contracts";
import { and, asc, eq, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { errorEvents, errorGroups, projects, services } from "../db/schema";
import type { ProjectScope } from "../projects/projects";

/** Error events of one trace shown at most (a trace that failed in a loop would otherwise answer thousands). */
const TRACE_ERRORS_SHOWN = 200;

/**
 * The error events raised inside a trace, oldest first, each with its issue: the trace view's link from a span to
 * what went wrong in it. Scoped like every read (the organization, or a project token's project); found through the
 * partial index on `error_events.trace_id` (migration 0016).
 */
export async function traceErrors(db: Db, scope: ProjectScope, traceId: string): Promise<TraceErrorEvent[]> {
  const inScope: SQL[] = [eq(projects.orgId, scope.orgId)];
  if (scope.projectId) inScope.push(eq(projects.id, scope.projectId));
  const rows = await db
    .select({
      event_id: errorEvents.id,
      issue_id: errorGroups.id,
      issue_title: errorGroups.title,
      service_id: errorGroups.serviceId,
      span_id: errorEvents.spanId,
      timestamp: errorEvents.timestamp,
      exception_type: errorEvents.exceptionType,
      message: errorEvents.message,
      level: errorEvents.level,
    })
    .from(errorEvents)
    .innerJoin(errorGroups, eq(errorGroups.id, errorEvents.errorGroupId))
    .innerJoin(services, eq(services.id, errorGroups.serviceId))
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(and(eq(errorEvents.traceId, traceId), ...inScope))
    .orderBy(asc(errorEvents.timestamp), asc(errorEvents.id))
    .limit(TRACE_ERRORS_SHOWN);
  return rows.map((r) => ({
    ...r,
    // Span ids are stored as sent; the contract's are 16 lowercase hex characters.
    span_id: r.span_id && /^[0-9a-f]{16}$/.test(r.span_id) ? r.span_id : null,
    timestamp: r.timestamp.toISOString(),
  }));
}
