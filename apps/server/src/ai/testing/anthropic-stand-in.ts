import type { StandInReply } from "./stand-in-server";

/**
 * Answers in the wire format of Anthropic's Messages API (POST /v1/messages, non-streaming), for a stand-in
 * server: the model calls `tool` with `input`, as Claude does when tool_choice forces the tool.
 */
export function anthropicToolUse(tool: string, input: unknown, model = "claude-sonnet-5"): StandInReply {
  return {
    json: {
      id: "msg_01StandIn",
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "tool_use", id: "toolu_01StandIn", name: tool, input }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 1234, output_tokens: 321 },
    },
  };
}

/** An answer of the Messages API with text only (a model that did not call the tool). */
export function anthropicText(text: string, stopReason = "end_turn"): StandInReply {
  return {
    json: {
      id: "msg_02StandIn",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-5",
      content: [{ type: "text", text }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    },
  };
}

/** An error of the Messages API: 429 rate_limit_error, 529 overloaded_error, 401 authentication_error... */
export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): StandInReply {
  return {
    status,
    headers: { "request-id": "req_StandIn", ...headers },
    json: { type: "error", error: { type, message } },
  };
}
