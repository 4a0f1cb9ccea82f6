import type { Breadcrumb, IssueDeployment, StackFrame } from "@syntra/contracts";

/** A deployment as the analysis sees it. */
export interface ContextDeployment {
  number: number;
  commitSha: string | null;
  commitMessage: string | null;
  createdAt: string;
  liveAt: string | null;
}

/**
 * What an error analysis is made from: the issue, its latest event (stack with source context, breadcrumbs,
 * message), the deployment that first saw it and the one before. Built from the database by `loadAnalysisContext`,
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
