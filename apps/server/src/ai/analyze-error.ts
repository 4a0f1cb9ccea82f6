import { type AIAnalysis, type AnalyzeErrorBody, aiAnalysis } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { errorGroups } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { getIssueRow } from "../issues/issues";
import type { ProjectScope } from "../projects/projects";
import { callProvider, redactorFor, stamped } from "./call";
import { loadAnalysisContext } from "./load-context";
import { redactDeep } from "./redact";
import { recordAiUsage } from "./usage";

/**
 * The analysis of an issue: the stored one (once per fingerprint: an issue is one fingerprint of one service)
 * unless `force_refresh`, else a new one from the provider, stored before it is returned. Requests for an issue
 * whose analysis is being made wait for that one: concurrent requests make one provider call.
 */
export async function analyzeError(deps: AppDeps, scope: ProjectScope, body: AnalyzeErrorBody): Promise<AIAnalysis> {
  if (!deps.ai.enabled)
    throw new AppError("AI_DISABLED", "AI features are turned off on this installation (SYNTRA_AI=off)");
  const { issue } = await getIssueRow(deps.db, scope, body.issue_id);
  const running = deps.ai.inFlight.get(issue.id);
  if (running) {
    deps.logger.info({ issue_id: issue.id }, "analysis in progress: waiting for its answer");
    return running;
  }
  if (!body.force_refresh) {
    const stored = aiAnalysis.safeParse(issue.aiAnalysis);
    if (stored.success) return stored.data;
  }
  const requestedAt = deps.now();
  // One analysis at a time per issue across the replicas: a replica that waited takes the one just made.
  const made = deps.cluster
    .withLock(`ai-analysis:${issue.id}`, async () => {
      const { issue: latest } = await getIssueRow(deps.db, scope, body.issue_id);
      const stored = aiAnalysis.safeParse(latest.aiAnalysis);
      const fresh = (latest.aiAnalyzedAt?.getTime() ?? 0) >= requestedAt.getTime();
      if (stored.success && (fresh || !body.force_refresh)) return stored.data;
      return makeAnalysis(deps, scope, issue.id, issue.serviceId);
    })
    .finally(() => deps.ai.inFlight.delete(issue.id));
  deps.ai.inFlight.set(issue.id, made);
  return made;
}

async function makeAnalysis(
  deps: AppDeps,
  scope: ProjectScope,
  issueId: string,
  serviceId: string,
): Promise<AIAnalysis> {
  const context = await loadAnalysisContext(deps, scope, issueId);
  const redact = await redactorFor(deps, scope.orgId, serviceId);
  const provider = deps.ai.provider;
  const redacted = redactDeep(context, redact);
  const started = Date.now();
  const result = await callProvider(deps, scope.orgId, () => provider.analyzeError(redacted));
  const generatedAt = deps.now();
  const analysis: AIAnalysis = stamped(result, provider.offline, generatedAt);
  await deps.db
    .update(errorGroups)
    .set({ aiAnalysis: analysis, aiAnalyzedAt: generatedAt })
    .where(eq(errorGroups.id, issueId));
  await recordAiUsage(deps.db, {
    orgId: scope.orgId,
    feature: "error_analysis",
    provider: result.provider,
    model: result.model,
    usage: result.usage,
    at: generatedAt,
  });
  deps.logger.info(
    {
      issue_id: issueId,
      provider: result.provider,
      model: result.model,
      input_tokens: result.usage.inputTokens,
      output_tokens: result.usage.outputTokens,
      ms: Date.now() - started,
    },
    "issue analyzed",
  );
  return analysis;
}
