import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { aiUsage } from "../db/schema";
import type { ProviderName, TokenUsage } from "./providers/types";

/** Adds one finished request's tokens to the organization's usage of the day (UTC). */
export async function recordAiUsage(
  db: Db,
  entry: { orgId: string; provider: ProviderName; model: string; usage: TokenUsage; at: Date },
): Promise<void> {
  const day = entry.at.toISOString().slice(0, 10);
  await db
    .insert(aiUsage)
    .values({
      orgId: entry.orgId,
      day,
      provider: entry.provider,
      model: entry.model.slice(0, 200),
      requests: 1,
      inputTokens: entry.usage.inputTokens,
      outputTokens: entry.usage.outputTokens,
    })
    .onConflictDoUpdate({
      target: [aiUsage.orgId, aiUsage.day, aiUsage.provider, aiUsage.model],
      set: {
        requests: sql`${aiUsage.requests} + 1`,
        inputTokens: sql`${aiUsage.inputTokens} + ${entry.usage.inputTokens}`,
        outputTokens: sql`${aiUsage.outputTokens} + ${entry.usage.outputTokens}`,
      },
    });
}
