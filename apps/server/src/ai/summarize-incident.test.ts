// Summaries of alert incidents through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL): a
// rule fires from real error events, its Slack notification goes to a local stand-in of Slack's webhooks, then the
// summary is written by a local stand-in speaking Anthropic's Messages API (or the offline summarizer).
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import type { AIIncidentSummaryAnswer } from "@syntra/contracts";
import { sendDueDeliveries } from "../alerts/deliveries";
import { evaluateDueRules } from "../alerts/evaluate/evaluator";
import { type ChannelStandIns, startChannelStandIns } from "../alerts/testing/channel-stand-ins";
import { ingestErrorEvents } from "../issues/ingest";
import { errorEventFixture, liveDeployment, serviceOfNewOrg } from "../testing/error-fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../testing/smtp-inbox";
import { createAiEngine } from "./engine";
import { INCIDENT_TOOL } from "./incident-prompt";
import { summarizeNewIncidents } from "./summarize-incident";
import { anthropicToolUse } from "./testing/anthropic-stand-in";
import { type StandInServer, startStandInServer } from "./testing/stand-in-server";

const API_KEY = "sk-ant-api03-incidentKEY0123456789";
const DB_PASSWORD = "pg-pass-Inc9Zr4";

const SUMMARY: AIIncidentSummaryAnswer = {
  summary: "web fails one request in two since 10:04; 41 errors in the last hour.",
  likely_cause: "Deployment of commit abc1234 'orders: join customer' went live 6 minutes before.",
  confidence: 0.6,
  evidence: [{ kind: "deployment", detail: "abc1234 orders: join customer, 6 min before firing" }],
};

let claude: StandInServer;
let standIns: ChannelStandIns;
let inbox: SmtpInbox;
let t: TestApp;

before(async () => {
  claude = await startStandInServer(() => anthropicToolUse(INCIDENT_TOOL, SUMMARY));
  standIns = await startChannelStandIns();
  inbox = await startSmtpInbox();
  t = await createTestApp({
    ANTHROPIC_API_KEY: API_KEY,
    ANTHROPIC_BASE_URL: claude.url,
    SYNTRA_OPEN_SIGNUP: "true",
    SYNTRA_SMTP_URL: inbox.url,
  });
});
after(async () => {
  await t.close();
  await standIns.close();
  await claude.close();
  await inbox.close();
});
beforeEach(() => {
  claude.requests.length = 0;
  claude.reply = () => anthropicToolUse(INCIDENT_TOOL, SUMMARY);
  t.deps.ai = createAiEngine(t.deps.config.ai);
});

/**
 * An organization whose error-rate rule fires (notifying Slack, and the other channels given) 6 minutes after a
 * deploy; the incident.
 */
