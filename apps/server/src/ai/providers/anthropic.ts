import Anthropic from "@anthropic-ai/sdk";
import { AppError } from "../../errors";
import { providerHttpError, providerTimeout, providerUnreachable } from "./provider-errors";
import type { ChatModel, StructuredAnswer, StructuredRequest } from "./types";

/** How to reach Anthropic's Messages API. */
export interface AnthropicOptions {
  apiKey: string;
  /** Without /v1: the SDK adds it (a gateway, or a local stand-in in tests). */
  baseUrl: string;
  model: string;
  timeoutMs: number;
}

const PROVIDER = "Anthropic";

/**
 * Claude through the official SDK, asked for a structured answer by forcing one tool. Retries are off: a
 * rate-limited or overloaded API answers the caller at once with AI_RATE_LIMITED/AI_OVERLOADED instead of holding
 * the request through the SDK's backoff (the background job retries later).
 */
export function anthropicModel(opts: AnthropicOptions): ChatModel {
  const client = new Anthropic({
    apiKey: opts.apiKey,
    baseURL: opts.baseUrl,
    maxRetries: 0,
    timeout: opts.timeoutMs,
  });
  return {
    provider: "anthropic",
    model: opts.model,
    async structured(req: StructuredRequest, signal?: AbortSignal): Promise<StructuredAnswer> {
      let message: Anthropic.Message;
      try {
        message = await client.messages.create(
          {
            model: opts.model,
            max_tokens: req.maxTokens,
            system: req.system,
            messages: [{ role: "user", content: req.user }],
            tools: [
              {
                name: req.tool.name,
                description: req.tool.description,
                input_schema: req.tool.inputSchema as Anthropic.Tool.InputSchema,
              },
            ],
            tool_choice: { type: "tool", name: req.tool.name },
          },
          signal ? { signal } : undefined,
        );
      } catch (err) {
        throw anthropicError(err, opts.timeoutMs);
      }
      if (message.stop_reason === "max_tokens") {
        throw new AppError("AI_INVALID_ANSWER", "The model's answer was cut off at SYNTRA_AI_MAX_OUTPUT_TOKENS");
      }
      const use = message.content.find(
        (block): block is Anthropic.ToolUseBlock => block.type === "tool_use" && block.name === req.tool.name,
      );
      if (!use) throw new AppError("AI_INVALID_ANSWER", `The model answered without calling ${req.tool.name}`);
      return {
        input: use.input,
        usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
        model: message.model,
      };
    },
  };
}

/** The SDK's errors as AppErrors with the AI_* codes. */
function anthropicError(err: unknown, timeoutMs: number): AppError {
  if (err instanceof Anthropic.APIConnectionTimeoutError) return providerTimeout(PROVIDER, timeoutMs);
  if (err instanceof Anthropic.APIError && typeof err.status === "number") {
    const body = err.error as { error?: { message?: unknown } } | undefined;
    const detail = typeof body?.error?.message === "string" ? body.error.message : undefined;
    return providerHttpError(PROVIDER, err.status, detail, headerOf(err.headers, "retry-after"));
  }
  if (err instanceof Anthropic.APIUserAbortError) return new AppError("AI_TIMEOUT", `${PROVIDER} request was aborted`);
  if (err instanceof Anthropic.APIConnectionError) return providerUnreachable(PROVIDER, err.cause ?? err);
  return providerUnreachable(PROVIDER, err);
}

// The SDK has handed headers as a Headers object and as a plain record in different versions.
function headerOf(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : null;
}
