import type { StandInReply } from "./stand-in-server";

/**
 * Answers in the wire format of an OpenAI-compatible POST /v1/chat/completions (as Ollama, vLLM and llama.cpp
 * server speak it), for a stand-in server: the model calls the function `tool` with `args`.
 */
export function openAiToolCall(tool: string, args: unknown, model = "llama3.1:8b"): StandInReply {
  return {
    json: {
      id: "chatcmpl-standin",
      object: "chat.completion",
      created: 1_733_380_000,
      model,
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_1", type: "function", function: { name: tool, arguments: JSON.stringify(args) } }],
          },
        },
      ],
      usage: { prompt_tokens: 900, completion_tokens: 200, total_tokens: 1100 },
    },
  };
}

/** A chat completion whose answer is in the text (servers without function calling). */
export function openAiContent(content: string, model = "llama3.1:8b"): StandInReply {
  return {
    json: {
      id: "chatcmpl-standin2",
      object: "chat.completion",
      model,
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
      usage: { prompt_tokens: 50, completion_tokens: 40, total_tokens: 90 },
    },
  };
}