async function firingIncident(email: string, otherChannels: Record<string, unknown>[] = []) {
  const org = await serviceOfNewOrg(t, email);
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  await call("PUT", `/api/v1/services/${org.serviceId}/env`, {
    variables: [{ key: "DB_PASSWORD", value: DB_PASSWORD }],
  });
  const slackPath = `/slack/services/${org.orgId}`;
  const slack = await call("POST", "/api/v1/alert-channels", {
    name: "ops",
    type: "slack",
    config: { webhook_url: `${standIns.url}${slackPath}` },
  });
  const others = [];
  for (const body of otherChannels) others.push(await call("POST", "/api/v1/alert-channels", body));
  const now = t.deps.now().getTime();
  const deployment = await liveDeployment(t.deps, org.serviceId, {
    createdAt: new Date(now - 7 * 60_000),
    liveAt: new Date(now - 6 * 60_000),
    sha: "abc1234def",
    message: "orders: join customer",
  });
  const rule = await call("POST", "/api/v1/alerts", {
    name: "Checkout errors",
    type: "error_rate",
    service_id: org.serviceId,
    severity: "critical",
    interval_seconds: 60,
    repeat_interval_seconds: 300,
    channel_ids: [slack.id, ...others.map((c: { id: string }) => c.id)],
    condition: { window_seconds: 3600, threshold: 0 },
  });
  await ingestErrorEvents(t.deps, { serviceId: org.serviceId }, [
    errorEventFixture(org.serviceId, {
      deployment_id: deployment,
      timestamp: new Date(now - 60_000).toISOString(),
      message: `connect ECONNREFUSED postgres://app:${DB_PASSWORD}@db:5432/shop`,
    }),
  ]);
  await evaluateDueRules(t.deps);
  while ((await sendDueDeliveries(t.deps)) > 0) {
    // drain
  }
  const [incident] = await call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`);
  assert.equal(incident.status, "firing");
  const slackTexts = () => standIns.accepted("slack").filter((r) => r.path === slackPath);
  return { ...org, call, incident, rule, slackTexts };
}

/** 400 s later (past the rules' 300 s repeat interval): evaluates the rules and sends every reminder due. */
async function remindersSent(): Promise<void> {
  t.advanceClock(400_000);
  try {
    await evaluateDueRules(t.deps);
    while ((await sendDueDeliveries(t.deps)) > 0) {
      // drain
    }
  } finally {
    t.advanceClock(-400_000);
  }
}

test("a firing incident is summarized after its notification, with the deploy and errors around it", async () => {
  const s = await firingIncident("ai-incident@example.com");
  assert.equal(s.incident.ai_summary, null, "nothing is written before the notification goes out");
  assert.equal(s.slackTexts().length, 1, "Slack heard the incident first");
  assert.equal(claude.requests.length, 0);

  const pass = await summarizeNewIncidents(t.deps);
  assert.ok(pass.summarized >= 1, JSON.stringify(pass));
  const mine = claude.requests.find((r) => String(r.body.messages[0].content).includes("Checkout errors"));
  assert.ok(mine, "the provider was asked about the incident");
  assert.equal(mine.body.tool_choice.name, INCIDENT_TOOL);
  const prompt = String(mine.body.messages[0].content);
  for (const expected of ["Checkout errors", "error_rate", "orders: join customer", "abc1234def", "ECONNREFUSED"]) {
    assert.ok(prompt.includes(expected), `the prompt holds ${expected}`);
  }
  assert.ok(prompt.includes('"minutesBeforeFiring": 6'), "the deploy's distance to the firing");
  assert.ok(!prompt.includes(DB_PASSWORD), "the service's secret never reaches the provider");
  assert.ok(!prompt.includes(API_KEY));
  assert.ok(!String(mine.body.system).includes("ECONNREFUSED"), "application text stays out of the instructions");

  const [shown] = await s.call("GET", `/api/v1/alert-incidents?alert_id=${s.rule.id}`);
  assert.equal(shown.ai_summary.summary, SUMMARY.summary);
  assert.equal(shown.ai_summary.likely_cause, SUMMARY.likely_cause);
  assert.equal(shown.ai_summary.provider, "anthropic");
  assert.equal(shown.ai_summary_outcome, "summarized");
  const usage = await s.call("GET", "/api/v1/ai/usage?days=1");
  assert.deepEqual(
    usage.days.map((d: { feature: string; requests: number }) => [d.feature, d.requests]),
    [["incident_summary", 1]],
    "the summary's tokens count as the incident_summary feature",
  );

  const asked = claude.requests.length;
  assert.deepEqual(await summarizeNewIncidents(t.deps), { summarized: 0, notSummarized: 0 }, "once per incident");
  assert.equal(claude.requests.length, asked);

  // The reminder that follows carries the summary to Slack.
  await remindersSent();
  const sent = s.slackTexts();
  assert.equal(sent.length, 2, "firing, then the reminder");
  assert.ok(!JSON.stringify(sent[0]?.body).includes("AI summary"));
  assert.ok(JSON.stringify(sent[1]?.body.blocks).includes(`*AI summary*\\n${SUMMARY.summary}`));
});

test("the offline summarizer names the deploy before the firing and says it is offline", async () => {
  t.deps.ai = createAiEngine({ ...t.deps.config.ai, provider: { kind: "offline" } });
  const s = await firingIncident("ai-incident-offline@example.com");
  await summarizeNewIncidents(t.deps);
  const [shown] = await s.call("GET", `/api/v1/alert-incidents?alert_id=${s.rule.id}`);
  assert.equal(shown.ai_summary.offline, true);
  assert.match(shown.ai_summary.summary, /^Offline summary \(no AI provider configured\)/);
  assert.match(shown.ai_summary.likely_cause, /commit abc1234 \("orders: join customer"\) finished 6 minute/);
  assert.ok(!JSON.stringify(shown.ai_summary).includes(DB_PASSWORD));
  assert.equal(claude.requests.length, 0);
});

test("past the budget the incident is left without a summary and says why; the provider is not asked", async () => {
  const s = await firingIncident("ai-incident-budget@example.com");
  await s.call("PATCH", "/api/v1/org", { ai_daily_token_budget: 0 });
  // Other organizations' incidents of earlier tests are already taken; this pass takes this one.
  await summarizeNewIncidents(t.deps);
  const [shown] = await s.call("GET", `/api/v1/alert-incidents?alert_id=${s.rule.id}`);
  assert.equal(shown.ai_summary, null);
  assert.equal(shown.ai_summary_outcome, "budget_exceeded");
  assert.equal(claude.requests.length, 0);
});

test("the summary rides on the reminder to email, Discord and PagerDuty too (each in its wire format)", async () => {
  const routingKey = "SUMMARYKEY0123456789abcdefABCDEF";
  const s = await firingIncident("ai-incident-channels@example.com", [
    { name: "dev", type: "discord", config: { webhook_url: standIns.discordUrl } },
    { name: "pager", type: "pagerduty", config: { routing_key: routingKey, events_url: standIns.pagerDutyUrl } },
    { name: "mail", type: "email", config: { to: ["ai-oncall@example.com"] } },
  ]);
  const discord = () => standIns.accepted("discord").filter((r) => r.body.embeds?.[0]?.url?.includes(s.incident.id));
  const pager = () => standIns.accepted("pagerduty").filter((r) => r.body.routing_key === routingKey);
  assert.equal(discord().length, 1, "Discord heard the firing");
  assert.equal(pager().length, 1, "PagerDuty was triggered");
  const firingMail = await inbox.waitFor("ai-oncall@example.com");
  assert.ok(!firingMail.text?.includes("AI summary"), "the firing went out before any summary");
  assert.ok(!JSON.stringify(discord()[0]?.body).includes("AI summary"));
  assert.equal(pager()[0]?.body.payload.custom_details.ai_summary, undefined);

  await summarizeNewIncidents(t.deps);
  await remindersSent();

  const reminder = discord()[1]?.body.embeds[0];
  assert.match(reminder?.title, /^STILL FIRING: /);
  assert.deepEqual(reminder?.fields[0], { name: "AI summary", value: SUMMARY.summary, inline: false });

  const [trigger, again] = pager();
  assert.equal(again?.body.event_action, "trigger", "a trigger PagerDuty folds into the open alert");
  assert.equal(again?.body.dedup_key, trigger?.body.dedup_key, "same dedup key: no new page");
  assert.equal(again?.body.dedup_key, s.incident.id);
  assert.equal(again?.body.payload.custom_details.ai_summary, SUMMARY.summary);

  const mail = await inbox.waitFor("ai-oncall@example.com", 1);
  assert.match(mail.subject ?? "", /^\[STILL FIRING\] /);
  assert.ok(mail.text?.includes(`AI summary:\n${SUMMARY.summary}`), mail.text);
  assert.match(String(mail.html), /<strong>AI summary<\/strong><br>web fails one request in two/);
  assert.ok(!`${mail.text}${mail.html}`.includes(DB_PASSWORD), "the summary's source text stays redacted");
});
