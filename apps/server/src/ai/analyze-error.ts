import { type AIAnalysis, type AnalyzeErrorBody, aiAnalysis } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { errorGroups, organizations, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { getIssueRow } from "../issues/issues";
import type { ProjectScope } from "../projects/projects";
import { openEnv } from "../services/env-vars";
import { assertWithinBudget } from "./budget";
import { loadAnalysisContext } from "./load-context";
import { createRedactor, redactDeep, secretVariables } from "./redact";
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
  const made = makeAnalysis(deps, scope, issue.id).finally(() => deps.ai.inFlight.delete(issue.id));
  deps.ai.inFlight.set(issue.id, made);
  return made;
}

async function makeAnalysis(deps: AppDeps, scope: ProjectScope, issueId: string): Promise<AIAnalysis> {
  const context = await loadAnalysisContext(deps, scope, issueId);
  const redact = await redactorFor(deps, scope.orgId, issueId);
  const provider = deps.ai.provider;
  const redacted = redactDeep(context, redact);
  const started = Date.now();
  const result = await callProvider(deps, scope.orgId, () => provider.analyzeError(redacted));
  const generatedAt = deps.now();
  const analysis: AIAnalysis = {
    ...result.answer,
    provider: result.provider,
    model: result.model,
    offline: provider.offline,
    generated_at: generatedAt.toISOString(),
  };
  await deps.db
    .update(errorGroups)
    .set({ aiAnalysis: analysis, aiAnalyzedAt: generatedAt })
    .where(eq(errorGroups.id, issueId));
  await recordAiUsage(deps.db, {
    orgId: scope.orgId,
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

/**
 * One provider request of an organization: past its daily token budget it is refused (AI_BUDGET_EXCEEDED) without
 * reaching the provider; otherwise it waits for one of the process's slots (SYNTRA_AI_CONCURRENCY), and the budget
 * is checked again once it has one (requests that waited may find it spent). The offline analyzer spends no
 * tokens and takes no slot.
 */
export async function callProvider<T>(deps: AppDeps, orgId: string, request: () => Promise<T>): Promise<T> {
  if (deps.ai.provider.offline) return request();
  await assertWithinBudget(deps.db, deps.ai.config, orgId, deps.now());
  return deps.ai.slots.run(async () => {
    await assertWithinBudget(deps.db, deps.ai.config, orgId, deps.now());
    return request();
  });
}

/** The redactor for one issue: its service's secret variables, the provider's keys, emails if the org says so. */
async function redactorFor(deps: AppDeps, orgId: string, issueId: string) {
  const [row] = await deps.db
    .select({ serviceId: services.id, env: services.envVarsEncrypted, redactEmails: organizations.aiRedactEmails })
    .from(errorGroups)
    .innerJoin(services, eq(services.id, errorGroups.serviceId))
    .innerJoin(organizations, eq(organizations.id, orgId))
    .where(eq(errorGroups.id, issueId))
    .limit(1);
  if (!row) throw new AppError("NOT_FOUND", "Issue not found");
  const env = openEnv(deps.keyring, row.serviceId, row.env);
  return createRedactor({
    secrets: [...secretVariables(env), ...deps.ai.providerSecrets],
    emails: row.redactEmails,
  });
}
