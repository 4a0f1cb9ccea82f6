import { z } from "zod";

/** The default Claude model when SYNTRA_AI_MODEL is unset. */
export const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-5";

/** The AI engine's environment variables; `config.ts` parses them with the rest of the environment. */
export const aiEnvSchema = z.object({
  /** `off` turns every AI feature off at once (answers AI_DISABLED); `on` (default) lets SYNTRA_AI_PROVIDER pick. */
  SYNTRA_AI: z.enum(["on", "off", "true", "false", "1", "0"]).default("on"),
  /** anthropic, openai (any OpenAI-compatible endpoint) or offline; default: anthropic with ANTHROPIC_API_KEY, else openai with OPENAI_BASE_URL, else offline. */
  SYNTRA_AI_PROVIDER: z.enum(["anthropic", "openai", "offline"]).optional(),
  /** The model to ask; default claude-sonnet-5 for anthropic; required for openai (e.g. llama3.1 on Ollama). */
  SYNTRA_AI_MODEL: z.string().trim().min(1).max(200).optional(),
  /** Seconds a provider may take to answer one request before it fails with AI_TIMEOUT. */
  SYNTRA_AI_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(60),
  /** Largest answer asked of a model, in tokens. */
  SYNTRA_AI_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(256).max(32_000).default(2048),
  /** Tokens (input + output) an organization may spend per UTC day unless its own budget says otherwise. */
  SYNTRA_AI_DAILY_TOKENS: z.coerce.number().int().min(0).default(1_000_000),
  /** Provider requests this process makes at once; more wait their turn (first come, first served). */
  SYNTRA_AI_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** New issues an organization gets analyzed in the background per hour; 0 turns background analysis off. */
  SYNTRA_AI_AUTO_ANALYZE_PER_HOUR: z.coerce.number().int().min(0).max(10_000).default(20),
  /** Seconds the build that verifies a generated Dockerfile may take (each attempt); past it the answer is unverified. */
  SYNTRA_AI_DOCKERFILE_BUILD_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** Anthropic API key; setting it makes Anthropic the default provider. */
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  /** Anthropic API base URL, without /v1 (a gateway or proxy). */
  ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.anthropic.com"),
  /** Ask Claude for its answers as server-sent events (default on); off for a gateway that does not pass SSE through. */
  ANTHROPIC_STREAM: z.enum(["on", "off", "true", "false", "1", "0"]).default("on"),
  /** Base URL of an OpenAI-compatible API, with its /v1 (Ollama: http://localhost:11434/v1). */
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Key for the OpenAI-compatible API, if it wants one (Ollama and llama.cpp do not). */
  OPENAI_API_KEY: z.string().min(1).optional(),
});

/** Which provider answers, with what it needs. */
export type AiProviderConfig =
  | { kind: "anthropic"; apiKey: string; baseUrl: string; model: string; stream: boolean }
  | { kind: "openai"; baseUrl: string; apiKey: string | undefined; model: string }
  | { kind: "offline" };

/** The AI engine's settings. */
export interface AiConfig {
  /** False with SYNTRA_AI=off: every AI feature answers AI_DISABLED and nothing runs in the background. */
  enabled: boolean;
  provider: AiProviderConfig;
  timeoutMs: number;
  maxOutputTokens: number;
  /** Default tokens per organization and UTC day (an organization's ai_daily_token_budget overrides it). */
  dailyTokens: number;
  /** Provider requests at once in this process. */
  concurrency: number;
  /** Background analyses per organization and hour; 0: none. */
  autoAnalyzePerHour: number;
  /** How long the verification build of a generated Dockerfile may take. */
  dockerfileBuildMs: number;
}

/** The AI settings from parsed variables; returns a message naming the problem instead when they conflict. */
export function aiConfigFrom(e: z.infer<typeof aiEnvSchema>): AiConfig | string {
  const kind = e.SYNTRA_AI_PROVIDER ?? (e.ANTHROPIC_API_KEY ? "anthropic" : e.OPENAI_BASE_URL ? "openai" : "offline");
  let provider: AiProviderConfig;
  if (kind === "anthropic") {
    if (!e.ANTHROPIC_API_KEY) return "SYNTRA_AI_PROVIDER=anthropic needs ANTHROPIC_API_KEY";
    provider = {
      kind,
      apiKey: e.ANTHROPIC_API_KEY,
      baseUrl: e.ANTHROPIC_BASE_URL.replace(/\/+$/, ""),
      model: e.SYNTRA_AI_MODEL ?? DEFAULT_ANTHROPIC_MODEL,
      stream: !["off", "false", "0"].includes(e.ANTHROPIC_STREAM),
    };
  } else if (kind === "openai") {
    if (!e.OPENAI_BASE_URL) return "SYNTRA_AI_PROVIDER=openai needs OPENAI_BASE_URL";
    if (!e.SYNTRA_AI_MODEL)
      return "SYNTRA_AI_PROVIDER=openai needs SYNTRA_AI_MODEL (the model name the endpoint serves)";
    provider = {
      kind,
      baseUrl: e.OPENAI_BASE_URL.replace(/\/+$/, ""),
      apiKey: e.OPENAI_API_KEY,
      model: e.SYNTRA_AI_MODEL,
    };
  } else {
    provider = { kind: "offline" };
  }
  return {
    enabled: !["off", "false", "0"].includes(e.SYNTRA_AI),
    provider,
    timeoutMs: Math.round(e.SYNTRA_AI_TIMEOUT_SECONDS * 1000),
    maxOutputTokens: e.SYNTRA_AI_MAX_OUTPUT_TOKENS,
    dailyTokens: e.SYNTRA_AI_DAILY_TOKENS,
    concurrency: e.SYNTRA_AI_CONCURRENCY,
    autoAnalyzePerHour: e.SYNTRA_AI_AUTO_ANALYZE_PER_HOUR,
    dockerfileBuildMs: e.SYNTRA_AI_DOCKERFILE_BUILD_SECONDS * 1000,
  };
}
