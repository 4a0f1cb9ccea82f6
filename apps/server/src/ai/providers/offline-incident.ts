import type { AIEvidence, AIIncidentSummaryAnswer } from "@syntra/contracts";
import type { WindowFigures } from "../analysis-context";
import type { IncidentContext } from "../incident-context";
import { clip, firstLine } from "./text";

/**
 * The offline summary of an incident: what fired with its value and when, the service's request figures before and
 * after, and as the likely cause the most recent deployment that finished before it (within two hours), else the
 * newest issue that appeared in the hour before; else it says the data shows no cause. Deterministic.
 */
export function summarizeIncidentOffline(c: IncidentContext): AIIncidentSummaryAnswer {
  const i = c.incident;
  const evidence: AIEvidence[] = [
    {
      kind: "alert",
      detail: clip(
        `${c.rule.name} (${c.rule.type}) fired at ${i.firedAt}${i.value !== null ? `, value ${i.value}` : ""}: ${i.message}`,
        400,
      ),
    },
  ];
  const sentences = [
    `Offline summary (no AI provider configured): "${clip(i.title, 200)}" (${i.severity}) fired at ${i.firedAt}${c.service ? ` for ${c.service.name}` : ""}${i.value !== null ? ` with value ${i.value}` : ""}.`,
  ];
  const m = c.metrics;
  if (m?.after) {
    sentences.push(
      `In the hour after, ${describe(m.after)}${m.before ? `, against ${describe(m.before)} in the hour before` : ""}.`,
    );
    evidence.push({
      kind: "metric",
      detail: `after: ${describe(m.after)}; before: ${m.before ? describe(m.before) : "no requests"}`,
    });
  }
  const newIssues = c.issues.filter((x) => x.isNew);
  if (newIssues.length > 0) {
    sentences.push(
      `${newIssues.length} new issue(s) appeared in the hour before, the newest "${clip(newIssues[0]?.title ?? "", 120)}".`,
    );
  }
  for (const x of c.issues.slice(0, 3))
    evidence.push({
      kind: "issue",
      detail: clip(`${x.isNew ? "new" : "ongoing"}: ${x.title} (${x.events} events since ${x.firstSeenAt})`, 300),
    });

  const deploy = c.deployments[0];
  let cause: string;
  let confidence = 0.15;
  if (deploy) {
    const what = `${deploy.commitSha ? `commit ${deploy.commitSha.slice(0, 7)}` : "a deployment"}${deploy.commitMessage ? ` ("${clip(firstLine(deploy.commitMessage), 120)}")` : ""}`;
    cause = `The deployment of ${what} finished ${deploy.minutesBeforeFiring} minute(s) before the alert fired (status ${deploy.status}): the likeliest trigger; compare it with the deployment before.`;
    evidence.push({
      kind: "deployment",
      detail: clip(`${what}, ${deploy.status}, ${deploy.minutesBeforeFiring} min before firing`, 300),
    });
    confidence = 0.45;
  } else if (newIssues[0]) {
    const x = newIssues[0];
    cause = `No deployment in the two hours before; the new issue "${clip(x.title, 160)}" (first seen ${x.firstSeenAt}) is the nearest lead${x.rootCause ? `: ${clip(x.rootCause, 300)}` : "."}`;
    confidence = 0.3;
  } else {
    cause =
      "Nothing in Syntra's data explains it: no deployment in the two hours before and no new issue; look at dependencies, traffic and infrastructure.";
  }
  return { summary: sentences.join(" "), likely_cause: cause, confidence, evidence: evidence.slice(0, 20) };
}

const describe = (w: WindowFigures) =>
  `${w.requests} requests, ${(w.errorRate * 100).toFixed(1)}% errors, p95 ${w.p95Ms} ms`;
