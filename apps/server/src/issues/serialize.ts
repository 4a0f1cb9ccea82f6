import {
  type AIAnalysis,
  aiAnalysis,
  type ErrorEventItem,
  type ErrorGroup,
  errorLevel,
  type IssueSeverity,
  type IssueStatus,
} from "@syntra/contracts";
import type { errorEvents, errorGroups } from "../db/schema";

/** An `error_groups` row. */
export type IssueRow = typeof errorGroups.$inferSelect;
/** An `error_events` row. */
export type EventRow = typeof errorEvents.$inferSelect;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** An issue as the API shows it. */
export function serializeIssue(row: IssueRow): ErrorGroup {
  return {
    id: row.id,
    service_id: row.serviceId,
    fingerprint: row.fingerprint,
    title: row.title,
    exception_type: row.exceptionType,
    culprit: row.culprit,
    status: (row.status ?? "unresolved") as IssueStatus,
    severity: (row.severity ?? "medium") as IssueSeverity,
    first_seen_at: row.firstSeenAt.toISOString(),
    last_seen_at: row.lastSeenAt.toISOString(),
    event_count: Number(row.eventCount ?? 0),
    user_count: row.userCount ?? 0,
    assigned_to: row.assignedTo,
    first_deployment_id: row.firstDeploymentId,
    last_deployment_id: row.lastDeploymentId,
    last_release: row.lastRelease,
    ai_analysis: storedAnalysis(row.aiAnalysis),
    ai_analyzed_at: iso(row.aiAnalyzedAt),
    ai_auto_outcome: row.aiAutoOutcome,
    resolved_at: iso(row.resolvedAt),
    regressed_at: iso(row.regressedAt),
    created_at: (row.createdAt ?? row.firstSeenAt).toISOString(),
  };
}

// The AI engine writes this column; an analysis of an older shape is left out rather than failing the page.
function storedAnalysis(value: unknown): AIAnalysis | null {
  const parsed = aiAnalysis.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A stored event as the API shows it. */
export function serializeEvent(row: EventRow): ErrorEventItem {
  const level = errorLevel.safeParse(row.level);
  return {
    id: row.id,
    error_group_id: row.errorGroupId,
    deployment_id: row.deploymentId,
    type: row.exceptionType,
    message: row.message,
    level: level.success ? level.data : null,
    handled: row.handled,
    stack_trace: row.stackTrace as ErrorEventItem["stack_trace"],
    breadcrumbs: row.breadcrumbs as ErrorEventItem["breadcrumbs"],
    context: row.context as ErrorEventItem["context"],
    environment: row.environment,
    release: row.release,
    trace_id: row.traceId,
    span_id: row.spanId,
    timestamp: row.timestamp.toISOString(),
  };
}
