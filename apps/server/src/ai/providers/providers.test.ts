// Providers against local stand-ins named as such: one speaking Anthropic's Messages API (the official SDK is
// pointed at it by baseURL, retries off) and one speaking an OpenAI-compatible chat completions API.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { AppError } from "../../errors";
import { ANALYSIS_TOOL } from "../prompt";
import { MODEL_ANSWER, sampleContext } from "../testing/analysis-fixtures";
import { anthropicError, anthropicText, anthropicToolUse } from "../testing/anthropic-stand-in";
import { openAiContent, openAiToolCall } from "../testing/openai-stand-in";
import { type StandInServer, startStandInServer } from "../testing/stand-in-server";
import { anthropicModel } from "./anthropic";
import { chatProvider } from "./chat-provider";
import { openAiCompatibleModel } from "./openai-compatible";

let anthropic: StandInServer;
let openai: StandInServer;
const KEY = "sk-ant-test-0123456789abcdef";

before(async () => {
  anthropic = await startStandInServer(() => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER));
  openai = await startStandInServer(() => openAiToolCall(ANALYSIS_TOOL, MODEL_ANSWER));
});
after(async () => {
  await anthropic.close();
  await openai.close();
});
beforeEach(() => {
  anthropic.requests.length = 0;
  openai.requests.length = 0;
});

const claude = (timeoutMs = 10_000) =>
  chatProvider(anthropicModel({ apiKey: KEY, baseUrl: anthropic.url, model: "claude-sonnet-5", timeoutMs }), 2048);
const local = (timeoutMs = 10_000, apiKey: string | null = "local-key-123456") =>
  chatProvider(
    openAiCompatibleModel({
      baseUrl: `${openai.url}/v1`,
      apiKey: apiKey ?? undefined,
      model: "llama3.1:8b",
      timeoutMs,
    }),
    2048,
  );

