import type { AIBudget } from "@syntra/contracts";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { aiUsage, organizations } from "../db/schema";
import { AppError } from "../errors";
import type { AiConfig } from "./config";

/** An organization's token budget of one UTC day and what it has spent of it (from ai_usage). */
export async function budgetOf(db: Db, config: AiConfig, orgId: string, now: Date): Promise<AIBudget> {
  const day = now.toISOString().slice(0, 10);
  const [org] = await db
    .select({ budget: organizations.aiDailyTokenBudget })
    .from(organizations)
    .where(eq(organizations.id, orgId));
  const [used] = await db
    .select({ tokens: sql<string | number | null>`sum(${aiUsage.inputTokens} + ${aiUsage.outputTokens})` })
    .from(aiUsage)
    .where(and(eq(aiUsage.orgId, orgId), eq(aiUsage.day, day)));
  const dailyTokens = org?.budget ?? config.dailyTokens;
  const usedToday = Number(used?.tokens ?? 0);
  return {
    daily_tokens: dailyTokens,
    source: org?.budget == null ? "installation" : "organization",
    used_today: usedToday,
    remaining_today: Math.max(0, dailyTokens - usedToday),
    resets_at: new Date(Date.parse(day) + 86_400_000).toISOString(),
  };
}

/**
 * Refuses a provider request when the organization has spent its tokens of the day: AI_BUDGET_EXCEEDED, with the
 * numbers and when it resets. The check is made before the request, so requests running at once can each pass it
 * and overshoot the budget by at most their own size (bounded by SYNTRA_AI_CONCURRENCY × the request's tokens).
 */
export async function assertWithinBudget(db: Db, config: AiConfig, orgId: string, now: Date): Promise<void> {
  const b = await budgetOf(db, config, orgId, now);
  if (b.remaining_today > 0) return;
  const seconds = Math.max(1, Math.ceil((Date.parse(b.resets_at) - now.getTime()) / 1000));
  throw new AppError(
    "AI_BUDGET_EXCEEDED",
    `The organization has used ${b.used_today} of its ${b.daily_tokens} AI tokens today (UTC); the budget resets at ${b.resets_at}`,
    { daily_tokens: b.daily_tokens, used_today: b.used_today, resets_at: b.resets_at },
    { "retry-after": String(seconds) },
  );
}
