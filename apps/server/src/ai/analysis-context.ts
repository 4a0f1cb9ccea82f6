import type { Breadcrumb, IssueDeployment, StackFrame } from "@syntra/contracts";

/** A deployment as the analysis sees it. */
export interface ContextDeployment {
  number: number;
  commitSha: string | null;
  commitMessage: string | null;
  createdAt: string;
  liveAt: string | null;
}

/** Another issue of the organization like the analyzed one (same exception type; same service or culprit). */
export interface SimilarIssue {
  title: string;
  service: string;
  status: string;
  culprit: string | null;
  events: number;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  /** The root cause its stored analysis named, if it has one. */
  rootCause: string | null;
}

/** One span of the event's trace. */
export interface ContextSpan {
  spanId: string;
  parentSpanId: string | null;
  operation: string;
  kind: string;
  startTime: string;
  durationMs: number;
  status: string;
  statusMessage: string | null;
  attributes: Record<string, string>;
}

/** The service's requests in one window. */
export interface WindowFigures {
  requests: number;
  /** 0 to 1. */
  errorRate: number;
  p95Ms: number;
}

/** The service's requests in the hour before the first event and in the hour after it (null: none). */
export interface ContextMetrics {
  windowMinutes: number;
  before: WindowFigures | null;
  after: WindowFigures | null;
}

/** The commits between the deployment before and the one that first saw the error, as far as Syntra knows them. */
export interface CommitRange {
  /** The repository the builds used, without credentials. */
  repository: string | null;
  fromSha: string | null;
  toSha: string;
  /** What the commits changed, fetched from the repository; null when it could not be (see `diffUnavailable`). */
  diff?: CommitDiffSummary | null;
  /** Why there is no diff summary (no repository, fetch failed or timed out). */
  diffUnavailable?: string;
}

/** The commits of a range and what they changed, bounded (see ai/commit-diff.ts). */
export interface CommitDiffSummary {
  /** Newest first: sha, author name (no email), ISO author date, subject. */
  commits: { sha: string; author: string; date: string; subject: string }[];
  /** Changed files with added/deleted lines (null for binary files), the stack's files first. */
  files: { path: string; additions: number | null; deletions: number | null }[];
  totalFiles: number;
  /** Changed files that appear in the stack trace. */
  stackFiles: string[];
  /** The diff hunks of the changed stack files (bounded), with the commits of the range that changed each. */
  hunks: { path: string; commits: string[]; patch: string }[];
  /** More commits or files than listed. */
  truncated: boolean;
}

/**
 * What an error analysis is made from: the issue, its latest event (stack with source context, breadcrumbs,
 * message), the deployment that first saw it and the one before, similar issues, the event's trace and the
 * service's request metrics around the first event. Built from the database by `loadAnalysisContext`,
 * then redacted as a whole before any provider sees it.
 */
export interface AnalysisContext {
  issue: {
    id: string;
    title: string;
    exceptionType: string | null;
    culprit: string | null;
    /** The issue's own severity (from the events' level and handledness). */
    severity: string;
    status: string;
    eventCount: number;
    userCount: number;
    firstSeenAt: string;
    lastSeenAt: string;
  };
  service: { name: string };
  /** The issue's newest event; null if its events were all deleted. */
  event: {
    type: string | null;
    message: string | null;
    level: string | null;
    handled: boolean | null;
    environment: string | null;
    release: string | null;
    timestamp: string;
    /** Most recent call first, as the stack is shown on the issue page. */
    frames: StackFrame[];
    breadcrumbs: Breadcrumb[];
    tags: Record<string, string>;
  } | null;
  firstDeployment: ContextDeployment | null;
  previousDeployment: ContextDeployment | null;
  /** The commit range of the first deployment (its commit and the one before it went live). */
  commitRange?: CommitRange | null;
  /** Other issues like this one. */
  similarIssues?: SimilarIssue[];
  /** The spans of the newest event's trace, when the event carried a trace id and the store has it. */
  trace?: ContextSpan[] | null;
  /** Request rate, error rate and p95 latency around the first event. */
  metrics?: ContextMetrics | null;
}

/** An issue page's deployment reference as the analysis context holds it. */
export function contextDeployment(d: IssueDeployment | null): ContextDeployment | null {
  return d
    ? {
        number: d.number,
        commitSha: d.git_commit_sha,
        commitMessage: d.git_commit_message,
        createdAt: d.created_at,
        liveAt: d.live_at,
      }
    : null;
}
