import { sql } from "drizzle-orm";
import { resultRows } from "../db/client";
import type { AppDeps } from "../deps";
import { analyzeError } from "./analyze-error";
import { failureOutcome } from "./outcome";

/** Issues first seen longer ago than this are not analyzed in the background (say, the backlog after an upgrade). */
const NEW_ISSUE_MAX_AGE_MS = 86_400_000;

/** What one background pass did. */
export interface BackgroundPass {
  analyzed: number;
  /** Taken but not analyzed: the budget was spent, or the provider failed (the outcome says which). */
  notAnalyzed: number;
}

/**
 * Analyzes new issues nobody has analyzed yet, each once: an issue is taken (ai_auto_at set, with SKIP LOCKED so
 * replicas take different ones) whatever comes of it, and the outcome is stored (`analyzed`, `budget_exceeded`,
 * `failed:<code>`); a failed one is not retried (the issue page's Analyze button still works). Per organization at
 * most SYNTRA_AI_AUTO_ANALYZE_PER_HOUR are taken per hour; the rest wait for a later pass (while they are new).
 * Organizations that turned ai_auto_analyze off, and SYNTRA_AI=off, are left alone. Goes through `analyzeError`,
 * so the budget, the concurrency slots, redaction and "one provider call per issue" all apply.
 */
export async function analyzeNewIssues(deps: AppDeps, maxPerPass = 20): Promise<BackgroundPass> {
  const pass: BackgroundPass = { analyzed: 0, notAnalyzed: 0 };
  const perHour = deps.ai.config.autoAnalyzePerHour;
  if (!deps.ai.enabled || perHour === 0) return pass;
  for (let i = 0; i < maxPerPass; i++) {
    const now = deps.now();
    const taken = await takeOne(deps, now, perHour);
    if (!taken) break;
    const outcome = await analyzeOne(deps, taken);
    await deps.db.execute(sql`UPDATE error_groups SET ai_auto_outcome = ${outcome} WHERE id = ${taken.id}`);
    if (outcome === "analyzed") pass.analyzed++;
    else pass.notAnalyzed++;
  }
  return pass;
}

/** Takes the oldest new issue of an organization still under its hourly count, or none. */
async function takeOne(
  deps: Pick<AppDeps, "db">,
  now: Date,
  perHour: number,
): Promise<{ id: string; orgId: string } | null> {
  const at = now.toISOString();
  const newSince = new Date(now.getTime() - NEW_ISSUE_MAX_AGE_MS).toISOString();
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const [row] = resultRows<{ id: string; org_id: string }>(
    await deps.db.execute(sql`
      UPDATE error_groups SET ai_auto_at = ${at}::timestamptz
      FROM services s JOIN projects p ON p.id = s.project_id
      WHERE error_groups.service_id = s.id AND error_groups.id = (
        SELECT g.id FROM error_groups g
          JOIN services gs ON gs.id = g.service_id
          JOIN projects gp ON gp.id = gs.project_id
          JOIN organizations o ON o.id = gp.org_id
        WHERE g.ai_auto_at IS NULL AND g.ai_analysis IS NULL AND g.first_seen_at >= ${newSince}::timestamptz
          AND o.ai_auto_analyze
          AND (SELECT count(*) FROM error_groups h
                 JOIN services hs ON hs.id = h.service_id
                 JOIN projects hp ON hp.id = hs.project_id
               WHERE hp.org_id = o.id AND h.ai_auto_at > ${hourAgo}::timestamptz) < ${perHour}
        ORDER BY g.first_seen_at, g.id
        LIMIT 1 FOR UPDATE OF g SKIP LOCKED)
      RETURNING error_groups.id, p.org_id`),
  );
  return row ? { id: row.id, orgId: row.org_id } : null;
}

async function analyzeOne(deps: AppDeps, issue: { id: string; orgId: string }): Promise<string> {
  try {
    await analyzeError(deps, { orgId: issue.orgId, projectId: null }, { issue_id: issue.id, force_refresh: false });
    return "analyzed";
  } catch (err) {
    return failureOutcome(err, deps.logger, "background analysis of a new issue failed", { issue_id: issue.id });
  }
}
