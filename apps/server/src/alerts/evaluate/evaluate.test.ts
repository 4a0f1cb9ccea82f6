import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "drizzle-orm";
import { healthChecks, servers } from "../../db/schema";
import { ingestErrorEvents } from "../../issues/ingest";
import { storeHeartbeatMetrics } from "../../telemetry/container-metrics";
import { heartbeatPayload } from "../../testing/agent-peer";
import { errorEventFixture, serviceOfNewOrg } from "../../testing/error-fixtures";
import { type Credential, createTestApp, type TestApp } from "../../testing/harness";
import { type SmtpInbox, startSmtpInbox } from "../../testing/smtp-inbox";
import { spanRow } from "../../testing/telemetry-rows";
import { sendDueDeliveries } from "../deliveries";
import { type ChannelStandIns, startChannelStandIns } from "../testing/channel-stand-ins";
import { evaluateDueRules } from "./evaluator";

let t: TestApp;
let inbox: SmtpInbox;
let standIns: ChannelStandIns;

before(async () => {
  inbox = await startSmtpInbox();
  standIns = await startChannelStandIns();
  t = await createTestApp({ SYNTRA_SMTP_URL: inbox.url, SYNTRA_OPEN_SIGNUP: "true" });
});
after(async () => {
  await t.close();
  await standIns.close();
  await inbox.close();
});

