import type { Breadcrumb, StackFrame } from "@syntra/contracts";
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { errorEvents } from "../db/schema";
import { getIssueDetail } from "../issues/issue-detail";
import type { ProjectScope } from "../projects/projects";
import { type AnalysisContext, contextDeployment } from "./analysis-context";

/**
 * The analysis context of an issue in scope (NOT_FOUND otherwise): the issue, its newest event, the deployment
 * that first saw it and the one before (as the issue page shows them).
 */
export async function loadAnalysisContext(db: Db, scope: ProjectScope, issueId: string): Promise<AnalysisContext> {
  const detail = await getIssueDetail(db, scope, issueId);
  const [event] = await db
    .select()
    .from(errorEvents)
    .where(eq(errorEvents.errorGroupId, issueId))
    .orderBy(desc(errorEvents.timestamp), desc(errorEvents.id))
    .limit(1);
  const context = (event?.context ?? {}) as { tags?: Record<string, string> };
  // Stored oldest call first (as SDKs send them); the analysis reads the most recent call first.
  const frames = [...((event?.stackTrace as StackFrame[] | null) ?? [])].reverse();
  return {
    issue: {
      id: detail.id,
      title: detail.title,
      exceptionType: detail.exception_type,
      culprit: detail.culprit,
      severity: detail.severity,
      status: detail.status,
      eventCount: detail.event_count,
      userCount: detail.user_count,
      firstSeenAt: detail.first_seen_at,
      lastSeenAt: detail.last_seen_at,
    },
    service: { name: detail.service.name },
    event: event
      ? {
          type: event.exceptionType,
          message: event.message,
          level: event.level,
          handled: event.handled,
          environment: event.environment,
          release: event.release,
          timestamp: event.timestamp.toISOString(),
          frames,
          breadcrumbs: (event.breadcrumbs as Breadcrumb[] | null) ?? [],
          tags: context.tags ?? {},
        }
      : null,
    firstDeployment: contextDeployment(detail.first_deployment),
    previousDeployment: contextDeployment(detail.previous_deployment),
  };
}
