import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { breadcrumb, errorContext, errorLevel, stackFrame } from "../telemetry/error-events";
import { spanId, traceId } from "../telemetry/traces";
import { aiAnalysis } from "./ai";
import { fromNotAfterTo, timeRangeFields, timeRangeIssue } from "./time-range";

/** Lifecycle of an issue (the `issue_status` column); `regressed` is set by ingest when a resolved issue recurs. */
export const issueStatuses = ["unresolved", "resolved", "ignored", "regressed"] as const;
export const issueStatus = z.enum(issueStatuses);
export type IssueStatus = z.infer<typeof issueStatus>;

/** Statuses a user can set; `regressed` is only ever set by ingest. */
export const userIssueStatus = z.enum(["unresolved", "resolved", "ignored"]);
export type UserIssueStatus = z.infer<typeof userIssueStatus>;

/** How bad an issue is (the `issue_severity` column). */
export const issueSeverities = ["critical", "high", "medium", "low"] as const;
export const issueSeverity = z.enum(issueSeverities);
export type IssueSeverity = z.infer<typeof issueSeverity>;

const count = z.number().int().nonnegative();

/**
 * An issue: the error events that share a fingerprint within a service. Columns with defaults
 * (`status`, `severity`, the counts, `created_at`) are always reported.
 */
export const errorGroup = z.object({
  id: uuid,
  service_id: uuid,
  fingerprint: z.string().max(64),
  title: z.string(),
  exception_type: z.string().nullable(),
  /** The in-app frame the error points at, "getOrder (src/orders.ts)". */
  culprit: z.string().nullable(),
  status: issueStatus,
  severity: issueSeverity,
  first_seen_at: isoTimestamp,
  last_seen_at: isoTimestamp,
  event_count: count,
  user_count: count,
  assigned_to: uuid.nullable(),
  /** The deployment whose events first showed the issue, and the one of its latest event. */
  first_deployment_id: uuid.nullable(),
  last_deployment_id: uuid.nullable(),
  last_release: z.string().nullable(),
  ai_analysis: aiAnalysis.nullable(),
  ai_analyzed_at: isoTimestamp.nullable(),
  /**
   * What the background analysis of new issues made of it: `analyzed`, `budget_exceeded`, `failed:<error code>`;
   * null while not taken (waiting, or not new when it was turned on).
   */
  ai_auto_outcome: z.string().nullable(),
  resolved_at: isoTimestamp.nullable(),
  /** When ingest last found the resolved issue back in a later deployment or release. */
  regressed_at: isoTimestamp.nullable(),
  created_at: isoTimestamp,
});
export type ErrorGroup = z.infer<typeof errorGroup>;

/** Orders of the issue list. */
export const issueSorts = ["last_seen", "first_seen", "events", "users"] as const;

/** Periods of the event counts shown beside issues: hourly over a day, daily over two weeks. */
export const issueStatsPeriod = z.enum(["24h", "14d"]);
export type IssueStatsPeriod = z.infer<typeof issueStatsPeriod>;

/**
 * GET /projects/:projectId/issues query: issues seen (`last_seen_at`) within the range. `status=unresolved`
 * includes regressed issues (unresolved ones that came back); `query` searches title, type and culprit.
 */
