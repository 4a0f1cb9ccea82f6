import type { AIAnalysisAnswer, AIEvidence, AISeverity } from "@syntra/contracts";
import type { AnalysisContext, ContextDeployment } from "../analysis-context";
import type { ChatQuestion } from "../chat-context";
import { sameFile } from "../commit-diff";
import { matchErrorPattern } from "./error-patterns";
import { dockerfileOffline } from "./offline-dockerfile";
import { summarizeIncidentOffline } from "./offline-incident";
import { clip, firstLine } from "./text";
import type { AiProvider, ProviderAnswer } from "./types";

/** The offline analyzer's name for its "model": rules over the data. */
export const OFFLINE_MODEL = "syntra-rules-1";

/** A deploy this close before the first event is taken as its likely trigger. */
const DEPLOY_LINK_MS = 6 * 3_600_000;

/**
 * The analyzer used when no provider is configured (or SYNTRA_AI_PROVIDER=offline): it answers from the data
 * alone (the known error pattern the message matches, the deployment that first saw the error and its commit,
 * the top in-app frame, the breadcrumbs before it) and every answer says it is offline.
 */
export function offlineProvider(): AiProvider {
  const answered = async <A>(answer: A): Promise<ProviderAnswer<A>> => ({
    answer,
    provider: "offline",
    model: OFFLINE_MODEL,
    usage: { inputTokens: 0, outputTokens: 0 },
  });
  return {
    name: "offline",
    model: OFFLINE_MODEL,
    offline: true,
    analyzeError: (context) => answered(analyzeOffline(context)),
    summarizeIncident: (context) => answered(summarizeIncidentOffline(context)),
    async chat(question, onText) {
      const parts = chatOffline(question);
      for (const [i, part] of parts.entries()) onText(i === 0 ? part : ` ${part}`);
      return answered(parts.join(" "));
    },
    generateDockerfile: async (context) => answered(dockerfileOffline(context)),
  };
}

/**
 * The offline answer to a chat question, in sentences: it cannot read the question, so it says so and states what
 * the data about the named issue, service and project shows (the offline analysis, the latest deployment, the open
 * issues, the services).
 */
export function chatOffline(q: ChatQuestion): string[] {
  const parts = ["Offline answer (no AI provider configured): the question is not interpreted; the data says this."];
  const { issue, service, project } = q.data;
  if (issue) {
    const a = analyzeOffline(issue);
    parts.push(`Issue "${clip(issue.issue.title, 120)}": ${a.root_cause}`, a.why_now);
  }
  if (service) {
    const d = service.deployments[0];
    parts.push(
      d
        ? `Service ${service.name}: its latest deployment is ${d.status ?? "queued"}${d.commit ? ` (commit ${d.commit.slice(0, 7)}${d.message ? ` "${clip(firstLine(d.message), 80)}"` : ""})` : ""}, created ${d.createdAt}.`
        : `Service ${service.name} has no deployment yet.`,
      service.openIssues.length === 0
        ? "It has no open issue."
        : `It has ${service.openIssues.length} open issue(s), the latest "${clip(service.openIssues[0]?.title ?? "", 120)}".`,
    );
  }
  if (project)
    parts.push(
      `Project ${project.name} has ${project.services.length} service(s): ${project.services.map((x) => x.name).join(", ") || "none"}.`,
    );
  if (!issue && !service && !project) parts.push("Name a service, project or issue to get an answer from its data.");
  return parts;
}

