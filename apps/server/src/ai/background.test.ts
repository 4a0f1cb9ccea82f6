// The background analysis of new issues through the real control plane (PGlite, or PostgreSQL with
// TEST_DATABASE_URL) and the real telemetry store (chDB), with Claude replaced by a local stand-in speaking
// Anthropic's Messages API: what is taken, once, within the hourly count and the budget, and what the prompt holds.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { sql } from "drizzle-orm";
import { resultRows } from "../db/client";
import { serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { newTraceId, spanRow } from "../testing/telemetry-rows";
import { analyzeNewIssues } from "./background";
import { createAiEngine } from "./engine";
import { ANALYSIS_TOOL } from "./prompt";
import { MODEL_ANSWER } from "./testing/analysis-fixtures";
import { anthropicToolUse } from "./testing/anthropic-stand-in";
import { appWithClaude } from "./testing/claude-app";
import { seedIssue } from "./testing/issues";
import type { StandInServer } from "./testing/stand-in-server";
import { startAiWorker } from "./worker";

const API_KEY = "sk-ant-api03-backgroundKEY0123456789";
const DB_PASSWORD = "pg-pass-Bg7Kq2";

let claude: StandInServer;
let t: TestApp;
let owner: Credential;
let orgId: string;
let serviceId: string;

before(async () => {
  ({ claude, t } = await appWithClaude(API_KEY, { SYNTRA_AI_AUTO_ANALYZE_PER_HOUR: "3" }));
  ({ owner, orgId, serviceId } = await serviceOfNewOrg(t, "ai-background@example.com"));
  const env = await t.call("PUT", `/api/v1/services/${serviceId}/env`, {
    as: owner,
    body: { variables: [{ key: "DB_PASSWORD", value: DB_PASSWORD }] },
  });
  assert.equal(env.status, 200, JSON.stringify(env.body));
});
after(async () => {
  await claude.close();
  await t.close();
});
beforeEach(async () => {
  claude.requests.length = 0;
  claude.reply = () => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  t.deps.ai = createAiEngine(t.deps.config.ai);
  // Every test starts with no new issue waiting and a fresh hourly count: earlier tests' issues count as old.
  await t.deps.db.execute(sql`UPDATE error_groups SET ai_auto_at = now() - interval '2 hours',
    ai_auto_outcome = coalesce(ai_auto_outcome, 'test-cleared') WHERE ai_auto_at IS NULL OR ai_auto_at > now() - interval '2 hours'`);
  await t.call("PATCH", "/api/v1/org", {
    as: owner,
    body: { ai_daily_token_budget: null, ai_auto_analyze: true },
  });
});

const outcomeOf = async (issueId: string) =>
  resultRows<{ ai_auto_outcome: string | null; ai_auto_at: string | null }>(
    await t.deps.db.execute(sql`SELECT ai_auto_outcome, ai_auto_at FROM error_groups WHERE id = ${issueId}`),
  )[0];

test("a new issue is analyzed once in the background with its trace, metrics, similar issues; secrets stay out", async () => {
  const now = Date.now();
  const firstSeen = now - 3_600_000 + 4 * 60_000;
  const owner_ = { org_id: orgId, service_id: serviceId, deployment_id: crypto.randomUUID() };
  // Requests of the service: 40 calm ones in the hour before the first event, 40 half failing and slow after it.
  const spans = [];
  for (let i = 0; i < 40; i++) {
    spans.push(spanRow(owner_, new Date(firstSeen - 50 * 60_000 + i * 60_000), 20));
    spans.push(
      spanRow(owner_, new Date(firstSeen + 60_000 + i * 60_000), 900, {
        status: { code: i % 2 === 0 ? "error" : "ok" },
      }),
    );
  }
  // The event's trace: the request and the failing query, whose attributes hold the database password.
  const traceId = newTraceId();
  const root = spanRow(owner_, new Date(firstSeen - 200), 180, {
    trace_id: traceId,
    operation_name: "GET /api/orders/:id",
  });
  const query = spanRow(owner_, new Date(firstSeen - 150), 120, {
    trace_id: traceId,
    parent_span_id: root.span_id,
    operation_name: "SELECT shop.orders",
    span_kind: "client",
    status: { code: "error", message: "relation customers_v2 does not exist" },
    attributes: {
      "db.system": "postgresql",
      "db.connection_string": `postgres://app:${DB_PASSWORD}@db:5432/shop`,
      "app.note": `retried with ${DB_PASSWORD}`,
    },
  });
  await t.deps.telemetry.insert({ spans: [...spans, root, query], logs: [], metrics: [] });

  // A resolved issue of the same type and culprit, with the root cause found then.
  const older = await seedIssue(t, serviceId, "Cannot read properties of undefined (reading 'customer')", {
    at: now - 5 * 86_400_000,
  });
  await t.deps.db.execute(sql`UPDATE error_groups SET status = 'resolved', resolved_at = now() - interval '4 days',
    ai_analysis = ${JSON.stringify({ root_cause: "orders without a customer row after the import" })}::jsonb
    WHERE id = ${older}`);

  const issueId = await seedIssue(t, serviceId, "Cannot read properties of undefined (reading 'id')", {
    at: now - 3_600_000,
    traceId,
  });
  const before = await t.call("GET", `/api/v1/issues/${issueId}`, { as: owner });
  assert.equal(before.body.data.ai_analysis, null, "nothing ran on ingestion");

  const pass = await analyzeNewIssues(t.deps);
  assert.deepEqual(pass, { analyzed: 1, notAnalyzed: 0 }, "the old issue is not new: only the new one is taken");
  assert.equal(claude.requests.length, 1);

  const shown = await t.call("GET", `/api/v1/issues/${issueId}`, { as: owner });
  assert.equal(shown.body.data.ai_analysis.root_cause, MODEL_ANSWER.root_cause, "the issue page gets it unasked");
  assert.equal((await outcomeOf(issueId))?.ai_auto_outcome, "analyzed");

  const prompt = claude.requests[0]?.body.messages[0].content as string;
  const data = JSON.parse(prompt.slice(prompt.indexOf("{"), prompt.lastIndexOf("}") + 1));
  assert.deepEqual(
    data.trace_spans.map((s: { operation: string }) => s.operation),
    ["GET /api/orders/:id", "SELECT shop.orders"],
  );
  assert.equal(data.trace_spans[1].statusMessage, "relation customers_v2 does not exist");
  assert.equal(data.trace_spans[1].attributes["db.connection_string"], "postgres://[REDACTED]@db:5432/shop");
  assert.equal(data.trace_spans[1].attributes["app.note"], "retried with [REDACTED:DB_PASSWORD]");
  const metrics = data.requests_around_first_event;
  assert.equal(metrics.windowMinutes, 60);
  assert.equal(metrics.before.requests, 41, "the 40 calm ones and the event's own request");
  assert.equal(metrics.before.errorRate, 0);
  assert.equal(metrics.after.errorRate, 0.5);
  assert.ok(metrics.after.p95Ms > 800 && metrics.before.p95Ms < 100, JSON.stringify(metrics));
  assert.equal(data.similar_issues.length, 1);
  assert.equal(data.similar_issues[0].status, "resolved");
  assert.equal(data.similar_issues[0].rootCause, "orders without a customer row after the import");
  assert.deepEqual(data.commit_range, {
    repository: null,
    fromSha: "0a1b2c3d4e",
    toSha: "abc1234def",
    diff: null,
    diffUnavailable: "the service has no git repository",
  });
  assert.ok(!prompt.includes(DB_PASSWORD), "the database password never reaches the provider");
  assert.ok(!prompt.includes(API_KEY));

  // Taken once: a second pass leaves it (and everything else) alone.
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 0, notAnalyzed: 0 });
  assert.equal(claude.requests.length, 1);
});

