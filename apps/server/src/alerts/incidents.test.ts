import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { sql } from "drizzle-orm";
import { deployments, healthChecks } from "../db/schema";
import { ingestErrorEvents } from "../issues/ingest";
import { AgentPeer } from "../testing/agent-peer";
import { errorEventFixture, serviceOfNewOrg } from "../testing/error-fixtures";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { sendDueDeliveries } from "./deliveries";
import { evaluateDueRules } from "./evaluate/evaluator";
import { type ChannelStandIns, startChannelStandIns } from "./testing/channel-stand-ins";
import { startAlertWorker } from "./worker";

let t: TestApp;
let standIns: ChannelStandIns;

before(async () => {
  standIns = await startChannelStandIns();
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
});
after(async () => {
  await t.close();
  await standIns.close();
});

async function tick(): Promise<void> {
  await evaluateDueRules(t.deps);
  while ((await sendDueDeliveries(t.deps)) > 0) {
    // drain
  }
}

/** A deployment of the service that failed its health check just now, as the deploy flow stores one. */
const storeFailedDeployment = (serviceId: string) =>
  t.deps.db.insert(deployments).values({
    serviceId,
    status: "failed",
    errorMessage: "health check failed: connection refused",
    finishedAt: t.deps.now(),
    createdAt: t.deps.now(),
  });

async function setup(email: string) {
  const org = await serviceOfNewOrg(t, email);
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  const slackPath = `/slack/services/${org.orgId}`;
  const slack = await call("POST", "/api/v1/alert-channels", {
    name: "ops",
    type: "slack",
    config: { webhook_url: `${standIns.url}${slackPath}` },
  });
  const slackTexts = () =>
    standIns
      .accepted("slack")
      .filter((r) => r.path === slackPath)
      .map((r) => String(r.body.text).split("\n")[0]);
  /** A new server of the org and an image service on it: the targets of event rules. */
  const serviceOnNewServer = async (serverName: string, serviceName: string) => {
    const server = await call("POST", "/api/v1/servers", { name: serverName });
    const service = await call(
      "POST",
      `/api/v1/projects/${org.projectId}/services`,
      imageServiceBody(serviceName, server.server_id),
    );
    return { server, service };
  };
  return { ...org, call, slack, slackTexts, serviceOnNewServer };
}

test("acknowledging stops reminders; PagerDuty hears trigger, acknowledge and resolve under the incident's dedup key", async () => {
  const s = await setup("ack@example.com");
  const pd = await s.call("POST", "/api/v1/alert-channels", {
    name: "pager",
    type: "pagerduty",
    config: { routing_key: "0123456789abcdef0123456789ABCDEF", events_url: standIns.pagerDutyUrl },
  });
  const rule = await s.call("POST", "/api/v1/alerts", {
    name: "Errors",
    type: "error_rate",
    service_id: s.serviceId,
    severity: "critical",
    repeat_interval_seconds: 300,
    interval_seconds: 60,
    channel_ids: [s.slack.id, pd.id],
    condition: { window_seconds: 3600, threshold: 0 },
  });
  await ingestErrorEvents(t.deps, { serviceId: s.serviceId }, [
    errorEventFixture(s.serviceId, { timestamp: t.deps.now().toISOString() }),
  ]);
  await tick();
  const [incident] = await s.call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`);
  assert.equal(incident.status, "firing");
  const acked = await s.call("POST", `/api/v1/alert-incidents/${incident.id}/acknowledge`);
  assert.equal(acked.status, "acknowledged");
  assert.equal(acked.acknowledged_by, s.userId);
  const again = await t.call("POST", `/api/v1/alert-incidents/${incident.id}/acknowledge`, { as: s.owner });
  assert.equal(again.status, 409);
  await tick();
  t.advanceClock(600_000);
  await tick();
  assert.deepEqual(
    s.slackTexts(),
    ["FIRING: web: 1 errors in 1 h", "ACKNOWLEDGED: web: 1 errors in 1 h"],
    "no reminder once acknowledged",
  );
  const resolved = await s.call("POST", `/api/v1/alert-incidents/${incident.id}/resolve`);
  assert.equal(resolved.resolved_by, s.userId);
  await tick();
  const events = standIns.accepted("pagerduty").filter((r) => r.body.dedup_key === incident.id);
  assert.deepEqual(
    events.map((e) => e.body.event_action),
    ["trigger", "acknowledge", "resolve"],
  );
  assert.equal(events[0]?.body.payload.severity, "critical");
  assert.equal(events[0]?.body.payload.source, "web");
  // Resolved by hand while the errors are still in the window: the next evaluation opens a new incident.
  t.advanceClock(60_000);
  await tick();
  const all = await s.call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`);
  assert.deepEqual(
    all.map((i: { status: string }) => i.status),
    ["firing", "resolved"],
  );
});

