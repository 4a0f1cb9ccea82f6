// POST /api/v1/ai/chat through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL), with Claude
// replaced by a local stand-in speaking Anthropic's Messages API streaming (text_delta events): the answer streams
// as Server-Sent Events, the prompt holds the named data but no secret, failures before and after the first token.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { createAiEngine } from "./engine";
import {
  anthropicError,
  anthropicStreamError,
  anthropicStreamEvents,
  anthropicText,
} from "./testing/anthropic-stand-in";
import { appWithClaude } from "./testing/claude-app";
import { seedIssue } from "./testing/issues";
import type { StandInServer } from "./testing/stand-in-server";

const API_KEY = "sk-ant-api03-chatKEY0123456789";
const DB_PASSWORD = "pg-pass-Chat4Rt";
const ANSWER = "The checkout fails since deployment abc1234: getOrder reads order.customer.id before the join.";

let claude: StandInServer;
let t: TestApp;
let owner: Credential;
let serviceId: string;
let projectId: string;

before(async () => {
  ({ claude, t } = await appWithClaude(API_KEY));
  const org = await serviceOfNewOrg(t, "ai-chat@example.com");
  ({ owner, serviceId } = org);
  const env = await t.call("PUT", `/api/v1/services/${serviceId}/env`, {
    as: owner,
    body: { variables: [{ key: "DB_PASSWORD", value: DB_PASSWORD }] },
  });
  assert.equal(env.status, 200, JSON.stringify(env.body));
  const service = await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner });
  projectId = service.body.data.project_id;
});
after(async () => {
  await claude.close();
  await t.close();
});
beforeEach(() => {
  claude.requests.length = 0;
  claude.reply = () => anthropicText(ANSWER);
  t.deps.ai = createAiEngine(t.deps.config.ai);
});

/** The SSE events of an answer body, in order. */
function events(body: unknown): { event: string; data: Record<string, unknown> }[] {
  return String(body)
    .split("\n\n")
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      return event && data ? { event, data: JSON.parse(data) as Record<string, unknown> } : null;
    })
    .filter((e) => e !== null);
}

const ask = (message: string, context: Record<string, string> = {}, as: Credential = owner) =>
  t.call("POST", "/api/v1/ai/chat", { as, body: { message, context } });

test("the answer streams token by token, then done; the prompt holds the question and the issue, no secret", async () => {
  const issueId = await seedIssue(t, serviceId, `connect ECONNREFUSED postgres://app:${DB_PASSWORD}@db/shop`);
  const res = await ask("Why does checkout fail since the last deploy?", { issue_id: issueId, service_id: serviceId });
  assert.equal(res.status, 200);
  assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
  const list = events(res.body);
  const tokens = list.filter((e) => e.event === "token");
  assert.ok(tokens.length > 3, "several pieces, as the model wrote them");
  assert.equal(tokens.map((e) => e.data.content).join(""), ANSWER);
  assert.equal(list.at(-1)?.event, "done");
  assert.match(String(list.at(-1)?.data.message_id), /^[0-9a-f-]{36}$/);

  assert.equal(claude.requests.length, 1);
  const req = claude.requests[0]?.body;
  assert.equal(req.stream, true);
  assert.equal(req.tools, undefined, "a free-text answer: no tool");
  const prompt = String(req.messages[0].content);
  assert.match(prompt, /^Question: Why does checkout fail since the last deploy\?/);
  for (const expected of ["orders: join customer", "abc1234def", "getOrder", "ECONNREFUSED"])
    assert.ok(prompt.includes(expected), `the prompt holds ${expected}`);
  assert.ok(!prompt.includes(DB_PASSWORD), "the service's secret never reaches the provider");
  assert.ok(!prompt.includes(API_KEY));
  assert.ok(!String(req.system).includes("ECONNREFUSED"), "application text stays out of the instructions");

  const usage = await t.call("GET", "/api/v1/ai/usage?days=1", { as: owner });
  const chat = usage.body.data.days.find((d: { feature: string }) => d.feature === "chat");
  assert.equal(chat.requests, 1);
  assert.equal(chat.output_tokens, 5, "usage counted from the stream's message_delta");
});

test("a project's services and a service's deployments come along; other organizations' ids are not found", async () => {
  const res = await ask("What runs here?", { project_id: projectId });
  assert.equal(res.status, 200);
  const prompt = String(claude.requests[0]?.body.messages[0].content);
  assert.match(prompt, /"services": \[/);
  const stranger = await t.signup("ai-chat-stranger@example.com", { orgName: "Other chat" });
  const theirs = await ask("and this?", { service_id: serviceId }, { cookie: stranger.cookie });
  assert.equal(theirs.status, 404);
  assert.equal(theirs.body.error.code, "NOT_FOUND");
  assert.equal(claude.requests.length, 1, "nothing asked for the stranger");
});

test("failures before the first token are error answers; after it, an error event ends the stream", async () => {
  claude.reply = () => anthropicError(529, "overloaded_error", "Overloaded");
  const before = await ask("hello?");
  assert.equal(before.status, 503);
  assert.equal(before.body.error.code, "AI_OVERLOADED");

  const started = anthropicStreamEvents({
    id: "msg_chat",
    model: "claude-sonnet-5",
    content: [{ type: "text", text: "The checkout fails because" }],
    stop_reason: "end_turn",
    usage: { input_tokens: 10, output_tokens: 5 },
  }).slice(0, 5);
  claude.reply = () => ({ sse: [...started, anthropicStreamError("overloaded_error", "Overloaded")] });
  const during = await ask("hello again?");
  assert.equal(during.status, 200);
  const list = events(during.body);
  assert.ok(list.some((e) => e.event === "token"));
  assert.deepEqual(list.at(-1), {
    event: "error",
    data: { error: "Anthropic is overloaded (HTTP 529): Overloaded", code: "AI_OVERLOADED" },
  });

  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: 0 } });
  const spent = await ask("and now?");
  assert.equal(spent.status, 429);
  assert.equal(spent.body.error.code, "AI_BUDGET_EXCEEDED");
  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: null } });
  const bad = await ask("   ");
  assert.equal(bad.status, 400);
});

test("offline: the answer says it is offline and states what the data shows", async () => {
  t.deps.ai = createAiEngine({ ...t.deps.config.ai, provider: { kind: "offline" } });
  const res = await ask("What is wrong?", { service_id: serviceId });
  assert.equal(res.status, 200);
  const text = events(res.body)
    .filter((e) => e.event === "token")
    .map((e) => e.data.content)
    .join("");
  assert.match(text, /^Offline answer \(no AI provider configured\)/);
  assert.match(text, /latest deployment is running \(commit abc1234 "orders: join customer"\)/);
  assert.match(text, /open issue\(s\)/);
  assert.equal(claude.requests.length, 0);
});
