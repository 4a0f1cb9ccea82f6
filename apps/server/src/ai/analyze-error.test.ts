// POST /api/v1/ai/analyze-error through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL),
// with Claude replaced by a local stand-in speaking Anthropic's Messages API.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { sql } from "drizzle-orm";
import { resultRows } from "../db/client";
import { serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { createAiEngine } from "./engine";
import { ANALYSIS_TOOL } from "./prompt";
import { MODEL_ANSWER } from "./testing/analysis-fixtures";
import { anthropicError, anthropicToolUse } from "./testing/anthropic-stand-in";
import { appWithClaude } from "./testing/claude-app";
import { seedIssue } from "./testing/issues";
import type { StandInServer } from "./testing/stand-in-server";

const API_KEY = "sk-ant-api03-standinKEY0123456789";
const DB_PASSWORD = "pg-pass-Zq8wX1";
const STRIPE = "rk_live_51Abcdefghijklmno";

let claude: StandInServer;
let t: TestApp;
let owner: Credential;
let orgId: string;
let serviceId: string;

before(async () => {
  ({ claude, t } = await appWithClaude(API_KEY));
  const org = await serviceOfNewOrg(t, "ai-owner@example.com");
  ({ owner, orgId, serviceId } = org);
  const env = await t.call("PUT", `/api/v1/services/${serviceId}/env`, {
    as: owner,
    body: {
      variables: [
        { key: "DB_PASSWORD", value: DB_PASSWORD },
        { key: "PAYMENTS", value: STRIPE, is_secret: true },
        { key: "LOG_LEVEL", value: "debug", is_secret: false },
      ],
    },
  });
  assert.equal(env.status, 200, JSON.stringify(env.body));
});
after(async () => {
  await claude.close();
  await t.close();
});
beforeEach(() => {
  claude.requests.length = 0;
  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  t.deps.ai = createAiEngine(t.deps.config.ai);
});

/** A new issue of the service (see seedIssue), the message given. */
const newIssue = (message: string, extra: { email?: string } = {}) => seedIssue(t, serviceId, message, extra);

const analyze = (issueId: string, force = false, as: Credential = owner) =>
  t.call("POST", "/api/v1/ai/analyze-error", { as, body: { issue_id: issueId, force_refresh: force } });

test("the analysis comes from the provider, is stored on the issue, and the context reached the model", async () => {
  const issueId = await newIssue("Cannot read properties of undefined (reading 'id')");
  const res = await analyze(issueId);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const analysis = res.body.data;
  assert.equal(analysis.root_cause, MODEL_ANSWER.root_cause);
  assert.equal(analysis.severity, "HIGH");
  assert.equal(analysis.confidence, 0.72);
  assert.deepEqual(analysis.evidence, MODEL_ANSWER.evidence);
  assert.equal(analysis.provider, "anthropic");
  assert.equal(analysis.model, "claude-sonnet-5");
  assert.equal(analysis.offline, false);

  const issue = await t.call("GET", `/api/v1/issues/${issueId}`, { as: owner });
  assert.deepEqual(issue.body.data.ai_analysis, analysis);
  assert.equal(issue.body.data.ai_analyzed_at, analysis.generated_at);

  assert.equal(claude.requests.length, 1);
  const prompt = claude.requests[0]?.body.messages[0].content as string;
  for (const expected of [
    "getOrder",
    "return order.customer.id;",
    "orders: join customer",
    "abc1234def",
    "0a1b2c3d4e",
    "GET /api/orders/17",
  ]) {
    assert.ok(prompt.includes(expected), `the prompt holds ${expected}`);
  }
});

test("a stored analysis is returned without a provider call; force_refresh makes a new one", async () => {
  const issueId = await newIssue("Cannot read properties of undefined (reading 'total')");
  const first = await analyze(issueId);
  assert.equal(first.status, 200);
  const again = await analyze(issueId);
  assert.deepEqual(again.body.data, first.body.data);
  assert.equal(claude.requests.length, 1, "served from error_groups.ai_analysis");

  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, { ...MODEL_ANSWER, severity: "CRITICAL" });
  const refreshed = await analyze(issueId, true);
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.data.severity, "CRITICAL");
  assert.equal(claude.requests.length, 2);
  const issue = await t.call("GET", `/api/v1/issues/${issueId}`, { as: owner });
  assert.equal(issue.body.data.ai_analysis.severity, "CRITICAL");
});

