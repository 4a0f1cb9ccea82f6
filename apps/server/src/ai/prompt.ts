import { aiAnalysisAnswer } from "@syntra/contracts";
import type { AnalysisContext } from "./analysis-context";
import { fencedToolRequest, toolInputSchema } from "./fenced-request";
import type { StructuredRequest } from "./providers/types";

/** The tool a model must call with its analysis. */
export const ANALYSIS_TOOL = "record_error_analysis";

/** Frames, breadcrumbs and context lines sent at most: enough to judge, bounded cost. */
const MAX_FRAMES = 30;
const MAX_BREADCRUMBS = 30;
const MAX_FIELD = 2000;
const MAX_ATTRIBUTES = 20;

const analysisTool = {
  name: ANALYSIS_TOOL,
  description: "Records the analysis of the issue: root cause, why now, fix, severity, scope, confidence, evidence.",
  inputSchema: toolInputSchema(aiAnalysisAnswer),
};

/**
 * The error-analysis request. The instructions are fixed text; everything from the application (messages,
 * stack, breadcrumbs, commit messages) goes as JSON inside the nonce fence (`fencedToolRequest`). The context must
 * already be redacted.
 */
export function errorAnalysisRequest(context: AnalysisContext, maxTokens: number, nonce?: string): StructuredRequest {
  return fencedToolRequest({
    role: [
      "You are the error analysis engine of Syntra, a self-hosted deployment and error tracking platform.",
      "You get one issue (a group of identical errors) of an application: its newest event with the stack trace,",
      "source context and breadcrumbs, when it was first seen, the deployment that first saw it with the one",
      "before (their commits and the commit range), similar issues of the same organization (resolved ones with the",
      "root cause found then), the spans of the event's trace, and the service's requests, error rate and p95",
      "latency in the hour before and the hour after the first event. Any of these may be missing.",
    ],
    dataName: "The issue's data",
    instructions: [
      `Call the ${ANALYSIS_TOOL} tool exactly once with: root_cause (what fails and why, naming the code),`,
      "why_now (what changed: the deployment or commit, traffic, data; say so when nothing in the data explains it),",
      "suggested_fix (concrete: the code or setting to change), severity (CRITICAL: outage or data loss; HIGH: a main",
      "feature broken for many users; MEDIUM: degraded or some users; LOW: cosmetic or rare), affected_scope (who",
      "and what is affected, with the counts), confidence (0 to 1, how sure you are from this data alone) and",
      "evidence (the facts you used: stack frames, breadcrumbs, commits, deployments, quoted briefly).",
    ],
    ask: ["Analyze this issue."],
    data: promptData(context),
    tool: analysisTool,
    maxTokens,
    nonce,
  });
}

/** A field cut to a bounded length (null and undefined pass). */
export const cut = (s: string | null | undefined) =>
  s == null ? s : s.length > MAX_FIELD ? `${s.slice(0, MAX_FIELD)}…` : s;

/** The context as the model sees it: bounded, in-app frames first, fields named plainly. */
function promptData(c: AnalysisContext): Record<string, unknown> {
  const e = c.event;
  const frames = e
    ? [...e.frames.filter((f) => f.in_app), ...e.frames.filter((f) => !f.in_app)].slice(0, MAX_FRAMES)
    : [];
  return {
    service: c.service.name,
    issue: {
      title: cut(c.issue.title),
      exception_type: c.issue.exceptionType,
      culprit: cut(c.issue.culprit),
      status: c.issue.status,
      events: c.issue.eventCount,
      users_affected: c.issue.userCount,
      first_seen_at: c.issue.firstSeenAt,
      last_seen_at: c.issue.lastSeenAt,
    },
    latest_event: e && {
      type: e.type,
      message: cut(e.message),
      level: e.level,
      handled: e.handled,
      environment: e.environment,
      release: e.release,
      timestamp: e.timestamp,
      tags: e.tags,
      stack_most_recent_first: frames.map((f) => ({
        in_app: f.in_app,
        at: `${f.module ?? f.filename}:${f.lineno}`,
        function: f.function,
        ...(f.pre_context && { before: f.pre_context.map(cut) }),
        ...(f.context_line && { line: cut(f.context_line) }),
        ...(f.post_context && { after: f.post_context.map(cut) }),
      })),
      breadcrumbs_oldest_first: e.breadcrumbs.slice(-MAX_BREADCRUMBS).map((b) => ({
        at: b.timestamp,
        type: b.type,
        category: b.category,
        level: b.level,
        ...(b.message && { message: cut(b.message) }),
      })),
    },
    first_seen_in_deployment: c.firstDeployment,
    deployment_before_it: c.previousDeployment,
    ...(c.commitRange && { commit_range: c.commitRange }),
    ...(c.similarIssues?.length && {
      similar_issues: c.similarIssues.map((i) => ({ ...i, title: cut(i.title), rootCause: cut(i.rootCause) })),
    }),
    ...(c.trace && {
      trace_spans: c.trace.map((span) => ({
        ...span,
        statusMessage: cut(span.statusMessage),
        attributes: Object.fromEntries(
          Object.entries(span.attributes)
            .slice(0, MAX_ATTRIBUTES)
            .map(([k, v]) => [k, cut(v)]),
        ),
      })),
    }),
    ...(c.metrics && { requests_around_first_event: c.metrics }),
  };
}
