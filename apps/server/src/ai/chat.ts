import { randomUUID } from "node:crypto";
import type { AIChatBody } from "@syntra/contracts";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { callProvider, redactorFor } from "./call";
import { loadChatData } from "./chat-context";
import { redactDeep } from "./redact";
import { recordAiUsage } from "./usage";

/**
 * Answers a chat question: loads the data it names (NOT_FOUND for what is not the organization's), redacts it with
 * the service's secrets, asks the provider within the organization's budget and the process's slots, hands each
 * piece of the answer to `onText` as it arrives, records the tokens as the `chat` feature. Returns the answer's id.
 */
export async function answerChat(
  deps: AppDeps,
  scope: ProjectScope,
  body: AIChatBody,
  onText: (piece: string) => void,
  signal?: AbortSignal,
): Promise<{ messageId: string }> {
  if (!deps.ai.enabled)
    throw new AppError("AI_DISABLED", "AI features are turned off on this installation (SYNTRA_AI=off)");
  const { data, serviceId } = await loadChatData(deps, scope, body.context);
  const redact = await redactorFor(deps, scope.orgId, serviceId);
  // The member's own question is redacted too: a pasted secret is no more welcome at the provider than a logged one.
  const question = redactDeep({ message: body.message, data }, redact);
  const provider = deps.ai.provider;
  const result = await callProvider(deps, scope.orgId, () => provider.chat(question, onText, signal));
  await recordAiUsage(deps.db, {
    orgId: scope.orgId,
    feature: "chat",
    provider: result.provider,
    model: result.model,
    usage: result.usage,
    at: deps.now(),
  });
  return { messageId: randomUUID() };
}