test("concurrent requests for one issue make one provider call and all get its answer", async () => {
  const issueId = await newIssue("Cannot read properties of undefined (reading 'sku')");
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived: () => void = () => {};
  const firstCall = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  claude.reply = async () => {
    arrived();
    await gate;
    return anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  };
  const leader = analyze(issueId, true);
  await firstCall;
  // The provider call is held open: these arrive while it runs, and even force_refresh joins it.
  const followers = [analyze(issueId, true), analyze(issueId, false), analyze(issueId, true), analyze(issueId, true)];
  await waitFor(() => t.logs.filter((l) => l.includes("analysis in progress") && l.includes(issueId)).length === 4);
  release();
  const answers = await Promise.all([leader, ...followers]);
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 200, 200, 200],
  );
  for (const a of answers) assert.equal(a.body.data.generated_at, answers[0]?.body.data.generated_at);
  assert.equal(claude.requests.length, 1);
});

test("secrets of the service, the provider key, DSN credentials and emails never reach the provider", async () => {
  const leaky =
    `auth failed for postgres://shop:${DB_PASSWORD}@db.internal:5432/shop (retried with ${DB_PASSWORD}) with key ${STRIPE}; ` +
    `ANTHROPIC_API_KEY=${API_KEY}; user ana.lopez@example.com; Authorization: Bearer abcdefghijklmnopqrstu`;
  const issueId = await newIssue(leaky, { email: "ana.lopez@example.com" });
  const res = await analyze(issueId);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const sent = JSON.stringify(claude.requests[0]?.body);
  for (const secret of [DB_PASSWORD, STRIPE, API_KEY, "ana.lopez@example.com", "abcdefghijklmnopqrstu"]) {
    assert.ok(!sent.includes(secret), `the prompt does not hold ${secret}`);
  }
  // What is left still says what happened.
  for (const kept of [
    "postgres://[REDACTED]@db.internal:5432/shop",
    "[REDACTED:DB_PASSWORD]",
    "[REDACTED:PAYMENTS]",
    "[REDACTED:EMAIL]",
  ]) {
    assert.ok(sent.includes(kept), `the prompt holds ${kept}`);
  }
  // Nor do the logs.
  const logs = t.logs.join("\n");
  for (const secret of [DB_PASSWORD, STRIPE, API_KEY]) assert.ok(!logs.includes(secret));

  // An organization may let the provider see email addresses.
  const setting = await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_redact_emails: false } });
  assert.equal(setting.status, 200, JSON.stringify(setting.body));
  assert.equal(setting.body.data.ai_redact_emails, false);
  claude.requests.length = 0;
  await analyze(issueId, true);
  const withEmails = JSON.stringify(claude.requests[0]?.body);
  assert.ok(withEmails.includes("ana.lopez@example.com"));
  assert.ok(!withEmails.includes(DB_PASSWORD), "secrets stay redacted");
  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_redact_emails: true } });
});

test("provider failures answer with their AI_* code and keep the stored analysis", async () => {
  const issueId = await newIssue("Cannot read properties of undefined (reading 'qty')");
  const stored = (await analyze(issueId)).body.data;

  claude.reply = () => anthropicError(429, "rate_limit_error", "rate limited", { "retry-after": "30" });
  const limited = await analyze(issueId, true);
  assert.equal(limited.status, 503);
  assert.equal(limited.body.error.code, "AI_RATE_LIMITED");
  assert.equal(limited.headers["retry-after"], "30");

  claude.reply = () => anthropicError(529, "overloaded_error", "Overloaded");
  const overloaded = await analyze(issueId, true);
  assert.equal(overloaded.status, 503);
  assert.equal(overloaded.body.error.code, "AI_OVERLOADED");

  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, { ...MODEL_ANSWER, severity: "catastrophic" });
  const invalid = await analyze(issueId, true);
  assert.equal(invalid.status, 502);
  assert.equal(invalid.body.error.code, "AI_INVALID_ANSWER");

  const issue = await t.call("GET", `/api/v1/issues/${issueId}`, { as: owner });
  assert.deepEqual(issue.body.data.ai_analysis, stored, "nothing of the failed attempts was stored");
});

