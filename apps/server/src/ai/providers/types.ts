import type { AIAnalysisAnswer, AIDockerfileAnswer, AIIncidentSummaryAnswer } from "@syntra/contracts";
import type { AnalysisContext } from "../analysis-context";
import type { ChatQuestion } from "../chat-context";
import type { DockerfileContext } from "../dockerfile/prompt";
import type { IncidentContext } from "../incident-context";

/** Which provider answered: a model behind Anthropic's API, one behind an OpenAI-compatible API, or none. */
export type ProviderName = "anthropic" | "openai" | "offline";

/** Tokens a provider counted for one request (0 for the offline analyzer). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * A request for one structured answer from a chat model: the instructions (`system`, ours alone), the data
 * (`user`, redacted and fenced before it gets here) and the JSON Schema of the answer, asked for as the input of
 * the one tool the model must call (Anthropic's tool use, OpenAI's function calling): models keep to a tool's
 * schema far better than to "answer in JSON".
 */
export interface StructuredRequest {
  system: string;
  user: string;
  tool: { name: string; description: string; inputSchema: Record<string, unknown> };
  maxTokens: number;
}

/** A model's structured answer: the tool input it sent (not yet validated), with its usage. */
export interface StructuredAnswer {
  input: unknown;
  usage: TokenUsage;
  /** The model that answered, as the provider names it. */
  model: string;
}

/** A request for a free-text answer, streamed: the instructions and the user's turn (data redacted and fenced). */
export interface TextRequest {
  system: string;
  user: string;
  maxTokens: number;
}

/** A model's whole text answer, with its usage. */
export interface TextAnswer {
  text: string;
  usage: TokenUsage;
  model: string;
}

/**
 * A chat model behind an API (Anthropic's Messages API, an OpenAI-compatible chat completions API). Failures are
 * AppErrors with the AI_* codes: AI_RATE_LIMITED, AI_OVERLOADED, AI_TIMEOUT, AI_PROVIDER_ERROR, AI_INVALID_ANSWER.
 */
export interface ChatModel {
  readonly provider: Exclude<ProviderName, "offline">;
  readonly model: string;
  structured(request: StructuredRequest, signal?: AbortSignal): Promise<StructuredAnswer>;
  /** A text answer, each piece handed to `onText` as it arrives (in one piece where the API cannot stream). */
  text(request: TextRequest, onText: (piece: string) => void, signal?: AbortSignal): Promise<TextAnswer>;
}

/** An answer as a provider wrote it, before it is stored: an error analysis, an incident summary. */
export interface ProviderAnswer<A> {
  answer: A;
  provider: ProviderName;
  model: string;
  usage: TokenUsage;
}

/** An error analysis as a provider wrote it, before it is stored. */
export type ProviderAnalysis = ProviderAnswer<AIAnalysisAnswer>;

/**
 * The one interface the AI features use. Implementations side by side: `chatProvider` (a ChatModel with the
 * prompts: Anthropic, OpenAI-compatible) and `offlineProvider` (rules over the data, no model). Every input is
 * redacted before it reaches a provider.
 */
export interface AiProvider {
  readonly name: ProviderName;
  readonly model: string;
  /** True for the offline analyzer: its answers say so. */
  readonly offline: boolean;
  analyzeError(context: AnalysisContext, signal?: AbortSignal): Promise<ProviderAnalysis>;
  summarizeIncident(context: IncidentContext, signal?: AbortSignal): Promise<ProviderAnswer<AIIncidentSummaryAnswer>>;
  /** An answer to a question about the data in `context` (redacted), streamed piece by piece to `onText`. */
  chat(question: ChatQuestion, onText: (piece: string) => void, signal?: AbortSignal): Promise<ProviderAnswer<string>>;
  /** A production Dockerfile for a repository (not yet verified: the caller builds it). */
  generateDockerfile(context: DockerfileContext, signal?: AbortSignal): Promise<ProviderAnswer<AIDockerfileAnswer>>;
}
