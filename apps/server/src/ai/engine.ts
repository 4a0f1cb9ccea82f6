import type { AIAnalysis } from "@syntra/contracts";
import type { AiConfig } from "./config";
import { createAiProvider, providerSecrets } from "./providers/select";
import type { AiProvider } from "./providers/types";
import { createSlots, type Slots } from "./slots";

/** The AI engine of this process: whether it is on, the provider, and the analyses being made right now. */
export interface AiEngine {
  enabled: boolean;
  provider: AiProvider;
  /** The provider's own credentials, redacted from every prompt. */
  providerSecrets: { name: string; value: string }[];
  /** Analyses in progress by issue id: a second request for the same issue waits for the first one's answer. */
  inFlight: Map<string, Promise<AIAnalysis>>;
  /** Provider requests at once (SYNTRA_AI_CONCURRENCY); more wait for a slot. */
  slots: Slots;
  /** Builds verifying generated Dockerfiles, one at a time per process (a build takes a core for minutes). */
  verifySlots: Slots;
  config: AiConfig;
}

/** The engine the configuration describes; `fetchImpl` reaches OpenAI-compatible endpoints. */
export function createAiEngine(config: AiConfig, fetchImpl: typeof fetch = globalThis.fetch): AiEngine {
  return {
    enabled: config.enabled,
    provider: createAiProvider(config, fetchImpl),
    providerSecrets: providerSecrets(config),
    inFlight: new Map(),
    slots: createSlots(config.concurrency),
    verifySlots: createSlots(1),
    config,
  };
}
