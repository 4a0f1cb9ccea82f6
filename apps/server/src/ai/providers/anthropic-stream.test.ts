// Claude's answers as a stream of server-sent events (the Messages API's streaming), against a local stand-in
// named as such that speaks it: message_start, content_block_start/delta (input_json_delta)/stop, message_delta
// with the usage, message_stop; errors before the stream (HTTP 429/529) and inside it (an `error` event); a stream
// that stalls. The official SDK is pointed at the stand-in by baseURL, retries off.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { AppError } from "../../errors";
import { ANALYSIS_TOOL } from "../prompt";
import { MODEL_ANSWER, sampleContext } from "../testing/analysis-fixtures";
import {
  type AnthropicMessage,
  anthropicError,
  anthropicStreamError,
  anthropicStreamEvents,
  anthropicToolUse,
} from "../testing/anthropic-stand-in";
import { type StandInServer, startStandInServer } from "../testing/stand-in-server";
import { anthropicModel } from "./anthropic";
import { chatProvider } from "./chat-provider";

const KEY = "sk-ant-test-stream0123456789";
let anthropic: StandInServer;

before(async () => {
  anthropic = await startStandInServer(() => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER));
});
after(() => anthropic.close());
beforeEach(() => {
  anthropic.requests.length = 0;
});

const claude = (opts: { timeoutMs?: number; stream?: boolean } = {}) =>
  chatProvider(
    anthropicModel({
      apiKey: KEY,
      baseUrl: anthropic.url,
      model: "claude-sonnet-5",
      timeoutMs: opts.timeoutMs ?? 10_000,
      ...(opts.stream !== undefined && { stream: opts.stream }),
    }),
    2048,
  );

const toolMessage = (input: unknown, usage = { input_tokens: 4321, output_tokens: 567 }): AnthropicMessage => ({
  id: "msg_01Stream",
  model: "claude-sonnet-5-20261001",
  content: [{ type: "tool_use", id: "toolu_01Stream", name: ANALYSIS_TOOL, input }],
  stop_reason: "tool_use",
  usage,
});

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
  return err;
}

test("streamed by default: the tool input is put together from its input_json_delta pieces, usage from the events", async () => {
  const events = anthropicStreamEvents(toolMessage(MODEL_ANSWER), 7);
  assert.ok(events.filter((e) => e.event === "content_block_delta").length > 20, "the input comes in many pieces");
  anthropic.reply = () => ({ sse: events });
  const result = await claude().analyzeError(sampleContext());
  assert.deepEqual(result.answer, MODEL_ANSWER);
  assert.equal(result.model, "claude-sonnet-5-20261001", "the model message_start names");
  assert.deepEqual(
    result.usage,
    { inputTokens: 4321, outputTokens: 567 },
    "input tokens from message_start, output tokens from message_delta",
  );
  assert.equal(anthropic.requests.length, 1);
  const [req] = anthropic.requests;
  assert.equal(req?.body.stream, true, "the request asks for a stream");
  assert.deepEqual(req?.body.tool_choice, { type: "tool", name: ANALYSIS_TOOL });
});

test("ANTHROPIC_STREAM=off: the same answer from a whole message, no stream asked", async () => {
  anthropic.reply = () => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  const result = await claude({ stream: false }).analyzeError(sampleContext());
  assert.deepEqual(result.answer, MODEL_ANSWER);
  assert.deepEqual(result.usage, { inputTokens: 1234, outputTokens: 321 });
  assert.equal(anthropic.requests[0]?.body.stream, undefined);
});

test("streamed: 429 and 529 before the stream are AI_RATE_LIMITED (Retry-After kept) and AI_OVERLOADED, not retried", async () => {
  anthropic.reply = () => anthropicError(429, "rate_limit_error", "Too many output tokens", { "retry-after": "23" });
  const limited = await failure(claude().analyzeError(sampleContext()));
  assert.equal(limited.code, "AI_RATE_LIMITED");
  assert.equal(limited.headers?.["retry-after"], "23");
  anthropic.reply = () => anthropicError(529, "overloaded_error", "Overloaded");
  assert.equal((await failure(claude().analyzeError(sampleContext()))).code, "AI_OVERLOADED");
  assert.equal(anthropic.requests.length, 2, "one request each");
  assert.ok(anthropic.requests.every((r) => r.body.stream === true));
});

test("streamed: an error event inside the stream is AI_OVERLOADED / AI_RATE_LIMITED / AI_PROVIDER_ERROR by its type", async () => {
  const started = anthropicStreamEvents(toolMessage(MODEL_ANSWER)).slice(0, 4);
  anthropic.reply = () => ({ sse: [...started, anthropicStreamError("overloaded_error", "Overloaded")] });
  const overloaded = await failure(claude().analyzeError(sampleContext()));
  assert.equal(overloaded.code, "AI_OVERLOADED");
  assert.match(overloaded.message, /Overloaded/);
  anthropic.reply = () => ({ sse: [...started, anthropicStreamError("rate_limit_error", "slow down")] });
  assert.equal((await failure(claude().analyzeError(sampleContext()))).code, "AI_RATE_LIMITED");
  anthropic.reply = () => ({ sse: [...started, anthropicStreamError("invalid_request_error", "bad")] });
  const other = await failure(claude().analyzeError(sampleContext()));
  assert.equal(other.code, "AI_PROVIDER_ERROR");
  assert.ok(!other.message.includes(KEY));
});

test("streamed: a stream that stalls after message_start is AI_TIMEOUT within the configured time", async () => {
  const started = anthropicStreamEvents(toolMessage(MODEL_ANSWER)).slice(0, 3);
  anthropic.reply = () => ({ sse: started, hang: true });
  const err = await failure(claude({ timeoutMs: 400 }).analyzeError(sampleContext()));
  assert.equal(err.code, "AI_TIMEOUT");
  // No answer at all (not even headers) is the same.
  anthropic.reply = () => ({ hang: true });
  assert.equal((await failure(claude({ timeoutMs: 400 }).analyzeError(sampleContext()))).code, "AI_TIMEOUT");
});

test("streamed: a stream cut before message_stop, a cut-off answer or a tool input off the schema is refused", async () => {
  const events = anthropicStreamEvents(toolMessage(MODEL_ANSWER));
  anthropic.reply = () => ({ sse: events.slice(0, events.length - 4) });
  const cut = await failure(claude().analyzeError(sampleContext()));
  assert.equal(cut.code, "AI_INVALID_ANSWER");
  assert.match(cut.message, /stream ended/);
  anthropic.reply = () => ({ sse: anthropicStreamEvents({ ...toolMessage(MODEL_ANSWER), stop_reason: "max_tokens" }) });
  assert.equal((await failure(claude().analyzeError(sampleContext()))).code, "AI_INVALID_ANSWER");
  anthropic.reply = () => ({ sse: anthropicStreamEvents(toolMessage({ ...MODEL_ANSWER, severity: "high" })) });
  const off = await failure(claude().analyzeError(sampleContext()));
  assert.equal(off.code, "AI_INVALID_ANSWER");
  assert.match(off.message, /severity/);
});
