import type { AIAnomalyBand, AIAnomalyExplanation } from "@syntra/contracts";
import { and, count, gte, inArray, lte } from "drizzle-orm";
import { errorEvents } from "../../db/schema";
import type { AppDeps } from "../../deps";
import { clip, firstLine } from "../providers/text";
import { deploymentsIn, issuesSeenIn, type Window } from "../service-window";

/** Deployments that finished this long before an anomaly started (or inside it) are candidates for its cause. */
const DEPLOYS_BEFORE_MS = 3_600_000;
/**
 * Issues and traces are read from this long before the start: the detector flags an anomaly only once most of a few
 * steps deviate, so what caused it began a few steps earlier.
 */
const LEAD_MS = 30 * 60_000;
const MAX_DEPLOYS = 3;
const MAX_ISSUES = 5;
const MAX_TRACES_EACH = 3;
/** Traces read to find the slowest ones (searchTraces answers newest first, not by duration). */
const TRACES_SCANNED = 200;
/** Only the newest anomaly ranges are explained: a week of flapping must not cost a hundred rounds of queries. */
const MAX_EXPLAINED = 10;

type Range = { from: string; to: string };
type Explained = AIAnomalyBand["anomalies"][number];

/**
 * The anomaly ranges of one service, each with what was going on around it (`AIAnomalyExplanation`): deployments,
 * new or regressed issues, example traces, and a one-sentence summary. Data only, no provider, so it works offline
 * and with SYNTRA_AI=off. The service is already known to belong to `scope.orgId`.
 */
export async function explainAnomalies(
  deps: Pick<AppDeps, "db" | "telemetry">,
  scope: { orgId: string; serviceId: string },
  ranges: Range[],
): Promise<Explained[]> {
  const firstExplained = Math.max(0, ranges.length - MAX_EXPLAINED);
  return Promise.all(
    ranges.map(async (r, i) => ({
      ...r,
      explanation: i < firstExplained ? null : await explainOne(deps, scope, r),
    })),
  );
}

async function explainOne(
  deps: Pick<AppDeps, "db" | "telemetry">,
  scope: { orgId: string; serviceId: string },
  range: Range,
): Promise<AIAnomalyExplanation> {
  const start = new Date(range.from);
  const end = new Date(range.to);
  const window: Window = { from: new Date(start.getTime() - LEAD_MS), to: end };
  const [deployments, issues, traces] = await Promise.all([
    deploymentsAround(deps, scope.serviceId, start, end),
    issuesIn(deps, scope.serviceId, window),
    tracesIn(deps, scope, window),
  ]);
  return { summary: summaryOf(deployments, issues), deployments, issues, traces };
}

async function deploymentsAround(
  deps: Pick<AppDeps, "db">,
  serviceId: string,
  start: Date,
  end: Date,
): Promise<AIAnomalyExplanation["deployments"]> {
  const rows = await deploymentsIn(
    deps,
    serviceId,
    { from: new Date(start.getTime() - DEPLOYS_BEFORE_MS), to: end },
    10,
  );
  return rows
    .filter((d) => d.finishedAt !== null && d.finishedAt >= new Date(start.getTime() - DEPLOYS_BEFORE_MS))
    .slice(0, MAX_DEPLOYS)
    .map((d) => ({
      id: d.id,
      status: d.status ?? "unknown",
      commit_sha: d.gitCommitSha,
      commit_message: d.gitCommitMessage,
      finished_at: (d.finishedAt as Date).toISOString(),
      minutes_before_start: Math.round((start.getTime() - (d.finishedAt as Date).getTime()) / 60_000),
    }));
}

async function issuesIn(
  deps: Pick<AppDeps, "db">,
  serviceId: string,
  window: Window,
): Promise<AIAnomalyExplanation["issues"]> {
  const inWindow = (at: Date | null) => at !== null && at >= window.from && at <= window.to;
  const rows = (await issuesSeenIn(deps, serviceId, window, 20))
    .filter((g) => inWindow(g.firstSeenAt) || inWindow(g.regressedAt))
    .slice(0, MAX_ISSUES);
  if (rows.length === 0) return [];
  const counts = await deps.db
    .select({ id: errorEvents.errorGroupId, n: count() })
    .from(errorEvents)
    .where(
      and(
        inArray(
          errorEvents.errorGroupId,
          rows.map((g) => g.id),
        ),
        gte(errorEvents.timestamp, window.from),
        lte(errorEvents.timestamp, window.to),
      ),
    )
    .groupBy(errorEvents.errorGroupId);
  const eventsOf = new Map(counts.map((c) => [c.id, Number(c.n)]));
  return rows
    .map((g) => ({
      id: g.id,
      title: g.title,
      first_seen_at: g.firstSeenAt.toISOString(),
      regressed_at: g.regressedAt?.toISOString() ?? null,
      kind: inWindow(g.firstSeenAt) ? ("new" as const) : ("regressed" as const),
      events_in_window: eventsOf.get(g.id) ?? 0,
    }))
    .sort((a, b) => b.events_in_window - a.events_in_window);
}

/** The slowest traces of the window and the failing ones (newest first), each trace once. */
async function tracesIn(
  deps: Pick<AppDeps, "telemetry">,
  scope: { orgId: string; serviceId: string },
  window: Window,
): Promise<AIAnomalyExplanation["traces"]> {
  const [recent, failing] = await Promise.all([
    deps.telemetry.searchTraces(scope, { ...window, limit: TRACES_SCANNED }),
    deps.telemetry.searchTraces(scope, { ...window, status: "error", limit: MAX_TRACES_EACH }),
  ]);
  const slowest = [...recent].sort((a, b) => b.duration_ms - a.duration_ms).slice(0, MAX_TRACES_EACH);
  const seen = new Set<string>();
  return [...slowest, ...failing]
    .filter((t) => !seen.has(t.trace_id) && seen.add(t.trace_id))
    .map((t) => ({
      trace_id: t.trace_id,
      root_operation: t.root_operation,
      start_time: t.start_time,
      duration_ms: t.duration_ms,
      status: t.status,
    }));
}

/** Deploys that did not go live (failed, cancelled) changed nothing that runs. */
const NOT_LIVE = new Set(["failed", "cancelled"]);

/**
 * The likeliest cause in one sentence, by a fixed rule: the latest deploy that finished within the hour before the
 * start; else the new or regressed issue with the most events in the window; else none.
 */
export function summaryOf(
  deployments: AIAnomalyExplanation["deployments"],
  issues: AIAnomalyExplanation["issues"],
): string {
  const deploy = deployments
    .filter((d) => d.minutes_before_start >= 0 && !NOT_LIVE.has(d.status))
    .sort((a, b) => a.minutes_before_start - b.minutes_before_start)[0];
  const issue = issues[0];
  const issueText = issue
    ? `${issue.kind === "new" ? "new issue" : "regressed issue"} "${clip(issue.title, 80)}" (${issue.events_in_window} events in the window)`
    : null;
  if (deploy) {
    const commit = deploy.commit_sha
      ? ` (commit ${deploy.commit_sha.slice(0, 7)}${deploy.commit_message ? ` "${clip(firstLine(deploy.commit_message), 60)}"` : ""})`
      : "";
    const after = `Started ${deploy.minutes_before_start} min after deploy ${deploy.id.slice(0, 8)}${commit}`;
    return issueText ? `${after}; ${issueText}.` : `${after}.`;
  }
  if (issueText)
    return `${issueText[0]?.toUpperCase()}${issueText.slice(1)} appeared with it; no deploy in the hour before.`;
  return "No deploy or new error in the window.";
}