test("usage is recorded per organization, day, feature, provider and model", async () => {
  const before = await usage();
  const issueId = await newIssue("Cannot read properties of undefined (reading 'price')");
  await analyze(issueId);
  const after = await usage();
  assert.equal(after.requests - before.requests, 1);
  assert.equal(after.input_tokens - before.input_tokens, 1234);
  assert.equal(after.output_tokens - before.output_tokens, 321);

  const shown = await t.call("GET", "/api/v1/ai/usage?days=7", { as: owner });
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  assert.equal(shown.body.data.enabled, true);
  assert.equal(shown.body.data.provider, "anthropic");
  assert.equal(shown.body.data.model, "claude-sonnet-5");
  const today = new Date().toISOString().slice(0, 10);
  const row = shown.body.data.days.find(
    (d: { day: string; provider: string }) => d.day === today && d.provider === "anthropic",
  );
  assert.equal(row.feature, "error_analysis", "the usage says what spent the tokens");
  assert.equal(row.requests, after.requests);
  assert.equal(row.input_tokens, after.input_tokens);
  assert.equal(shown.body.data.totals.output_tokens, after.output_tokens);
  const stranger = await t.signup("ai-usage-stranger@example.com", { orgName: "Other usage" });
  const theirs = await t.call("GET", "/api/v1/ai/usage", { as: { cookie: stranger.cookie } });
  assert.deepEqual(theirs.body.data.days, [], "another organization sees its own usage only");
});

test("SYNTRA_AI=off answers AI_DISABLED; the offline analyzer answers from the data and says so", async () => {
  const issueId = await newIssue("Cannot read properties of undefined (reading 'name')");
  t.deps.ai = createAiEngine({ ...t.deps.config.ai, enabled: false });
  const off = await analyze(issueId);
  assert.equal(off.status, 503);
  assert.equal(off.body.error.code, "AI_DISABLED");

  t.deps.ai = createAiEngine({ ...t.deps.config.ai, provider: { kind: "offline" } });
  const res = await analyze(issueId);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const a = res.body.data;
  assert.equal(a.offline, true);
  assert.equal(a.provider, "offline");
  assert.match(a.root_cause, /^Offline analysis/);
  assert.match(a.root_cause, /getOrder/);
  assert.match(a.why_now, /4 minute\(s\) after deployment #\d+ went live \(commit abc1234 "orders: join customer"\)/);
  assert.ok(a.evidence.some((e: { kind: string }) => e.kind === "pattern"));
  assert.equal(claude.requests.length, 0);
});

test("viewers may not run an analysis; another organization's issue is not found", async () => {
  const issueId = await newIssue("Cannot read properties of undefined (reading 'vat')");
  const viewer = await t.member(owner, "ai-viewer@example.com", "viewer");
  const denied = await analyze(issueId, false, { cookie: viewer.cookie });
  assert.equal(denied.status, 403);
  const stranger = await t.signup("ai-stranger@example.com", { orgName: "Elsewhere" });
  const hidden = await analyze(issueId, false, { cookie: stranger.cookie });
  assert.equal(hidden.status, 404);
  assert.equal(claude.requests.length, 0);
});

async function usage(): Promise<{ requests: number; input_tokens: number; output_tokens: number }> {
  const rows = resultRows<{ requests: number; input_tokens: number; output_tokens: number }>(
    await t.deps.db.execute(sql`
      SELECT COALESCE(sum(requests), 0)::int AS requests, COALESCE(sum(input_tokens), 0)::int AS input_tokens,
             COALESCE(sum(output_tokens), 0)::int AS output_tokens
        FROM ai_usage WHERE org_id = ${orgId} AND provider = 'anthropic'`),
  );
  return rows[0] ?? { requests: 0, input_tokens: 0, output_tokens: 0 };
}

/** Resolves once `done()` holds, checking after each turn of the event loop (it waits for an event, not a time). */
async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    if (done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("condition never held");
}
