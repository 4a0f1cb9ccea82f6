import { eq } from "drizzle-orm";
import { organizations, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { openEnv } from "../services/env-vars";
import { assertWithinBudget } from "./budget";
import type { ProviderAnswer, ProviderName } from "./providers/types";
import { createRedactor, type Redactor, secretVariables } from "./redact";

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

/** A provider's answer as stored: the answer with who wrote it and when. */
export function stamped<A extends object>(
  result: ProviderAnswer<A>,
  offline: boolean,
  at: Date,
): A & { provider: ProviderName; model: string; offline: boolean; generated_at: string } {
  return { ...result.answer, provider: result.provider, model: result.model, offline, generated_at: at.toISOString() };
}

/**
 * The redactor for data of one organization and (if any) one service: the service's secret variables, the
 * provider's keys, and email addresses unless the organization allows them.
 */
export async function redactorFor(deps: AppDeps, orgId: string, serviceId: string | null): Promise<Redactor> {
  const [org] = await deps.db
    .select({ redactEmails: organizations.aiRedactEmails })
    .from(organizations)
    .where(eq(organizations.id, orgId));
  const [service] = serviceId
    ? await deps.db.select({ env: services.envVarsEncrypted }).from(services).where(eq(services.id, serviceId))
    : [];
  const env = service && serviceId ? openEnv(deps.keyring, serviceId, service.env) : [];
  return createRedactor({
    secrets: [...secretVariables(env), ...deps.ai.providerSecrets],
    emails: org?.redactEmails ?? true,
  });
}
