// Anomaly explanations through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL) and the real
// telemetry store (chDB, or a ClickHouse server with TEST_CLICKHOUSE_URL): three services with the same error spike,
// one after a deploy, one with a new issue, one with neither; another organization's rows under the same service id.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AIAnomalyBand } from "@syntra/contracts";
import { ingestErrorEvents } from "../../issues/ingest";
import { errorEventFixture, liveDeployment, serviceOfNewOrg } from "../../testing/error-fixtures";
import { imageServiceBody } from "../../testing/fixtures";
import { createTestApp, type TestApp } from "../../testing/harness";
import { spanRow } from "../../testing/telemetry-rows";
import { redHistory } from "../testing/series";

let t: TestApp;
before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true", SYNTRA_AI: "off" });
});
after(() => t.close());

const STEP = 300_000;
const MIN = 60_000;

test("each anomaly names the deploy, or the new issue, before it, with traces of its window and nothing of another org", async () => {
  const org = await serviceOfNewOrg(t, "explain-owner@example.com");
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  const newService = async (name: string) =>
    (await call("POST", `/api/v1/projects/${org.projectId}/services`, imageServiceBody(name, org.serverId))).id;
  const web = org.serviceId;
  const api = await newService("api");
  const calm = await newService("calm");
  // The clock to the middle of a 5-minute step, so the judged last step is the one the history was written up to.
  t.advanceClock(STEP - (t.deps.now().getTime() % STEP) + STEP / 2);
  const now = t.deps.now().getTime();
  const lastStep = Math.floor(now / STEP) * STEP;
  const spikeFrom = lastStep - 5 * STEP;
  // The detector flags from the third failing step on (3 of 4 sustained): the anomaly starts here.
  const anomalyFrom = lastStep - 3 * STEP;
  const owner = (serviceId: string, orgId = org.orgId) => ({
    org_id: orgId,
    service_id: serviceId,
    deployment_id: crypto.randomUUID(),
  });
  const slow = spanRow(owner(web), new Date(spanFrom(spikeFrom) + 60_000), 950, { operation_name: "GET /api/slow" });

  // Another organization: its own service with a deploy and an issue in the same minutes, and spans stamped with
  // `web`'s service id under its own organization, slower than anything of `web`.
  const stranger = await serviceOfNewOrg(t, "explain-stranger@example.com");
  await liveDeployment(t.deps, stranger.serviceId, {
    createdAt: new Date(anomalyFrom - 6 * MIN),
    liveAt: new Date(anomalyFrom - 5 * MIN),
    sha: "deadbeefcafe",
    message: "stranger: secret change",
  });
  const forged = spanRow(owner(web, stranger.orgId), new Date(spikeFrom + 90_000), 5000, {
    operation_name: "GET /stranger",
    status: { code: "error" },
  });
  await t.deps.telemetry.insert({
    spans: [
      ...redHistory(owner(web), 9, now, spikeFrom),
      ...redHistory(owner(api), 9, now, spikeFrom),
      ...redHistory(owner(calm), 9, now, spikeFrom),
      slow,
      forged,
    ],
    logs: [],
    metrics: [],
  });

  // web: deployed 12 minutes before the anomaly started; an older deploy 2 hours before is out of the window.
  await liveDeployment(t.deps, web, {
    createdAt: new Date(anomalyFrom - 2 * 3_600_000 - MIN),
    liveAt: new Date(anomalyFrom - 2 * 3_600_000),
    sha: "1111111aaaa",
    message: "old change",
  });
  const deploy = await liveDeployment(t.deps, web, {
    createdAt: new Date(anomalyFrom - 13 * MIN),
    liveAt: new Date(anomalyFrom - 12 * MIN),
    sha: "abc1234def567",
    message: "orders: cache customers\n\nA longer body.",
  });

  // api: an old issue that goes on happening, and a new one with three events in the window.
  const event = (serviceId: string, at: number, fingerprint: string, message: string) =>
    errorEventFixture(serviceId, { timestamp: new Date(at).toISOString(), fingerprint: [fingerprint], message });
  await ingestErrorEvents(t.deps, { serviceId: api }, [event(api, now - 2 * 86_400_000, "old", "ECONNRESET old one")]);
  await ingestErrorEvents(t.deps, { serviceId: api }, [event(api, lastStep - 2 * STEP, "old", "ECONNRESET old one")]);
  const fresh = await ingestErrorEvents(t.deps, { serviceId: api }, [
    event(api, spikeFrom + 30_000, "pool", "pool exhausted"),
    event(api, spikeFrom + STEP, "pool", "pool exhausted"),
    event(api, anomalyFrom + 30_000, "pool", "pool exhausted"),
  ]);
  const newIssue = fresh.issues[0]?.id;
  assert.ok(newIssue);
  await ingestErrorEvents(t.deps, { serviceId: stranger.serviceId }, [
    event(stranger.serviceId, spikeFrom + 60_000, "stranger", "stranger's error"),
  ]);

  const explained = async (serviceId: string) => {
    const band: AIAnomalyBand = await call("GET", `/api/v1/ai/anomalies/${serviceId}?signal=error_rate&hours=2`);
    assert.equal(band.anomalies.length, 1, JSON.stringify(band.anomalies));
    const [anomaly] = band.anomalies;
    assert.equal(Date.parse(anomaly?.from ?? ""), anomalyFrom);
    assert.ok(anomaly?.explanation, "explained");
    return anomaly.explanation;
  };

  const w = await explained(web);
  assert.deepEqual(
    w.deployments.map((d) => [d.id, d.commit_sha, d.minutes_before_start]),
    [[deploy, "abc1234def567", 12]],
    "only the deploy of the hour before",
  );
  assert.equal(
    w.summary,
    `Started 12 min after deploy ${deploy.slice(0, 8)} (commit abc1234 "orders: cache customers").`,
  );
  assert.deepEqual(w.issues, []);
  // The slowest trace of the window first, then failing ones; never the other organization's.
  assert.equal(w.traces[0]?.trace_id, slow.trace_id);
  assert.equal(w.traces[0]?.root_operation, "GET /api/slow");
  assert.equal(w.traces[0]?.duration_ms, 950);
  assert.ok(
    w.traces.some((x) => x.status === "error"),
    JSON.stringify(w.traces),
  );
  assert.ok(w.traces.length <= 6);
  for (const x of w.traces) {
    assert.ok(Date.parse(x.start_time) >= anomalyFrom - 30 * MIN, "inside the window");
    assert.notEqual(x.trace_id, forged.trace_id);
    assert.notEqual(x.root_operation, "GET /stranger");
  }

  const a = await explained(api);
  assert.deepEqual(a.deployments, []);
  assert.deepEqual(
    a.issues.map((i) => [i.id, i.kind, i.events_in_window, i.title]),
    [[newIssue, "new", 3, "TypeError: pool exhausted"]],
    "the new issue with its events in the window; the ongoing old one is not news",
  );
  assert.equal(
    a.summary,
    `New issue "TypeError: pool exhausted" (3 events in the window) appeared with it; no deploy in the hour before.`,
  );

  // A chart asks for the ranges only.
  const bare: AIAnomalyBand = await call("GET", `/api/v1/ai/anomalies/${web}?signal=error_rate&hours=2&explain=false`);
  assert.deepEqual(
    bare.anomalies.map((x) => x.explanation),
    [null],
  );

  const c = await explained(calm);
  assert.equal(c.summary, "No deploy or new error in the window.");
  assert.deepEqual([c.deployments, c.issues], [[], []]);
  assert.ok(c.traces.length > 0);

  // Nothing of the other organization anywhere in the answers.
  const text = JSON.stringify([w, a, c]);
  for (const leak of ["deadbeef", "stranger", forged.trace_id]) assert.ok(!text.includes(leak), leak);
});

/** The start of the step a time falls in. */
function spanFrom(at: number): number {
  return Math.floor(at / STEP) * STEP;
}