/** A new organization with a service and a Slack and an email channel. */
async function setup(email: string) {
  const org = await serviceOfNewOrg(t, email);
  const post = async (url: string, body: unknown) => {
    const res = await t.call("POST", url, { as: org.owner, body });
    assert.ok(res.status < 300, `${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const slackPath = `/slack/services/${org.orgId}`;
  const slack = await post("/api/v1/alert-channels", {
    name: "ops",
    type: "slack",
    config: { webhook_url: `${standIns.url}${slackPath}` },
  });
  const mailTo = `oncall-${org.orgId.slice(0, 8)}@example.com`;
  const mail = await post("/api/v1/alert-channels", { name: "mail", type: "email", config: { to: [mailTo] } });
  return { ...org, post, slack, mail, mailTo, slackPath };
}

/** Evaluates what is due and sends what that queued (the worker's two loops, one pass each). */
async function tick(): Promise<void> {
  await evaluateDueRules(t.deps);
  while ((await sendDueDeliveries(t.deps)) > 0) {
    // drain
  }
}

const slackMessages = (path: string) =>
  standIns
    .accepted("slack")
    .filter((r) => r.path === path)
    .map((r) => String(r.body.text).split("\n")[0]);

async function incidents(owner: Credential, alertId: string) {
  const res = await t.call("GET", `/api/v1/alert-incidents?alert_id=${alertId}`, { as: owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data as Array<{ id: string; status: string; title: string; notification_count: number }>;
}

async function errorBurst(serviceId: string, n: number) {
  const at = t.deps.now().toISOString();
  await ingestErrorEvents(
    t.deps,
    { serviceId },
    Array.from({ length: n }, () => errorEventFixture(serviceId, { timestamp: at })),
  );
}

test("an error-rate rule fires once for a burst, reminds while it lasts, and resolves, on Slack and by email", async () => {
  const s = await setup("burst@example.com");
  const rule = await s.post("/api/v1/alerts", {
    name: "Checkout errors",
    type: "error_rate",
    service_id: s.serviceId,
    severity: "critical",
    for_seconds: 60,
    repeat_interval_seconds: 600,
    interval_seconds: 30,
    channel_ids: [s.slack.id, s.mail.id],
    condition: { measure: "events", window_seconds: 900, operator: ">", threshold: 5 },
  });
  assert.equal(rule.project_id, s.projectId, "a service rule knows its project");
  await errorBurst(s.serviceId, 12);

  await tick();
  const pending = (await t.call("GET", `/api/v1/alerts/${rule.id}`, { as: s.owner })).body.data;
  assert.equal(pending.pending, 1, "the condition holds, within its pending period");
  assert.equal(pending.firing, 0);
  for (let i = 0; i < 4; i++) {
    t.advanceClock(30_000);
    await tick();
  }
  const open = await incidents(s.owner, rule.id);
  assert.equal(open.length, 1, "one incident for the burst, however many evaluations saw it");
  assert.equal(open[0]?.status, "firing");
  assert.match(open[0]?.title ?? "", /^web: 12 errors in 15 min$/);
  assert.deepEqual(slackMessages(s.slackPath), ["FIRING: web: 12 errors in 15 min"]);
  const firingMail = await inbox.waitFor(s.mailTo);
  assert.equal(firingMail.subject, "[FIRING] web: 12 errors in 15 min");

  t.advanceClock(600_000);
  await tick();
  assert.deepEqual(slackMessages(s.slackPath), [
    "FIRING: web: 12 errors in 15 min",
    "STILL FIRING: web: 12 errors in 15 min",
  ]);
  await inbox.waitFor(s.mailTo, 1);

  t.advanceClock(300_000); // the burst leaves the 15-minute window
  await tick();
  const resolved = await incidents(s.owner, rule.id);
  assert.equal(resolved.length, 1);
  assert.equal(resolved[0]?.status, "resolved");
  assert.deepEqual(slackMessages(s.slackPath), [
    "FIRING: web: 12 errors in 15 min",
    "STILL FIRING: web: 12 errors in 15 min",
    "RESOLVED: web: 12 errors in 15 min",
  ]);
  assert.equal((await inbox.waitFor(s.mailTo, 2)).subject, "[RESOLVED] web: 12 errors in 15 min");
  const state = (await t.call("GET", `/api/v1/alerts/${rule.id}`, { as: s.owner })).body.data;
  assert.equal(state.firing, 0);
  assert.equal(state.last_error, null);
});

test("a blip shorter than the pending period fires nothing", async () => {
  const s = await setup("blip@example.com");
  const rule = await s.post("/api/v1/alerts", {
    name: "Blip",
    type: "error_rate",
    service_id: s.serviceId,
    for_seconds: 180,
    interval_seconds: 30,
    channel_ids: [s.slack.id],
    condition: { measure: "events", window_seconds: 60, threshold: 3 },
  });
  await errorBurst(s.serviceId, 10);
  await tick();
  assert.equal((await t.call("GET", `/api/v1/alerts/${rule.id}`, { as: s.owner })).body.data.pending, 1);
  for (let i = 0; i < 8; i++) {
    t.advanceClock(30_000);
    await tick();
  }
  const after = (await t.call("GET", `/api/v1/alerts/${rule.id}`, { as: s.owner })).body.data;
  assert.equal(after.pending, 0, "the blip left the window before the pending period ended");
  assert.equal((await incidents(s.owner, rule.id)).length, 0);
  // Ordered after every delivery the evaluations could have queued: the channel's test message is its only one.
  const test = await t.call("POST", `/api/v1/alert-channels/${s.slack.id}/test`, { as: s.owner });
  assert.equal(test.body.data.status, "delivered");
  assert.deepEqual(slackMessages(s.slackPath), ["TEST: Test notification from Syntra"]);
});

test("a failing channel is retried with backoff and reported while the others deliver", async () => {
  const s = await setup("retry@example.com");
  const discord = await s.post("/api/v1/alert-channels", {
    name: "dev",
    type: "discord",
    config: { webhook_url: `${standIns.url}/discord/api/webhooks/${s.orgId}/t` },
  });
  const rule = await s.post("/api/v1/alerts", {
    name: "Errors",
    type: "error_rate",
    service_id: s.serviceId,
    channel_ids: [s.slack.id, discord.id, s.mail.id],
    condition: { measure: "events", threshold: 0 },
  });
  standIns.failNext("slack", 2, 503, "service unavailable");
  await errorBurst(s.serviceId, 1);
  await tick();
  assert.equal(standIns.accepted("discord").filter((r) => r.path.includes(s.orgId)).length, 1, "discord delivered");
  await inbox.waitFor(s.mailTo);
  let slack = (await t.call("GET", `/api/v1/alert-channels/${s.slack.id}`, { as: s.owner })).body.data;
  assert.equal(slack.last_error, "HTTP 503: service unavailable");
  assert.equal(slack.retrying, 1);
  let [delivery] = (await t.call("GET", `/api/v1/alert-channels/${s.slack.id}/deliveries`, { as: s.owner })).body.data;
  assert.equal(delivery.status, "pending");
  assert.equal(delivery.attempts, 1);
  await tick();
  assert.equal(slackMessages(s.slackPath).length, 0, "not retried before its backoff");
  t.advanceClock(40_000);
  await tick();
  t.advanceClock(80_000);
  await tick();
  assert.deepEqual(slackMessages(s.slackPath), ["FIRING: web: 1 errors in 5 min"]);
  [delivery] = (await t.call("GET", `/api/v1/alert-channels/${s.slack.id}/deliveries`, { as: s.owner })).body.data;
  assert.equal(delivery.status, "delivered");
  assert.equal(delivery.attempts, 3);
  slack = (await t.call("GET", `/api/v1/alert-channels/${s.slack.id}`, { as: s.owner })).body.data;
  assert.equal(slack.last_error, null, "a success clears the error");
  assert.equal((await incidents(s.owner, rule.id)).length, 1);
});

test("latency and failed-request rules read the spans in the telemetry store", async () => {
  const s = await setup("latency@example.com");
  const owner = { org_id: s.orgId, service_id: s.serviceId, deployment_id: crypto.randomUUID() };
  const now = t.deps.now();
  const spans = Array.from({ length: 40 }, (_, i) =>
    spanRow(owner, new Date(now.getTime() - 60_000 + i * 1000), i < 30 ? 50 : 900, {
      status: { code: i % 4 === 0 ? "error" : "ok" },
    }),
  );
  await t.deps.telemetry.insert({ spans, logs: [], metrics: [] });
  const latency = await s.post("/api/v1/alerts", {
    name: "Slow",
    type: "latency",
    service_id: s.serviceId,
    channel_ids: [s.slack.id],
    condition: { percentile: "p95", window_seconds: 300, threshold_ms: 500 },
  });
  const failing = await s.post("/api/v1/alerts", {
    name: "Failing",
    type: "error_rate",
    service_id: s.serviceId,
    condition: { measure: "failed_requests_percent", window_seconds: 300, threshold: 20, min_requests: 10 },
  });
  const calm = await s.post("/api/v1/alerts", {
    name: "Calm",
    type: "latency",
    service_id: s.serviceId,
    condition: { percentile: "p50", window_seconds: 300, threshold_ms: 500 },
  });
  await tick();
  const [slow] = await incidents(s.owner, latency.id);
  const seen = (await t.call("GET", `/api/v1/alerts/${latency.id}`, { as: s.owner })).body.data;
  assert.equal(slow?.status, "firing", `last error: ${seen.last_error}`);
  assert.match(slow?.title ?? "", /^web: p95 latency \d+(\.\d+)? ms$/);
  const [fail] = await incidents(s.owner, failing.id);
  assert.equal(fail?.title, "web: 25% of requests failing");
  assert.equal((await incidents(s.owner, calm.id)).length, 0, "the median is fast");
});

test("downtime fires after N failed checks in a row, is inhibited while its server is offline, and recovers", async () => {
  const s = await setup("downtime@example.com");
  await t.deps.db.update(servers).set({ status: "online" }).where(sql`${servers.id} = ${s.serverId}`);
  const rule = await s.post("/api/v1/alerts", {
    name: "Down",
    type: "downtime",
    project_id: s.projectId,
    channel_ids: [s.slack.id],
    condition: { consecutive_failures: 3 },
  });
  const check = async (healthy: boolean) => {
    t.advanceClock(10_000);
    await t.deps.db.insert(healthChecks).values({
      serviceId: s.serviceId,
      isHealthy: healthy,
      responseTimeMs: healthy ? 12 : 5000,
      errorMessage: healthy ? null : "connect ECONNREFUSED 127.0.0.1:8080",
      checkedAt: t.deps.now(),
    });
  };
  for (const h of [true, false, false]) await check(h);
  t.advanceClock(60_000);
  await tick();
  assert.equal((await incidents(s.owner, rule.id)).length, 0, "two failures are not three");
  await check(false);
  await t.deps.db.update(servers).set({ status: "offline" }).where(sql`${servers.id} = ${s.serverId}`);
  t.advanceClock(60_000);
  await tick();
  assert.equal((await incidents(s.owner, rule.id)).length, 0, "inhibited: its server is offline");
  await t.deps.db.update(servers).set({ status: "online" }).where(sql`${servers.id} = ${s.serverId}`);
  t.advanceClock(60_000);
  await tick();
  const [down] = await incidents(s.owner, rule.id);
  assert.equal(down?.status, "firing");
  assert.equal(down?.title, "web is down");
  await check(true);
  t.advanceClock(60_000);
  await tick();
  assert.equal((await incidents(s.owner, rule.id))[0]?.status, "resolved");
  assert.deepEqual(slackMessages(s.slackPath), ["FIRING: web is down", "RESOLVED: web is down"]);
  const uptime = (await t.call("GET", `/api/v1/services/${s.serviceId}/uptime`, { as: s.owner })).body.data;
  assert.equal(uptime.uptime["24h"], 40, "2 of 5 checks passed");
  assert.equal(uptime.consecutive_failures, 0);
  assert.equal(uptime.latest.is_healthy, true);
});

test("server-metric rules read the servers' host metrics the heartbeats stored in the telemetry store", async () => {
  const s = await setup("host-metrics@example.com");
  const server = { id: s.serverId, orgId: s.orgId };
  const now = t.deps.now().getTime();
  // Memory 90% then 80% used (avg 85), disk 25% used: written the way the hub stores a taken heartbeat.
  for (const [ago, used] of [
    [60_000, 7200],
    [30_000, 6400],
  ] as const) {
    const beat = heartbeatPayload({ resources: { memory_used_mb: used, memory_available_mb: 8000 - used } });
    await storeHeartbeatMetrics(t.deps, server, beat, new Date(now - ago));
  }
  const rule = (metric: string, threshold: number) =>
    s.post("/api/v1/alerts", {
      name: `Host ${metric}`,
      type: "custom",
      project_id: s.projectId,
      channel_ids: [s.slack.id],
      condition: { source: "server_metric", metric, aggregation: "avg", window_seconds: 300, threshold },
    });
  const memory = await rule("memory_used_percent", 80);
  const disk = await rule("disk_used_percent", 50);
  await tick();
  const [fired] = await incidents(s.owner, memory.id);
  const seen = (await t.call("GET", `/api/v1/alerts/${memory.id}`, { as: s.owner })).body.data;
  assert.equal(fired?.status, "firing", `last error: ${seen.last_error}`);
  assert.match(fired?.title ?? "", /: avg\(memory_used_percent\) = 85$/);
  assert.equal((await incidents(s.owner, disk.id)).length, 0, "the disk is a quarter full");
  // Outside the window the samples no longer count: the incident resolves.
  t.advanceClock(600_000);
  await tick();
  assert.equal((await incidents(s.owner, memory.id))[0]?.status, "resolved");
});
