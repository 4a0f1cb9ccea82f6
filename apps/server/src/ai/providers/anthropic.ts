import Anthropic from "@anthropic-ai/sdk";
import { AppError } from "../../errors";
import { providerHttpError, providerTimeout, providerUnreachable } from "./provider-errors";
import type { ChatModel, StructuredAnswer, StructuredRequest, TextAnswer, TextRequest } from "./types";

/** How to reach Anthropic's Messages API. */
export interface AnthropicOptions {
  apiKey: string;
  /** Without /v1: the SDK adds it (a gateway, or a local stand-in in tests). */
  baseUrl: string;
  model: string;
  /** The whole answer must arrive within this, streamed or not. */
  timeoutMs: number;
  /**
   * Ask for the answer as a stream of server-sent events (default true). Anthropic recommends it for long answers:
   * bytes flow while the model writes, so proxies with idle timeouts do not cut the request; off for a gateway
   * that does not pass SSE through.
   */
  stream?: boolean;
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
      const body: Anthropic.MessageCreateParamsNonStreaming = {
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
      };
      // The SDK's timeout covers the wait for the response headers only; this one covers the whole stream too.
      const deadline = AbortSignal.timeout(opts.timeoutMs);
      const options = { signal: signal ? AbortSignal.any([signal, deadline]) : deadline };
      let message: Anthropic.Message;
      try {
        message =
          opts.stream === false
            ? await client.messages.create(body, options)
            : // The SDK folds the events into the message: tool input from its input_json_delta pieces, usage
              // from message_start (input) and message_delta (output).
              await client.messages.stream(body, options).finalMessage();
      } catch (err) {
        throw anthropicError(err, opts.timeoutMs, deadline.aborted);
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
    async text(req: TextRequest, onText: (piece: string) => void, signal?: AbortSignal): Promise<TextAnswer> {
      const deadline = AbortSignal.timeout(opts.timeoutMs);
      const options = { signal: signal ? AbortSignal.any([signal, deadline]) : deadline };
      let message: Anthropic.Message;
      try {
        const stream = client.messages.stream(
          {
            model: opts.model,
            max_tokens: req.maxTokens,
            system: req.system,
            messages: [{ role: "user", content: req.user }],
          },
          options,
        );
        stream.on("text", (piece) => onText(piece));
        message = await stream.finalMessage();
      } catch (err) {
        throw anthropicError(err, opts.timeoutMs, deadline.aborted);
      }
      const text = message.content
        .filter((b): b is Anthropic.TextBlock => b.type === "text")
        .map((b) => b.text)
        .join("");
      return {
        text,
        usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
        model: message.model,
      };
    },
  };
}

/** The SDK's errors as AppErrors with the AI_* codes. */
function anthropicError(err: unknown, timeoutMs: number, timedOut: boolean): AppError {
  if (err instanceof Anthropic.APIConnectionTimeoutError || timedOut) return providerTimeout(PROVIDER, timeoutMs);
  if (err instanceof Anthropic.APIError) {
    const body = err.error as { error?: { message?: unknown; type?: unknown } } | undefined;
    const detail = typeof body?.error?.message === "string" ? body.error.message : undefined;
    if (typeof err.status === "number")
      return providerHttpError(PROVIDER, err.status, detail, headerOf(err.headers, "retry-after"));
    // An `error` event in the middle of a stream (the HTTP status was already 200): its type says what happened.
    const status = STREAM_ERROR_STATUS[String(body?.error?.type)];
    if (status) return providerHttpError(PROVIDER, status, detail);
    if (body?.error) return new AppError("AI_PROVIDER_ERROR", `${PROVIDER} failed while streaming: ${detail ?? "?"}`);
  }
  // The SDK's own complaints about what came back (a stream that ended before message_stop): an unusable answer.
  if (err instanceof Anthropic.AnthropicError && !(err instanceof Anthropic.APIError))
    return new AppError("AI_INVALID_ANSWER", `${PROVIDER}'s answer could not be read: ${err.message.slice(0, 200)}`);
  if (err instanceof Anthropic.APIUserAbortError) return new AppError("AI_TIMEOUT", `${PROVIDER} request was aborted`);
  if (err instanceof Anthropic.APIConnectionError) return providerUnreachable(PROVIDER, err.cause ?? err);
  return providerUnreachable(PROVIDER, err);
}

/** The HTTP status each error type of the Messages API comes with, for errors sent as a stream event. */
const STREAM_ERROR_STATUS: Record<string, number> = {
  overloaded_error: 529,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
};

// The SDK has handed headers as a Headers object and as a plain record in different versions.
function headerOf(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : null;
}
