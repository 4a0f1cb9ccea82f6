import { AppError } from "../../errors";
import { providerHttpError, providerTimeout, providerUnreachable } from "./provider-errors";
import type { ChatModel, StructuredAnswer, StructuredRequest, TextAnswer, TextRequest } from "./types";

/** Where an OpenAI-compatible chat completions API is (Ollama, vLLM, llama.cpp server, OpenAI itself). */
export interface OpenAiCompatibleOptions {
  /** Base URL with its version path, e.g. http://localhost:11434/v1. */
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface ChatCompletion {
  model?: string;
  choices?: {
    finish_reason?: string;
    message?: { content?: string | null; tool_calls?: { function?: { name?: string; arguments?: string } }[] };
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  error?: { message?: string };
}

/**
 * A model behind an OpenAI-compatible `/chat/completions`, asked for a structured answer by function calling.
 * Plain fetch rather than the openai package: the few fields used here are what every compatible server
 * implements, and the package's retries and Azure options are unwanted.
 */
export function openAiCompatibleModel(opts: OpenAiCompatibleOptions): ChatModel {
  const doFetch = opts.fetch ?? globalThis.fetch;
  /** POSTs one chat completion; the answer's JSON, or an AppError with the AI_* code of the failure. */
  async function complete(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<ChatCompletion> {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${opts.baseUrl}/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(opts.apiKey && { authorization: `Bearer ${opts.apiKey}` }),
        },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      text = await res.text();
    } catch (err) {
      if (timeout.aborted) throw providerTimeout("The OpenAI-compatible endpoint", opts.timeoutMs);
      throw providerUnreachable("The OpenAI-compatible endpoint", err);
    }
    let json: ChatCompletion | undefined;
    try {
      json = JSON.parse(text) as ChatCompletion;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      throw providerHttpError(
        "The OpenAI-compatible endpoint",
        res.status,
        json?.error?.message,
        res.headers.get("retry-after"),
      );
    }
    if (!json?.choices?.[0]?.message) {
      throw new AppError("AI_INVALID_ANSWER", "The OpenAI-compatible endpoint answered without a message");
    }
    return json;
  }
  return {
    provider: "openai",
    model: opts.model,
    async structured(req: StructuredRequest, signal?: AbortSignal): Promise<StructuredAnswer> {
      const body = {
        model: opts.model,
        max_tokens: req.maxTokens,
        messages: [
          { role: "system", content: req.system },
          { role: "user", content: req.user },
        ],
        tools: [
          {
            type: "function",
            function: { name: req.tool.name, description: req.tool.description, parameters: req.tool.inputSchema },
          },
        ],
        tool_choice: { type: "function", function: { name: req.tool.name } },
      };
      const json = await complete(body, signal);
      const choice = json.choices?.[0];
      if (!choice?.message) throw new AppError("AI_INVALID_ANSWER", "The answer has no message");
      if (choice.finish_reason === "length") {
        throw new AppError("AI_INVALID_ANSWER", "The model's answer was cut off at SYNTRA_AI_MAX_OUTPUT_TOKENS");
      }
      const call = choice.message.tool_calls?.find((c) => c.function?.name === req.tool.name);
      // Servers without function calling (older llama.cpp) answer in the content; the prompt asks for JSON there too.
      const raw = call?.function?.arguments ?? choice.message.content ?? "";
      return {
        input: parseJsonAnswer(raw),
        usage: { inputTokens: json.usage?.prompt_tokens ?? 0, outputTokens: json.usage?.completion_tokens ?? 0 },
        model: json.model ?? opts.model,
      };
    },
    // Not streamed: not every compatible server streams the same way; the whole answer is one piece.
    async text(req: TextRequest, onText: (piece: string) => void, signal?: AbortSignal): Promise<TextAnswer> {
      const json = await complete(
        {
          model: opts.model,
          max_tokens: req.maxTokens,
          messages: [
            { role: "system", content: req.system },
            { role: "user", content: req.user },
          ],
        },
        signal,
      );
      const text = json.choices?.[0]?.message?.content ?? "";
      if (text) onText(text);
      return {
        text,
        usage: { inputTokens: json.usage?.prompt_tokens ?? 0, outputTokens: json.usage?.completion_tokens ?? 0 },
        model: json.model ?? opts.model,
      };
    },
  };
}

/** The JSON object in a model's text: the whole text, or the fenced block in it; AI_INVALID_ANSWER otherwise. */
function parseJsonAnswer(raw: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(raw);
  const candidate = (fenced?.[1] ?? raw).trim();
  try {
    return JSON.parse(candidate);
  } catch {
    throw new AppError("AI_INVALID_ANSWER", "The model's answer is not JSON");
  }
}