export const listIssuesQuery = z
  .strictObject({
    status: issueStatus.optional(),
    service_id: uuid.optional(),
    ...timeRangeFields,
    query: z.string().trim().min(1).max(200).optional(),
    sort: z.enum(issueSorts).default("last_seen"),
    stats_period: issueStatsPeriod.default("24h"),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().min(1).max(512).optional(),
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type ListIssuesQuery = z.infer<typeof listIssuesQuery>;

/** One item of the issue list: the issue, its service's name and its event counts per hour (24h) or day (14d). */
export const issueListItem = errorGroup.extend({
  service_name: z.string(),
  stats: z.array(count),
});
export type IssueListItem = z.infer<typeof issueListItem>;

/** PATCH /issues/:issueId. `assigned_to: null` unassigns. */
export const updateIssueBody = z
  .strictObject({
    status: userIssueStatus.optional(),
    assigned_to: uuid.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "give at least one field to change" });
export type UpdateIssueBody = z.infer<typeof updateIssueBody>;

/** PATCH /issues: the same change to up to 100 issues at once (resolve or ignore in bulk); all or nothing. */
export const bulkUpdateIssuesBody = z
  .strictObject({
    ids: z
      .array(uuid)
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, "ids must be distinct"),
    status: userIssueStatus.optional(),
    assigned_to: uuid.nullable().optional(),
  })
  .refine((body) => body.status !== undefined || body.assigned_to !== undefined, {
    message: "give status or assigned_to",
  });
export type BulkUpdateIssuesBody = z.infer<typeof bulkUpdateIssuesBody>;

/** A deployment as an issue refers to it: its number in the service's history, commit and when it went live. */
export const issueDeployment = z.object({
  id: uuid,
  /** 1 for the service's first deployment, counting every deployment made since. */
  number: z.number().int().positive(),
  git_commit_sha: z.string().nullable(),
  git_commit_message: z.string().nullable(),
  image: z.string().nullable(),
  created_at: isoTimestamp,
  /** When it started serving; null if it never did. */
  live_at: isoTimestamp.nullable(),
});
export type IssueDeployment = z.infer<typeof issueDeployment>;

/** How often each value of a tag appears among an issue's recent events. */
export const issueTag = z.object({
  key: z.string(),
  /** Events that carry the tag. */
  total: count,
  values: z.array(z.object({ value: z.string(), count })),
});
export type IssueTag = z.infer<typeof issueTag>;

/**
 * GET /issues/:issueId: the issue, its service, the deployment that first showed it and the one before
 * that ("first seen 4 minutes after deploy #12"), and its tags' value distribution over recent events.
 */
export const issueDetail = errorGroup.extend({
  service: z.object({ id: uuid, name: z.string(), project_id: uuid }),
  first_deployment: issueDeployment.nullable(),
  previous_deployment: issueDeployment.nullable(),
  last_deployment: issueDeployment.nullable(),
  tags: z.array(issueTag),
  /** How many of the newest events the tag counts cover. */
  tags_sampled_events: count,
});
export type IssueDetail = z.infer<typeof issueDetail>;

/** One item of GET /issues/:issueId/events: a stored occurrence of the issue (the `error_events` row). */
export const errorEventItem = z.object({
  id: uuid,
  error_group_id: uuid,
  deployment_id: uuid.nullable(),
  type: z.string().nullable(),
  message: z.string().nullable(),
  level: errorLevel.nullable(),
  handled: z.boolean().nullable(),
  stack_trace: z.array(stackFrame),
  breadcrumbs: z.array(breadcrumb).nullable(),
  context: errorContext.nullable(),
  environment: z.string().nullable(),
  release: z.string().nullable(),
  /** The trace the error happened in (GET /traces/:traceId), when the SDK traced the request. */
  trace_id: traceId.nullable(),
  span_id: spanId.nullable(),
  timestamp: isoTimestamp,
});
export type ErrorEventItem = z.infer<typeof errorEventItem>;

/** GET /issues/:issueId/events query, newest first; `cursor` is the previous page's `meta.cursor`. */
export const issueEventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});
export type IssueEventsQuery = z.infer<typeof issueEventsQuery>;

/** GET /issues/:issueId/histogram query. */
export const issueHistogramQuery = z.strictObject({ period: issueStatsPeriod.default("24h") });

/** Events of an issue per hour (24h) or day (14d), oldest first, with the service's deployments in the period. */
export const issueHistogram = z.object({
  period: issueStatsPeriod,
  buckets: z.array(z.object({ timestamp: isoTimestamp, count })),
  deployments: z.array(issueDeployment),
});
export type IssueHistogram = z.infer<typeof issueHistogram>;
