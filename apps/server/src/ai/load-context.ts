import path from "node:path";
import type { Breadcrumb, StackFrame } from "@syntra/contracts";
import { desc, eq } from "drizzle-orm";
import { displayUrl } from "../builds/builder/git-source";
import { errorEvents, errorStacks, projects, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { openGitAuth } from "../git/credentials";
import { eventColumns, stackJoin } from "../issues/event-stacks";
import { getIssueDetail } from "../issues/issue-detail";
import type { ProjectScope } from "../projects/projects";
import { type AnalysisContext, type CommitRange, contextDeployment } from "./analysis-context";
import { summarizeCommitRange } from "./commit-diff";
import { metricsAround, similarIssues, traceOf } from "./context-extras";

/**
 * The analysis context of an issue in scope (NOT_FOUND otherwise): the issue, its newest event, the deployment
 * that first saw it and the one before (as the issue page shows them) with the commit range between them, similar
 * issues, the newest event's trace and the service's request metrics around the first event.
 */
export async function loadAnalysisContext(
  deps: Pick<AppDeps, "db" | "telemetry" | "keyring" | "config" | "logger">,
  scope: ProjectScope,
  issueId: string,
): Promise<AnalysisContext> {
  const { db, telemetry } = deps;
  const detail = await getIssueDetail(db, scope, issueId);
  const [event] = await db
    .select(eventColumns)
    .from(errorEvents)
    .leftJoin(errorStacks, stackJoin)
    .where(eq(errorEvents.errorGroupId, issueId))
    .orderBy(desc(errorEvents.timestamp), desc(errorEvents.id))
    .limit(1);
  const context = (event?.context ?? {}) as { tags?: Record<string, string> };
  // Stored oldest call first (as SDKs send them); the analysis reads the most recent call first.
  const frames = [...((event?.stackTrace as StackFrame[] | null) ?? [])].reverse();
  const serviceScope = { orgId: scope.orgId, serviceId: detail.service.id };
  const [similar, trace, metrics, commitRange] = await Promise.all([
    similarIssues(db, scope.orgId, {
      id: detail.id,
      serviceId: detail.service.id,
      exceptionType: detail.exception_type,
      culprit: detail.culprit,
    }),
    event?.traceId ? traceOf(telemetry, scope.orgId, event.traceId) : null,
    metricsAround(telemetry, serviceScope, new Date(detail.first_seen_at)),
    commitRangeOf(
      deps,
      detail.service.id,
      detail.first_deployment?.git_commit_sha ?? null,
      detail.previous_deployment?.git_commit_sha ?? null,
      frames.filter((f) => f.in_app).map((f) => f.filename),
    ),
  ]);
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
    commitRange,
    similarIssues: similar,
    trace,
    metrics,
  };
}

/**
 * The repository and commits of the range that went live with the first deployment, with a summary of what they
 * changed fetched from that repository with the service's git credentials (see summarizeCommitRange). When the
 * fetch fails the range is still named and the reason given; the analysis never fails for it.
 */
async function commitRangeOf(
  deps: Pick<AppDeps, "db" | "keyring" | "config" | "logger">,
  serviceId: string,
  toSha: string | null,
  fromSha: string | null,
  stackFiles: string[],
): Promise<CommitRange | null> {
  if (!toSha) return null;
  const [row] = await deps.db
    .select({ service: services, project: projects.gitRepoUrl })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(eq(services.id, serviceId));
  const url = row?.service.gitRepoUrl ?? row?.project ?? null;
  const from = fromSha === toSha ? null : fromSha;
  // displayUrl hides a password; a token as the user name is left to the redactor's URL-credential rule.
  const range: CommitRange = { repository: url ? displayUrl(url) : null, fromSha: from, toSha };
  if (!url || !row) return { ...range, diff: null, diffUnavailable: "the service has no git repository" };
  try {
    const diff = await summarizeCommitRange({
      repoUrl: url,
      auth: openGitAuth(deps.keyring, row.service),
      fromSha: from,
      toSha,
      stackFiles,
      cacheDir: path.join(deps.config.dataDir, "ai-git"),
    });
    return { ...range, diff };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    deps.logger.warn({ service_id: serviceId, reason }, "commit range not summarized for the analysis");
    return { ...range, diff: null, diffUnavailable: reason };
  }
}
