import type { AIUsage } from "@syntra/contracts";
import { and, asc, desc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { aiUsage, organizations } from "../db/schema";
import { budgetOf } from "./budget";
import type { AiEngine } from "./engine";
import type { ProviderName, TokenUsage } from "./providers/types";

/** The features that spend tokens, as usage rows name them. */
export type AiFeature = "error_analysis" | "incident_summary" | "dockerfile" | "recommendation" | "chat" | "other";

/** Adds one finished request's tokens to the organization's usage of the day (UTC) and feature. */
export async function recordAiUsage(
  db: Db,
  entry: {
    orgId: string;
    /** What the request was for (default "other"). */
    feature?: AiFeature;
    provider: ProviderName;
    model: string;
    usage: TokenUsage;
    at: Date;
  },
): Promise<void> {
  const day = entry.at.toISOString().slice(0, 10);
  await db
    .insert(aiUsage)
    .values({
      orgId: entry.orgId,
      day,
      feature: entry.feature ?? "other",
      provider: entry.provider,
      model: entry.model.slice(0, 200),
      requests: 1,
      inputTokens: entry.usage.inputTokens,
      outputTokens: entry.usage.outputTokens,
    })
    .onConflictDoUpdate({
      target: [aiUsage.orgId, aiUsage.day, aiUsage.feature, aiUsage.provider, aiUsage.model],
      set: {
        requests: sql`${aiUsage.requests} + 1`,
        inputTokens: sql`${aiUsage.inputTokens} + ${entry.usage.inputTokens}`,
        outputTokens: sql`${aiUsage.outputTokens} + ${entry.usage.outputTokens}`,
      },
    });
}

/** The organization's usage over the last `days` days (UTC, today included), newest first, with totals. */
export async function aiUsageOf(db: Db, engine: AiEngine, orgId: string, days: number, now: Date): Promise<AIUsage> {
  const [org] = await db
    .select({ autoAnalyze: organizations.aiAutoAnalyze })
    .from(organizations)
    .where(eq(organizations.id, orgId));
  const from = new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const rows = await db
    .select()
    .from(aiUsage)
    .where(and(eq(aiUsage.orgId, orgId), gte(aiUsage.day, from)))
    .orderBy(desc(aiUsage.day), asc(aiUsage.feature), asc(aiUsage.provider), asc(aiUsage.model));
  const list = rows.map((r) => ({
    day: r.day,
    feature: r.feature,
    provider: r.provider,
    model: r.model,
    requests: r.requests,
    input_tokens: Number(r.inputTokens),
    output_tokens: Number(r.outputTokens),
  }));
  return {
    enabled: engine.enabled,
    provider: engine.provider.name,
    model: engine.provider.model,
    auto_analyze: engine.enabled && engine.config.autoAnalyzePerHour > 0 && (org?.autoAnalyze ?? false),
    budget: await budgetOf(db, engine.config, orgId, now),
    days: list,
    totals: {
      requests: list.reduce((n, r) => n + r.requests, 0),
      input_tokens: list.reduce((n, r) => n + r.input_tokens, 0),
      output_tokens: list.reduce((n, r) => n + r.output_tokens, 0),
    },
  };
}
