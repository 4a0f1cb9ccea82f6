import type { SseEvent, StandInReply } from "./stand-in-server";

/** A whole (non-streamed) answer of the Messages API, as the stand-ins write it. */
export interface AnthropicMessage {
  id: string;
  model: string;
  content: ({ type: "tool_use"; id: string; name: string; input: unknown } | { type: "text"; text: string })[];
  stop_reason: string;
  usage: { input_tokens: number; output_tokens: number };
}

/**
 * A message as the Messages API streams it (server-sent events): message_start (with the input tokens and an
 * empty content), per block content_block_start, the deltas (text_delta; input_json_delta with the tool input's
 * JSON cut into pieces of `piece` characters), content_block_stop, a ping, then message_delta with the stop reason
 * and the output tokens, and message_stop.
 */
export function anthropicStreamEvents(message: AnthropicMessage, piece = 17): SseEvent[] {
  const events: SseEvent[] = [
    {
      event: "message_start",
      data: {
        type: "message_start",
        message: {
          ...message,
          type: "message",
          role: "assistant",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: message.usage.input_tokens, output_tokens: 1 },
        },
      },
    },
  ];
  message.content.forEach((block, index) => {
    const start = block.type === "tool_use" ? { ...block, input: {} } : { type: "text", text: "" };
    events.push({ event: "content_block_start", data: { type: "content_block_start", index, content_block: start } });
    if (index === 0) events.push({ event: "ping", data: { type: "ping" } });
    const whole = block.type === "tool_use" ? JSON.stringify(block.input) : block.text;
    for (let i = 0; i < whole.length; i += piece) {
      const part = whole.slice(i, i + piece);
      const delta =
        block.type === "tool_use"
          ? { type: "input_json_delta", partial_json: part }
          : { type: "text_delta", text: part };
      events.push({ event: "content_block_delta", data: { type: "content_block_delta", index, delta } });
    }
    events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } });
  });
  events.push(
    {
      event: "message_delta",
      data: {
        type: "message_delta",
        delta: { stop_reason: message.stop_reason, stop_sequence: null },
        usage: { output_tokens: message.usage.output_tokens },
      },
    },
    { event: "message_stop", data: { type: "message_stop" } },
  );
  return events;
}

/** An `error` event in the middle of a stream (the HTTP status was already 200), as the API sends when overloaded. */
export function anthropicStreamError(type: string, message: string): SseEvent {
  return { event: "error", data: { type: "error", error: { type, message } } };
}

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