test("a silence records incidents without notifying; the owed notification goes out when it ends", async () => {
  const s = await setup("silence@example.com");
  const silence = await s.call("POST", "/api/v1/alert-silences", {
    service_id: s.serviceId,
    kind: "maintenance",
    comment: "database upgrade",
    ends_at: new Date(t.deps.now().getTime() + 600_000).toISOString(),
  });
  assert.equal(silence.active, true);
  const rule = await s.call("POST", "/api/v1/alerts", {
    name: "Errors",
    type: "error_rate",
    service_id: s.serviceId,
    interval_seconds: 60,
    channel_ids: [s.slack.id],
    condition: { window_seconds: 3600, threshold: 0 },
  });
  await ingestErrorEvents(t.deps, { serviceId: s.serviceId }, [
    errorEventFixture(s.serviceId, { timestamp: t.deps.now().toISOString() }),
  ]);
  await tick();
  const [incident] = await s.call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`);
  assert.equal(incident.status, "firing");
  assert.equal(incident.silenced, true);
  assert.equal(incident.notification_count, 0);
  t.advanceClock(660_000);
  await tick();
  assert.deepEqual(s.slackTexts(), ["FIRING: web: 1 errors in 1 h"], "sent once the maintenance window ended");
  const listed = await s.call("GET", "/api/v1/alert-silences?all=true");
  assert.equal(listed[0].active, false);
});

test("a silence naming another organization's service, or a rule or server that does not exist, is refused", async () => {
  const s = await setup("silence-targets@example.com");
  const other = await setup("silence-other@example.com");
  const endsAt = new Date(t.deps.now().getTime() + 600_000).toISOString();
  for (const [field, value] of [
    ["service_id", other.serviceId],
    ["project_id", other.projectId],
    ["alert_id", crypto.randomUUID()],
    ["server_id", crypto.randomUUID()],
  ] as const) {
    const res = await t.call("POST", "/api/v1/alert-silences", {
      as: s.owner,
      body: { kind: "silence", ends_at: endsAt, [field]: value },
    });
    assert.equal(res.status, 422, `${field}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.details[0].path, `body.${field}`);
  }
  assert.deepEqual(await s.call("GET", "/api/v1/alert-silences?all=true"), []);
});

test("event rules: a server going offline, a failed deployment, a new issue, an agent's disk alert", async () => {
  const s = await setup("events@example.com");
  const { server, service } = await s.serviceOnNewServer("edge-1", "api");
  const rule = await s.call("POST", "/api/v1/alerts", {
    name: "Events",
    type: "event",
    interval_seconds: 10,
    channel_ids: [s.slack.id],
    condition: { events: ["server_offline", "deployment_failed", "issue_new", "resource_critical"] },
  });
  const { peer } = await AgentPeer.online(await t.agentUrl(), server.token, server.server_id);
  peer.send("alert", {
    alert_id: "disk-1",
    server_id: server.server_id,
    type: "resource_critical",
    severity: "critical",
    title: "Disk almost full",
    message: "1 GB free of 50 GB",
    timestamp: new Date().toISOString(),
    metadata: {},
  });
  await peer.sync();
  await storeFailedDeployment(service.id);
  await ingestErrorEvents(t.deps, { serviceId: s.serviceId }, [
    errorEventFixture(s.serviceId, { timestamp: t.deps.now().toISOString() }),
  ]);
  await peer.close();
  await t.deps.db.execute(sql`UPDATE servers SET status = 'offline' WHERE id = ${server.server_id}`);
  await tick();
  const titles = (await s.call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`))
    .map((i: { title: string }) => i.title)
    .sort();
  assert.deepEqual(titles, [
    "Deployment of api failed",
    "New issue in web: TypeError: Cannot read properties of undefined (reading 'id')",
    "Server edge-1 is offline",
    "edge-1: Disk almost full",
  ]);
  // The agent alert stops repeating; the server is back: both resolve.
  await t.deps.db.execute(sql`UPDATE servers SET status = 'online' WHERE id = ${server.server_id}`);
  t.advanceClock(16 * 60_000);
  await tick();
  const open = await s.call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}&status=open`);
  assert.deepEqual(open.map((i: { title: string }) => i.title).sort(), [
    "Deployment of api failed",
    "New issue in web: TypeError: Cannot read properties of undefined (reading 'id')",
  ]);
});