/** The offline analysis of one issue: deterministic, from the context alone. */
export function analyzeOffline(c: AnalysisContext): AIAnalysisAnswer {
  const e = c.event;
  const text = `${e?.type ?? c.issue.exceptionType ?? ""}: ${e?.message ?? c.issue.title}`;
  const pattern = matchErrorPattern(text);
  const frame = e?.frames.find((f) => f.in_app);
  const where = frame
    ? `${frame.function || "<anonymous>"} (${frame.module ?? frame.filename}:${frame.lineno})`
    : c.issue.culprit;
  const evidence: AIEvidence[] = [{ kind: "event", detail: clip(text, 300) }];
  if (frame) {
    evidence.push({
      kind: "stack_frame",
      detail: clip(`${where}${frame.context_line ? `: ${frame.context_line.trim()}` : ""}`, 300),
    });
  }
  if (pattern) evidence.push({ kind: "pattern", detail: `Matches the known pattern "${pattern.id}"` });

  const deploy = c.firstDeployment;
  const linked = deploy && deployLinked(deploy, c.issue.firstSeenAt);
  if (deploy) {
    evidence.push({
      kind: "deployment",
      detail: `First seen in deployment #${deploy.number}${deploy.commitSha ? ` (${deploy.commitSha.slice(0, 7)})` : ""}`,
    });
    if (deploy.commitMessage)
      evidence.push({
        kind: "commit",
        detail: clip(`${deploy.commitSha?.slice(0, 7) ?? "?"} ${firstLine(deploy.commitMessage)}`, 300),
      });
  }
  const changed = frameChange(c);
  if (changed) evidence.push({ kind: "commit", detail: clip(changed.sentence, 400) });
  const lastError = e?.breadcrumbs.filter((b) => b.level === "error" || b.level === "warning").at(-1);
  if (lastError)
    evidence.push({ kind: "breadcrumb", detail: clip(`${lastError.category}: ${lastError.message ?? ""}`, 300) });
  const metricChange = metricChangeOf(c);
  if (metricChange) evidence.push({ kind: "metric", detail: metricChange });
  const fixedBefore = c.similarIssues?.find((i) => i.status === "resolved" && i.rootCause);
  if (fixedBefore)
    evidence.push({
      kind: "issue",
      detail: clip(`A similar issue was resolved before ("${fixedBefore.title}"): ${fixedBefore.rootCause}`, 400),
    });

  const cause =
    pattern?.cause ??
    `${e?.type ?? c.issue.exceptionType ?? "An error"} is raised; it matches none of the known error patterns, so the stack and message are the best lead.`;
  const severity = severityOf(pattern?.severity, c);
  return {
    root_cause: `Offline analysis (no AI provider configured), from the data alone: ${cause}${where ? ` It is raised in ${where}.` : ""}`,
    why_now: `${whyNow(c, linked ?? false)}${changed ? ` ${changed.sentence}.` : ""}${metricChange ? ` ${metricChange}.` : ""}`,
    suggested_fix: changed
      ? `${pattern ? `${pattern.fix} ` : ""}Review the change to ${changed.path} in commit ${changed.sha} "${changed.subject}"${where ? `, where ${where} fails` : ""}.`
      : (pattern?.fix ??
        `Start at ${where ?? "the top in-app frame"}${linked && deploy?.commitSha ? ` and the changes of commit ${deploy.commitSha.slice(0, 7)}` : ""}.`),
    severity,
    affected_scope: `${c.issue.eventCount} event(s), ${c.issue.userCount} user(s) of ${c.service.name}${e?.environment ? ` in ${e.environment}` : ""} since ${c.issue.firstSeenAt}.`,
    confidence: Math.min(
      0.2 + (pattern ? 0.25 : 0) + (linked ? 0.2 : 0) + (frame ? 0.05 : 0) + (changed ? 0.1 : 0),
      0.75,
    ),
    evidence: evidence.slice(0, 20),
  };
}

/**
 * The newest commit of the range that changed a file of the stack (in-app frames, the top one first), as a
 * sentence: "src/orders.ts (in the stack: getOrder) changed in commit abc1234 'x' (+3/-1)". Null without a diff
 * summary or when no stack file changed.
 */
