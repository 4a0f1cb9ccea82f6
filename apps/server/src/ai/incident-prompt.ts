import { aiIncidentSummaryAnswer } from "@syntra/contracts";
import { fencedToolRequest, toolInputSchema } from "./fenced-request";
import type { IncidentContext } from "./incident-context";
import { cut } from "./prompt";
import type { StructuredRequest } from "./providers/types";

/** The tool a model must call with its incident summary. */
export const INCIDENT_TOOL = "record_incident_summary";

const incidentTool = {
  name: INCIDENT_TOOL,
  description: "Records the summary of the alert incident: what is happening, the likely cause, evidence.",
  inputSchema: toolInputSchema(aiIncidentSummaryAnswer),
};

/**
 * The incident-summary request: fixed instructions, the incident's (redacted) data fenced like the error
 * analysis's, and the answer's schema as the one tool to call.
 */
export function incidentSummaryRequest(context: IncidentContext, maxTokens: number, nonce?: string): StructuredRequest {
  return fencedToolRequest({
    role: [
      "You are the incident summarizer of Syntra, a self-hosted deployment, error tracking and alerting platform.",
      "An alert rule fired. You get the rule and its condition, the incident (title, message, observed value, labels,",
      "when it fired) and, when it concerns one service: the deployments that finished in the two hours before, the",
      "service's issues seen in the hour before (new ones marked), and its requests, error rate and p95 latency in",
      "the hour before and the hour after the firing. Any of these may be missing.",
    ],
    dataName: "The incident's data",
    instructions: [
      `Call the ${INCIDENT_TOOL} tool exactly once with: summary (two to four sentences a responder reads first: what`,
      "is happening, since when, how bad, with the numbers), likely_cause (the deployment, issue or change the data",
      "points at, or say plainly that the data shows no cause), confidence (0 to 1) and evidence (the facts used).",
    ],
    ask: ["Summarize this incident."],
    data: promptData(context),
    tool: incidentTool,
    maxTokens,
    nonce,
  });
}

function promptData(c: IncidentContext): Record<string, unknown> {
  return {
    rule: c.rule,
    incident: { ...c.incident, title: cut(c.incident.title), message: cut(c.incident.message) },
    service: c.service?.name ?? null,
    deployments_before_firing: c.deployments.map((d) => ({ ...d, commitMessage: cut(d.commitMessage) })),
    issues_around_firing: c.issues.map((i) => ({ ...i, title: cut(i.title), rootCause: cut(i.rootCause) })),
    requests_around_firing: c.metrics,
  };
}
