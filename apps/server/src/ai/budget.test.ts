// Budgets of the AI engine through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL): the
// organization's tokens per day, counted from ai_usage, and the process's concurrency, with Claude replaced by a
// local stand-in speaking Anthropic's Messages API.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { createAiEngine } from "./engine";
import { ANALYSIS_TOOL } from "./prompt";
import { MODEL_ANSWER } from "./testing/analysis-fixtures";
import { anthropicToolUse } from "./testing/anthropic-stand-in";
import { appWithClaude } from "./testing/claude-app";
import { seedIssue } from "./testing/issues";
import type { StandInServer } from "./testing/stand-in-server";

// Each answer of the stand-in counts 1234 input + 321 output tokens.
const TOKENS_PER_ANSWER = 1234 + 321;

let claude: StandInServer;
let t: TestApp;
let owner: Credential;
let serviceId: string;

before(async () => {
  ({ claude, t } = await appWithClaude("sk-ant-api03-budgetKEY0123456789", {
    SYNTRA_AI_DAILY_TOKENS: "50000",
    SYNTRA_AI_CONCURRENCY: "1",
  }));
  ({ owner, serviceId } = await serviceOfNewOrg(t, "ai-budget@example.com"));
});
after(async () => {
  await claude.close();
  await t.close();
});
beforeEach(async () => {
  claude.requests.length = 0;
  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  t.deps.ai = createAiEngine(t.deps.config.ai);
  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: null } });
});

const analyze = (issueId: string) =>
  t.call("POST", "/api/v1/ai/analyze-error", { as: owner, body: { issue_id: issueId, force_refresh: false } });

test("past the organization's daily token budget a request is refused before it reaches the provider", async () => {
  const set = await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: 1000 } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.data.ai_daily_token_budget, 1000);

  const before = (await t.call("GET", "/api/v1/ai/usage", { as: owner })).body.data.budget;
  assert.equal(before.source, "organization");
  assert.equal(before.daily_tokens, 1000);

  // Tokens left: the request goes out (and may overshoot: its size is known only after it).
  const first = await analyze(await seedIssue(t, serviceId, "budget: first"));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(claude.requests.length, 1);

  const refused = await analyze(await seedIssue(t, serviceId, "budget: second"));
  assert.equal(refused.status, 429, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, "AI_BUDGET_EXCEEDED");
  assert.match(refused.body.error.message, /used \d+ of its 1000 AI tokens today/);
  assert.ok(Number(refused.headers["retry-after"]) > 0, "says when to come back");
  assert.ok(Number(refused.headers["retry-after"]) <= 86_400);
  assert.equal(claude.requests.length, 1, "the provider was not asked");

  const usage = (await t.call("GET", "/api/v1/ai/usage", { as: owner })).body.data;
  assert.equal(usage.budget.used_today, before.used_today + TOKENS_PER_ANSWER);
  assert.equal(usage.budget.remaining_today, 0);
  assert.equal(usage.budget.resets_at, `${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}T00:00:00.000Z`);

  // Back to the installation's 50 000 tokens: the same request goes through.
  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: null } });
  const again = await analyze(await seedIssue(t, serviceId, "budget: third"));
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const after = (await t.call("GET", "/api/v1/ai/usage", { as: owner })).body.data.budget;
  assert.equal(after.source, "installation");
  assert.equal(after.daily_tokens, 50_000);
});

test("a budget of 0 lets nothing reach the provider; bad budgets are refused and change nothing", async () => {
  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: 0 } });
  const refused = await analyze(await seedIssue(t, serviceId, "budget: zero"));
  assert.equal(refused.body.error?.code, "AI_BUDGET_EXCEEDED");
  assert.equal(claude.requests.length, 0);
  for (const bad of [-1, 1.5, "1000", 1e13]) {
    const res = await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: bad } });
    assert.equal(res.status, 400, `budget ${bad}`);
    assert.equal(res.body.error.code, "VALIDATION_ERROR");
  }
  const org = await t.call("GET", "/api/v1/org", { as: owner });
  assert.equal(org.body.data.ai_daily_token_budget, 0, "the stored budget is unchanged");
});

test("members may not change the budget", async () => {
  const dev = await t.member(owner, "ai-budget-dev@example.com", "developer");
  const res = await t.call("PATCH", "/api/v1/org", { as: { cookie: dev.cookie }, body: { ai_daily_token_budget: 1 } });
  assert.equal(res.status, 403);
});

test("with SYNTRA_AI_CONCURRENCY=1 a second provider request waits until the first one is answered", async () => {
  let releaseFirst: () => void = () => {};
  const firstArrived = new Promise<void>((arrived) => {
    claude.reply = () => {
      arrived();
      return new Promise((answer) => {
        releaseFirst = () => answer(anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER));
      });
    };
  });
  const one = analyze(await seedIssue(t, serviceId, "slots: one"));
  await firstArrived;
  let firstAnswered = false;
  let secondArrivedAfterFirst: boolean | null = null;
  const secondArrived = new Promise<void>((arrived) => {
    claude.reply = () => {
      secondArrivedAfterFirst = firstAnswered;
      arrived();
      return anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
    };
  });
  const two = analyze(await seedIssue(t, serviceId, "slots: two"));
  // The second request is queued for the slot: wait until the engine has it in line, then let the first go.
  while (t.deps.ai.slots.waiting === 0) await new Promise((r) => setImmediate(r));
  assert.equal(claude.requests.length, 1, "the second request did not reach the provider while the first ran");
  firstAnswered = true;
  releaseFirst();
  await secondArrived;
  assert.equal(secondArrivedAfterFirst, true);
  assert.equal((await one).status, 200);
  assert.equal((await two).status, 200);
  assert.equal(claude.requests.length, 2);
});