function frameChange(c: AnalysisContext): { sentence: string; path: string; sha: string; subject: string } | null {
  const diff = c.commitRange?.diff;
  if (!diff || diff.hunks.length === 0) return null;
  for (const frame of c.event?.frames.filter((f) => f.in_app) ?? []) {
    const hunk = diff.hunks.find((h) => sameFile(frame.filename, h.path));
    const sha = hunk?.commits[0];
    if (!hunk || !sha) continue;
    const commit = diff.commits.find((k) => k.sha === sha);
    const file = diff.files.find((f) => f.path === hunk.path);
    const counts = file?.additions != null ? ` (+${file.additions}/-${file.deletions ?? 0})` : "";
    const subject = commit?.subject ?? "";
    return {
      sentence: `${hunk.path} (in the stack: ${frame.function || "<anonymous>"}) changed in commit ${sha.slice(0, 7)} "${clip(subject, 120)}"${commit?.author ? ` by ${commit.author}` : ""}${counts}`,
      path: hunk.path,
      sha: sha.slice(0, 7),
      subject: clip(subject, 120),
    };
  }
  return null;
}

function whyNow(c: AnalysisContext, linked: boolean): string {
  const d = c.firstDeployment;
  if (!d)
    return `No deployment is recorded for the first event (${c.issue.firstSeenAt}); the data does not show what changed.`;
  const minutes = Math.round((Date.parse(c.issue.firstSeenAt) - Date.parse(d.liveAt ?? d.createdAt)) / 60_000);
  const commit = d.commitSha
    ? ` (commit ${d.commitSha.slice(0, 7)}${d.commitMessage ? ` "${clip(firstLine(d.commitMessage), 120)}"` : ""})`
    : "";
  const before = c.previousDeployment
    ? ` The deployment before it, #${c.previousDeployment.number}${c.previousDeployment.commitSha ? ` (${c.previousDeployment.commitSha.slice(0, 7)})` : ""}, did not report this error.`
    : "";
  if (linked)
    return `It was first seen ${minutes} minute(s) after deployment #${d.number} went live${commit}.${before}`;
  return `It was first seen in deployment #${d.number}${commit}, ${minutes} minute(s) after it went live: too long after for the deploy alone to explain it (traffic or data may have changed).${before}`;
}

/**
 * The service's requests around the first event when they changed there (error rate up by 5 points or more, p95
 * latency doubled), as a sentence; null when they did not or are not known.
 */
function metricChangeOf(c: AnalysisContext): string | null {
  const m = c.metrics;
  if (!m?.before || !m.after) return null;
  const errorsUp = m.after.errorRate - m.before.errorRate >= 0.05;
  const slower = m.before.p95Ms > 0 && m.after.p95Ms >= 2 * m.before.p95Ms;
  if (!errorsUp && !slower) return null;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return `In the hour after the first event the service's error rate was ${pct(m.after.errorRate)} (before: ${pct(m.before.errorRate)}) and its p95 latency ${m.after.p95Ms} ms (before: ${m.before.p95Ms} ms)`;
}

function deployLinked(d: ContextDeployment, firstSeenAt: string): boolean {
  const gap = Date.parse(firstSeenAt) - Date.parse(d.liveAt ?? d.createdAt);
  return gap >= -60_000 && gap <= DEPLOY_LINK_MS;
}

// The pattern's usual severity, raised for fatal errors and many users, lowered for handled rare ones.
function severityOf(base: AISeverity | undefined, c: AnalysisContext): AISeverity {
  const order: AISeverity[] = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];
  const fromIssue: AISeverity =
    c.issue.severity === "critical"
      ? "CRITICAL"
      : c.issue.severity === "high"
        ? "HIGH"
        : c.issue.severity === "low"
          ? "LOW"
          : "MEDIUM";
  let level = Math.max(order.indexOf(base ?? "MEDIUM"), order.indexOf(fromIssue));
  if (c.issue.userCount >= 100) level = Math.max(level, 2);
  return order[level] ?? "MEDIUM";
}