/** The AppError code a promise rejects with. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    return err.code;
  }
  assert.fail("expected a rejection");
}

test("Anthropic: the SDK posts /v1/messages with the key, the model, the forced tool; the tool input is the answer", async () => {
  anthropic.reply = () => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  const result = await claude().analyzeError(sampleContext());
  assert.deepEqual(result.answer, MODEL_ANSWER);
  assert.equal(result.provider, "anthropic");
  assert.equal(result.model, "claude-sonnet-5");
  assert.deepEqual(result.usage, { inputTokens: 1234, outputTokens: 321 });

  assert.equal(anthropic.requests.length, 1, "one request: retries are off");
  const [req] = anthropic.requests;
  assert.equal(req?.method, "POST");
  assert.equal(req?.path, "/v1/messages");
  // This SDK version sends the key as a bearer token; older ones as x-api-key (both are accepted by the API).
  assert.ok(req?.headers["x-api-key"] === KEY || req?.headers.authorization === `Bearer ${KEY}`);
  assert.equal(req?.body.model, "claude-sonnet-5");
  assert.equal(req?.body.max_tokens, 2048);
  assert.deepEqual(req?.body.tool_choice, { type: "tool", name: ANALYSIS_TOOL });
  assert.equal(req?.body.tools[0].name, ANALYSIS_TOOL);
  assert.deepEqual(req?.body.tools[0].input_schema.required.sort(), Object.keys(MODEL_ANSWER).sort());
  assert.equal(typeof req?.body.system, "string");
  assert.equal(req?.body.messages.length, 1);
  assert.equal(req?.body.messages[0].role, "user");
  assert.match(req?.body.messages[0].content, /getOrder/);
});

test("Anthropic: 429 is AI_RATE_LIMITED with the Retry-After passed on; 529 is AI_OVERLOADED; 401 AI_PROVIDER_ERROR", async () => {
  anthropic.reply = () =>
    anthropicError(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", {
      "retry-after": "17",
    });
  const limited = await claude()
    .analyzeError(sampleContext())
    .catch((e: unknown) => e);
  assert.ok(limited instanceof AppError);
  assert.equal(limited.code, "AI_RATE_LIMITED");
  assert.equal(limited.headers?.["retry-after"], "17");
  assert.match(limited.message, /per-minute rate limit/);
  assert.equal(anthropic.requests.length, 1, "no retry of a 429");

  anthropic.reply = () => anthropicError(529, "overloaded_error", "Overloaded");
  assert.equal(await codeOf(claude().analyzeError(sampleContext())), "AI_OVERLOADED");
  assert.equal(anthropic.requests.length, 2, "no retry of a 529");

  anthropic.reply = () => anthropicError(401, "authentication_error", "invalid x-api-key");
  const refused = await claude()
    .analyzeError(sampleContext())
    .catch((e: unknown) => e);
  assert.ok(refused instanceof AppError);
  assert.equal(refused.code, "AI_PROVIDER_ERROR");
  assert.ok(!refused.message.includes(KEY), "the key is never in the message");
});

test("Anthropic: no answer within the timeout is AI_TIMEOUT", async () => {
  anthropic.reply = () => ({ hang: true });
  assert.equal(await codeOf(claude(300).analyzeError(sampleContext())), "AI_TIMEOUT");
  assert.equal(anthropic.requests.length, 1);
});

test("Anthropic: no tool call, a cut-off answer or an answer off the schema is AI_INVALID_ANSWER", async () => {
  anthropic.reply = () => anthropicText("I think it's the database.");
  assert.equal(await codeOf(claude().analyzeError(sampleContext())), "AI_INVALID_ANSWER");
  anthropic.reply = () => anthropicText("", "max_tokens");
  assert.equal(await codeOf(claude().analyzeError(sampleContext())), "AI_INVALID_ANSWER");
  anthropic.reply = () => anthropicToolUse(ANALYSIS_TOOL, { ...MODEL_ANSWER, severity: "high" });
  const err = await claude()
    .analyzeError(sampleContext())
    .catch((e: unknown) => e);
  assert.ok(err instanceof AppError);
  assert.equal(err.code, "AI_INVALID_ANSWER");
  assert.match(err.message, /severity/);
  anthropic.reply = () => anthropicToolUse(ANALYSIS_TOOL, { ...MODEL_ANSWER, confidence: 7 });
  assert.equal(await codeOf(claude().analyzeError(sampleContext())), "AI_INVALID_ANSWER");
});

test("Anthropic: an unreachable endpoint is AI_PROVIDER_ERROR", async () => {
  const gone = await startStandInServer(() => ({ json: {} }));
  const url = gone.url;
  await gone.close();
  const provider = chatProvider(anthropicModel({ apiKey: KEY, baseUrl: url, model: "m", timeoutMs: 5000 }), 1024);
  assert.equal(await codeOf(provider.analyzeError(sampleContext())), "AI_PROVIDER_ERROR");
});

test("OpenAI-compatible: POST {base}/chat/completions with a forced function; its arguments are the answer", async () => {
  openai.reply = () => openAiToolCall(ANALYSIS_TOOL, MODEL_ANSWER);
  const result = await local().analyzeError(sampleContext());
  assert.deepEqual(result.answer, MODEL_ANSWER);
  assert.equal(result.provider, "openai");
  assert.equal(result.model, "llama3.1:8b");
  assert.deepEqual(result.usage, { inputTokens: 900, outputTokens: 200 });
  const [req] = openai.requests;
  assert.equal(req?.path, "/v1/chat/completions");
  assert.equal(req?.headers.authorization, "Bearer local-key-123456");
  assert.equal(req?.body.model, "llama3.1:8b");
  assert.deepEqual(
    req?.body.messages.map((m: { role: string }) => m.role),
    ["system", "user"],
  );
  assert.deepEqual(req?.body.tool_choice, { type: "function", function: { name: ANALYSIS_TOOL } });
  assert.equal(req?.body.tools[0].function.name, ANALYSIS_TOOL);
});

test("OpenAI-compatible: no key sends no Authorization (Ollama); JSON in the text is read when tools are not supported", async () => {
  openai.reply = () => openAiContent(`Here it is:\n\`\`\`json\n${JSON.stringify(MODEL_ANSWER)}\n\`\`\``);
  const result = await local(10_000, null).analyzeError(sampleContext());
  assert.deepEqual(result.answer, MODEL_ANSWER);
  assert.equal(openai.requests[0]?.headers.authorization, undefined);
  openai.reply = () => openAiContent("the database is down");
  assert.equal(await codeOf(local().analyzeError(sampleContext())), "AI_INVALID_ANSWER");
});

test("OpenAI-compatible: 429, 503, 500 and the timeout get the same codes as Anthropic's", async () => {
  openai.reply = () => ({ status: 429, headers: { "retry-after": "3" }, json: { error: { message: "slow down" } } });
  assert.equal(await codeOf(local().analyzeError(sampleContext())), "AI_RATE_LIMITED");
  openai.reply = () => ({ status: 503, json: { error: { message: "model loading" } } });
  assert.equal(await codeOf(local().analyzeError(sampleContext())), "AI_OVERLOADED");
  openai.reply = () => ({ status: 500, json: { error: { message: "boom" } } });
  assert.equal(await codeOf(local().analyzeError(sampleContext())), "AI_PROVIDER_ERROR");
  openai.reply = () => ({ hang: true });
  assert.equal(await codeOf(local(300).analyzeError(sampleContext())), "AI_TIMEOUT");
});

test("chat: Claude's text deltas reach onText in order; an OpenAI-compatible endpoint answers in one piece, no tools", async () => {
  anthropic.reply = () => anthropicText("The pool is exhausted since deployment 42.");
  const pieces: string[] = [];
  const streamed = await claude().chat({ message: "why?", data: {} }, (p) => pieces.push(p));
  assert.ok(pieces.length > 1);
  assert.equal(pieces.join(""), "The pool is exhausted since deployment 42.");
  assert.equal(streamed.answer, "The pool is exhausted since deployment 42.");
  assert.deepEqual(streamed.usage, { inputTokens: 10, outputTokens: 5 });
  assert.equal(anthropic.requests[0]?.body.tools, undefined);

  openai.reply = () => openAiContent("Raise the pool size.");
  const whole: string[] = [];
  const local_ = await local().chat({ message: "fix?", data: {} }, (p) => whole.push(p));
  assert.deepEqual(whole, ["Raise the pool size."]);
  assert.equal(local_.answer, "Raise the pool size.");
  const req = openai.requests.at(-1)?.body;
  assert.equal(req.tools, undefined);
  assert.match(req.messages[1].content, /^Question: fix\?/);
});
