// The `anomaly` alert type through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL) and the
// real telemetry store (chDB): eight days of spans per service, the AI engine's detector judging each service's
// signal against its own baseline, incidents through the ordinary evaluation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { redHistory as history } from "../../ai/testing/series";
import { serviceOfNewOrg } from "../../testing/error-fixtures";
import { imageServiceBody } from "../../testing/fixtures";
import { createTestApp, type TestApp } from "../../testing/harness";
import { evaluateDueRules } from "./evaluator";

let t: TestApp;
before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
});
after(() => t.close());

const STEP = 300_000;
const DAY = 86_400_000;

test("an anomaly rule fires for the service whose error rate leaves its baseline; steady and learning ones stay quiet", async () => {
  const org = await serviceOfNewOrg(t, "anomaly-owner@example.com");
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  const steady = (
    await call("POST", `/api/v1/projects/${org.projectId}/services`, imageServiceBody("steady", org.serverId))
  ).id;
  const fresh = (
    await call("POST", `/api/v1/projects/${org.projectId}/services`, imageServiceBody("fresh", org.serverId))
  ).id;
  // The clock to the middle of the third 5-minute step after midnight UTC: the spike and the chart's two hours then
  // span midnight, whose earlier side must still have its baseline (it read as learning once); and the evaluation
  // below must judge the same last step the history was written up to, not one a step boundary crossed meanwhile.
  t.advanceClock(DAY - (t.deps.now().getTime() % DAY) + 2 * STEP + STEP / 2);
  const now = t.deps.now().getTime();
  const lastStep = Math.floor(now / STEP) * STEP;
  const owner = (serviceId: string) => ({
    org_id: org.orgId,
    service_id: serviceId,
    deployment_id: crypto.randomUUID(),
  });
  await t.deps.telemetry.insert({
    spans: [
      // The last 25 minutes of `web` fail 60% of requests: sustained over the detector's 3-of-4 steps.
      // Ten days: the baseline's seven whole days and the trend's day before them precede yesterday.
      ...history(owner(org.serviceId), 10, now, lastStep - 5 * STEP),
      ...history(owner(steady), 10, now),
      // One day of history, the same spike: still learning, so it must not fire.
      ...history(owner(fresh), 1, now, lastStep - 5 * STEP),
    ],
    logs: [],
    metrics: [],
  });

  const rule = await call("POST", "/api/v1/alerts", {
    name: "Unusual errors",
    type: "anomaly",
    project_id: org.projectId,
    severity: "warning",
    interval_seconds: 60,
    condition: { signal: "error_rate" },
  });
  await evaluateDueRules(t.deps);
  const incidents = await call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`);
  assert.deepEqual(
    incidents.map((i: { labels: { service_id: string } }) => i.labels.service_id),
    [org.serviceId],
    "only the service whose error rate left its baseline",
  );
  const [incident] = incidents;
  assert.equal(incident.title, "web: error rate anomaly");
  assert.equal(incident.value, 0.6);
  assert.match(incident.message, /error rate 60\.0%, expected 2\.0% \(normal 1\.\d% to 2\.\d%\)/);
  assert.equal(incident.details.state, "anomaly");

  // The chart's view of the same: the band, the states, the anomaly as a time range.
  const band = await call("GET", `/api/v1/ai/anomalies/${org.serviceId}?signal=error_rate&hours=2`);
  assert.equal(band.points.length, 24);
  assert.equal(band.state, "anomaly");
  const last = band.points.at(-1);
  assert.equal(last.value, 0.6);
  assert.ok(Math.abs(last.expected - 0.02) < 1e-9 && last.upper < 0.03, JSON.stringify(last));
  assert.equal(band.points[0].state, "normal");
  assert.equal(band.anomalies.length, 1);
  // Flagged from the third failing step (3 of 4 sustained) to the end of the last one.
  assert.equal(Date.parse(band.anomalies[0].from), lastStep - 3 * STEP);
  assert.equal(Date.parse(band.anomalies[0].to), lastStep);
  const learning = await call("GET", `/api/v1/ai/anomalies/${fresh}?signal=error_rate`);
  assert.equal(learning.state, "learning");
  assert.ok(learning.points.every((p: { expected: number | null }) => p.expected === null));
  const stranger = await t.signup("anomaly-stranger@example.com", { orgName: "Other" });
  const hidden = await t.call("GET", `/api/v1/ai/anomalies/${org.serviceId}`, { as: { cookie: stranger.cookie } });
  assert.equal(hidden.status, 404);
  const bad = await t.call("GET", `/api/v1/ai/anomalies/${org.serviceId}?signal=disk`, { as: org.owner });
  assert.equal(bad.body.error.code, "VALIDATION_ERROR");

  // The same signal with direction "down" ignores a rise.
  const down = await call("POST", "/api/v1/alerts", {
    name: "Errors dropped",
    type: "anomaly",
    service_id: org.serviceId,
    interval_seconds: 60,
    condition: { signal: "error_rate", direction: "down" },
  });
  await evaluateDueRules(t.deps);
  assert.deepEqual(await call("GET", `/api/v1/alert-incidents?alert_id=${down.id}`), []);
  const rules = await call("GET", "/api/v1/alerts");
  const downRule = rules.find((r: { id: string }) => r.id === down.id);
  assert.equal(downRule.last_error ?? null, null, "evaluated without error");
  assert.ok(downRule.last_evaluated_at, "and evaluated");
});