test("the public status page shows a down service, its uptime bars and the incident posted from the alert", async () => {
  const s = await setup("status@example.com");
  const page = await s.call("POST", "/api/v1/status-pages", {
    slug: "acme-status",
    title: "Acme",
    description: "Our services",
    components: [{ name: "Storefront", service_id: s.serviceId }, { name: "Docs" }],
  });
  assert.equal(page.url, `${t.deps.config.publicUrl}/status/acme-status`);
  const taken = await t.call("POST", "/api/v1/status-pages", {
    as: s.owner,
    body: { slug: "acme-status", title: "x" },
  });
  assert.equal(taken.status, 409);
  // Its agent is connected (an offline server would inhibit the downtime alert).
  await t.deps.db.execute(sql`UPDATE servers SET status = 'online' WHERE id = ${s.serverId}`);
  const rule = await s.call("POST", "/api/v1/alerts", {
    name: "Down",
    type: "downtime",
    service_id: s.serviceId,
    condition: { consecutive_failures: 2 },
  });
  for (const healthy of [true, false, false]) {
    t.advanceClock(30_000);
    await t.deps.db.insert(healthChecks).values({
      serviceId: s.serviceId,
      isHealthy: healthy,
      responseTimeMs: 20,
      errorMessage: healthy ? null : "connect ECONNREFUSED 10.0.0.7:8080",
      checkedAt: t.deps.now(),
    });
  }
  await tick();
  const [incident] = await s.call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`);
  const posted = await s.call("POST", `/api/v1/status-pages/${page.id}/incidents`, {
    alert_incident_id: incident.id,
    impact: "major",
    message: "The storefront is not answering; we are on it.",
  });
  assert.equal(posted.title, "web is down");
  assert.deepEqual(posted.component_ids, [page.components[0].id]);

  const res = await t.app.inject({ method: "GET", url: "/status/acme-status" });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers["content-type"]), /text\/html/);
  assert.match(String(res.headers["cache-control"]), /public, max-age=30/);
  const html = res.body;
  assert.match(html, /data-state="major_outage"/);
  assert.match(html, /Major outage/);
  assert.match(html, /The storefront is not answering; we are on it\./);
  assert.match(html, /33\.333% uptime/, "1 of 3 checks passed");
  assert.equal((html.match(/<span style="background:/g) ?? []).length, 180, "90 days of bars for each component");
  for (const internal of [s.serviceId, "10.0.0.7", "ECONNREFUSED", incident.id, s.orgId]) {
    assert.ok(!html.includes(internal), `the public page leaks ${internal}`);
  }
  const cached = await t.app.inject({
    method: "GET",
    url: "/status/acme-status",
    headers: { "if-none-match": String(res.headers.etag) },
  });
  assert.equal(cached.statusCode, 304);
  assert.equal((await t.app.inject({ method: "GET", url: "/status/nope" })).statusCode, 404);
  await s.call("PATCH", `/api/v1/status-pages/${page.id}`, { is_public: false });
  assert.equal((await t.app.inject({ method: "GET", url: "/status/acme-status" })).statusCode, 404, "private now");
});

test("the alert worker evaluates a saved rule and sends what fired at once, not at its next poll", async () => {
  const s = await setup("worker@example.com");
  const { service } = await s.serviceOnNewServer("edge-w", "billing");
  // Polls an hour apart: what happens below happens because saving the rule woke the loops.
  const worker = startAlertWorker(t.deps, { evaluateEveryMs: 3_600_000, deliverEveryMs: 3_600_000 });
  t.deps.alerts = worker;
  try {
    const rule = await s.call("POST", "/api/v1/alerts", {
      name: "Deploys",
      type: "event",
      interval_seconds: 3600,
      channel_ids: [s.slack.id],
      condition: { events: ["deployment_failed"] },
    });
    await eventually(async () => (await s.call("GET", `/api/v1/alerts/${rule.id}`)).last_evaluated_at ?? undefined, {
      what: "the new rule's first evaluation",
    });
    await storeFailedDeployment(service.id);
    // Its next evaluation is an hour away: the change makes it due now.
    await s.call("PATCH", `/api/v1/alerts/${rule.id}`, { name: "Deploys of billing" });
    const sent = await eventually(() => s.slackTexts().find((text) => text?.includes("billing")), {
      what: "the failed deployment's notification",
    });
    assert.match(sent, /Deployment of billing failed/);
  } finally {
    await worker.stop();
    t.deps.alerts = null;
  }
});
