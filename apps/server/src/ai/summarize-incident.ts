import type { AIIncidentSummary } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import { resultRows } from "../db/client";
import type { AppDeps } from "../deps";
import { callProvider, redactorFor, stamped } from "./call";
import { loadIncidentContext } from "./incident-context";
import { failureOutcome } from "./outcome";
import { redactDeep } from "./redact";
import { recordAiUsage } from "./usage";

/** Incidents that fired longer ago than this are not summarized (the backlog after an upgrade). */
const NEW_INCIDENT_MAX_AGE_MS = 86_400_000;

/**
 * Writes the summary of one incident with the provider (its context redacted with the service's secrets) and
 * stores it on the incident: `ai_summary` the text, `ai_summary_details` the whole answer. Within the
 * organization's budget and the process's slots like every provider request.
 */
export async function summarizeIncident(deps: AppDeps, incidentId: string): Promise<AIIncidentSummary> {
  const { context, orgId, serviceId } = await loadIncidentContext(deps, incidentId);
  const redact = await redactorFor(deps, orgId, serviceId);
  const redacted = redactDeep(context, redact);
  const provider = deps.ai.provider;
  const result = await callProvider(deps, orgId, () => provider.summarizeIncident(redacted));
  const at = deps.now();
  const summary: AIIncidentSummary = stamped(result, provider.offline, at);
  await deps.db.execute(sql`
    UPDATE alert_incidents SET ai_summary = ${summary.summary}, ai_summary_details = ${JSON.stringify(summary)}::jsonb
    WHERE id = ${incidentId}`);
  await recordAiUsage(deps.db, {
    orgId,
    feature: "incident_summary",
    provider: result.provider,
    model: result.model,
    usage: result.usage,
    at,
  });
  return summary;
}

/** What one pass did. */
export interface SummaryPass {
  summarized: number;
  notSummarized: number;
}

/**
 * Summarizes incidents that fired in the last day and have no summary yet, each once (taken with SKIP LOCKED:
 * replicas take different ones; a failure is stored as the outcome and not retried). An incident becomes visible
 * here only when the transaction that created it has committed, and that transaction queued its notifications:
 * the summary always comes after the notification and never delays it. Organizations with ai_auto_analyze off and
 * SYNTRA_AI=off are left alone.
 */
export async function summarizeNewIncidents(deps: AppDeps, maxPerPass = 20): Promise<SummaryPass> {
  const pass: SummaryPass = { summarized: 0, notSummarized: 0 };
  if (!deps.ai.enabled) return pass;
  for (let i = 0; i < maxPerPass; i++) {
    const now = deps.now();
    const [taken] = resultRows<{ id: string }>(
      await deps.db.execute(sql`
        UPDATE alert_incidents SET ai_summary_at = ${now.toISOString()}::timestamptz
        WHERE id = (
          SELECT i.id FROM alert_incidents i
            JOIN alerts a ON a.id = i.alert_id
            JOIN organizations o ON o.id = a.org_id
          WHERE i.ai_summary_at IS NULL AND o.ai_auto_analyze
            AND i.fired_at >= ${new Date(now.getTime() - NEW_INCIDENT_MAX_AGE_MS).toISOString()}::timestamptz
          ORDER BY i.fired_at, i.id
          LIMIT 1 FOR UPDATE OF i SKIP LOCKED)
        RETURNING id`),
    );
    if (!taken) break;
    let outcome = "summarized";
    try {
      await summarizeIncident(deps, taken.id);
      pass.summarized++;
    } catch (err) {
      outcome = failureOutcome(err, deps.logger, "summary of an alert incident failed", { incident_id: taken.id });
      pass.notSummarized++;
    }
    await deps.db.execute(sql`UPDATE alert_incidents SET ai_summary_outcome = ${outcome} WHERE id = ${taken.id}`);
  }
  return pass;
}