test("at most SYNTRA_AI_AUTO_ANALYZE_PER_HOUR per organization and hour; the rest wait for a later hour", async () => {
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await seedIssue(t, serviceId, `hourly ${i}`, { at: Date.now() - 600_000 + i }));
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 3, notAnalyzed: 0 });
  assert.equal(claude.requests.length, 3);
  assert.equal((await outcomeOf(ids[3] as string))?.ai_auto_at, null, "the fourth waits");

  t.advanceClock(3_600_000 + 1000);
  try {
    assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 1, notAnalyzed: 0 });
    assert.equal((await outcomeOf(ids[3] as string))?.ai_auto_outcome, "analyzed");
  } finally {
    t.advanceClock(-(3_600_000 + 1000));
  }
});

test("past the budget an issue is taken without a provider call; a failure is stored and not retried", async () => {
  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: 0 } });
  const spent = await seedIssue(t, serviceId, "budget spent");
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 0, notAnalyzed: 1 });
  assert.equal(claude.requests.length, 0);
  assert.equal((await outcomeOf(spent))?.ai_auto_outcome, "budget_exceeded");

  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_daily_token_budget: null } });
  claude.reply = () => ({ status: 529, json: { type: "error", error: { type: "overloaded_error", message: "x" } } });
  const failing = await seedIssue(t, serviceId, "provider overloaded");
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 0, notAnalyzed: 1 });
  assert.equal((await outcomeOf(failing))?.ai_auto_outcome, "failed:AI_OVERLOADED");
  assert.ok(t.logs.some((l) => l.includes("background analysis of a new issue failed") && l.includes("AI_OVERLOADED")));
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 0, notAnalyzed: 0 }, "not retried");
  assert.equal(claude.requests.length, 1);
});

test("organizations that turned it off, and SYNTRA_AI=off, get nothing analyzed in the background", async () => {
  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_auto_analyze: false } });
  const usage = await t.call("GET", "/api/v1/ai/usage", { as: owner });
  assert.equal(usage.body.data.auto_analyze, false);
  const issueId = await seedIssue(t, serviceId, "auto off");
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 0, notAnalyzed: 0 });
  assert.equal((await outcomeOf(issueId))?.ai_auto_at, null);

  await t.call("PATCH", "/api/v1/org", { as: owner, body: { ai_auto_analyze: true } });
  t.deps.ai = createAiEngine({ ...t.deps.config.ai, enabled: false });
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 0, notAnalyzed: 0 });
  t.deps.ai = createAiEngine(t.deps.config.ai);
  assert.deepEqual(await analyzeNewIssues(t.deps), { analyzed: 1, notAnalyzed: 0 });
  assert.equal(claude.requests.length, 1);
});

test("the AI worker analyzes an issue as soon as ingestion creates it, not at its next pass", async () => {
  // A pass an hour apart: the analysis below happens because storing the new issue woke the worker.
  const worker = startAiWorker(t.deps, 3_600_000);
  t.deps.aiWorker = worker;
  try {
    const issueId = await seedIssue(t, serviceId, "Cannot read properties of null (reading 'total')", {
      at: Date.now() - 60_000,
    });
    const outcome = await eventually(async () => (await outcomeOf(issueId))?.ai_auto_outcome ?? undefined, {
      what: "the new issue's background analysis",
    });
    assert.equal(outcome, "analyzed");
  } finally {
    await worker.stop();
    t.deps.aiWorker = null;
  }
});
