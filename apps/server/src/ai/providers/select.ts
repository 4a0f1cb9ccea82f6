import type { AiConfig } from "../config";
import { anthropicModel } from "./anthropic";
import { chatProvider } from "./chat-provider";
import { offlineProvider } from "./offline";
import { openAiCompatibleModel } from "./openai-compatible";
import type { AiProvider } from "./types";

/** The provider the configuration names (SYNTRA_AI_PROVIDER, or the default from the keys set). */
export function createAiProvider(config: AiConfig, fetchImpl: typeof fetch = globalThis.fetch): AiProvider {
  const p = config.provider;
  switch (p.kind) {
    case "anthropic":
      return chatProvider(
        anthropicModel({
          apiKey: p.apiKey,
          baseUrl: p.baseUrl,
          model: p.model,
          timeoutMs: config.timeoutMs,
          stream: p.stream,
        }),
        config.maxOutputTokens,
      );
    case "openai":
      return chatProvider(
        openAiCompatibleModel({ ...p, timeoutMs: config.timeoutMs, fetch: fetchImpl }),
        config.maxOutputTokens,
      );
    case "offline":
      return offlineProvider();
    default: {
      const never: never = p;
      throw new Error(`unknown AI provider ${JSON.stringify(never)}`);
    }
  }
}

/** The values the providers' own credentials hold: redacted from prompts like any other secret. */
export function providerSecrets(config: AiConfig): { name: string; value: string }[] {
  const p = config.provider;
  if (p.kind === "anthropic") return [{ name: "ANTHROPIC_API_KEY", value: p.apiKey }];
  if (p.kind === "openai" && p.apiKey) return [{ name: "OPENAI_API_KEY", value: p.apiKey }];
  return [];
}
