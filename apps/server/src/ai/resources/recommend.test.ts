// The resource recommender through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL) and the
// real telemetry store (chDB, or a ClickHouse server): a week of two containers' CPU and memory as the heartbeats
// record them, with a known p95 and peak, an OOM kill stored as the hub stores an agent's alert; the suggestions,
// the numbers behind them, and applying them through the ordinary service update.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { storeAgentAlert } from "../../alerts/agent-alerts";
import { serviceOfNewOrg } from "../../testing/error-fixtures";
import { imageServiceBody } from "../../testing/fixtures";
import { createTestApp, type TestApp } from "../../testing/harness";
import { containerWeek as week } from "../testing/series";

let t: TestApp;
before(async () => {
  // AI off: the recommender asks no provider (rule-based, like the anomaly detector), so it answers all the same.
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true", SYNTRA_AI: "off" });
});
after(() => t.close());

const STEP = 300_000;
const HOUR = 3_600_000;
const MIB = 1024 * 1024;

test("a week of container CPU and memory with an OOM kill: limits and replicas suggested with their numbers, applied by a service update", async () => {
  const org = await serviceOfNewOrg(t, "rightsize-owner@example.com");
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  await call("PATCH", `/api/v1/services/${org.serviceId}`, { cpu_limit: "2", memory_limit: "512m", replicas: 3 });
  // Mid-step, so the week's last step is complete whatever the clock says.
  t.advanceClock(STEP - (t.deps.now().getTime() % STEP) + STEP / 2);
  const now = t.deps.now().getTime();
  const owner = { org_id: org.orgId, service_id: org.serviceId, deployment_id: crypto.randomUUID() };
  await t.deps.telemetry.insert({ spans: [], logs: [], metrics: week(owner, now, 6.5 * 24) });
  const oom = (id: string, at: number, metadata: Record<string, unknown>) =>
    storeAgentAlert(
      t.deps.db,
      org.serverId,
      {
        alert_id: id,
        service_id: org.serviceId,
        server_id: org.serverId,
        type: "container_crash",
        severity: "critical",
        title: "web crashed",
        message: "Container exited with code 137 (OOM killed)",
        timestamp: new Date(at).toISOString(),
        metadata,
      },
      new Date(at),
    );
  await oom("oom-1", now - 30 * HOUR, { exit_code: 137, oom_killed: true });
  // Not counted: older than the week, and a crash that was not the kernel's.
  await oom("oom-old", now - 8 * 24 * HOUR, { exit_code: 137, oom_killed: true });
  await oom("crash", now - 2 * HOUR, { exit_code: 1, oom_killed: false });

  const answer = await call("GET", `/api/v1/ai/recommendations/${org.serviceId}`);
  assert.equal(answer.state, "ready");
  assert.equal(answer.observed_hours, 156);
  assert.deepEqual(answer.current, { cpu_limit: "2", memory_limit: "512m", replicas: 3 });
  const usage = answer.usage;
  assert.equal(usage.containers, 2);
  assert.deepEqual(usage.cpu_cores, { p95: 0.3, peak: 0.6 });
  assert.deepEqual(usage.memory_bytes, { p95: 200 * MIB, peak: 400 * MIB });
  // Both containers together: 0.6 cores at p95, 1.0 on the busy steps.
  assert.deepEqual(usage.total_cpu_cores, { p95: 0.6, peak: 1 });
  assert.equal(usage.oom_kills, 1);
  assert.equal(usage.throttling.measured, false);
  assert.equal(usage.throttling.steps_at_cpu_limit, 0);

  const byField = (field: string) =>
    answer.recommendations.find((r: { suggested: Record<string, unknown> }) => field in r.suggested);
  const cpu = byField("cpu_limit");
  // max(1.5 × 0.3, 0.6) = 0.6 cores; the limit of 2 is more than 1.5 × that.
  assert.equal(cpu.kind, "rightsizing");
  assert.deepEqual(cpu.suggested, { cpu_limit: "0.6" });
  assert.deepEqual(cpu.current, { cpu_limit: "2" });
  assert.equal(cpu.basis.p95, 0.3);
  assert.equal(cpu.basis.peak, 0.6);
  assert.equal(cpu.basis.current_limit, "2");
  assert.match(cpu.title, /Lower the CPU limit from 2 to 0\.6/);
  const memory = byField("memory_limit");
  // max(1.25 × 400, 1.5 × 200) = 500 MiB → 512m, but after an OOM kill at least 1.5 × 512 MiB = 768m.
  assert.equal(memory.kind, "reliability");
  assert.deepEqual(memory.suggested, { memory_limit: "768m" });
  assert.match(memory.basis.rule, /after an OOM kill at least 1\.5 × the current limit/);
  assert.match(memory.description, /1 OOM kill/);
  const replicas = byField("replicas");
  // 0.6 cores of p95 total fit one replica at 70% of 2 cores; a service of 3 keeps 2.
  assert.equal(replicas.kind, "cost");
  assert.deepEqual(replicas.suggested, { replicas: 2 });
  assert.equal(replicas.basis.p95, 0.6);
  assert.equal(answer.recommendations.length, 3);
  assert.match(answer.explanation, /156 hours of CPU and memory of 2 containers .* 1 OOM kill/);

  // One click: the suggestions as the service update they name.
  const viewer = await t.member(org.owner, "rightsize-viewer@example.com", "viewer");
  const seen = await t.call("GET", `/api/v1/ai/recommendations/${org.serviceId}`, { as: { cookie: viewer.cookie } });
  assert.equal(seen.status, 200, "viewers may read the suggestions");
  const denied = await t.call("PATCH", `/api/v1/services/${org.serviceId}`, {
    as: { cookie: viewer.cookie },
    body: cpu.suggested,
  });
  assert.equal(denied.status, 403, "but applying one is a service update");
  for (const r of answer.recommendations) await call("PATCH", `/api/v1/services/${org.serviceId}`, r.suggested);
  const service = await call("GET", `/api/v1/services/${org.serviceId}`);
  assert.deepEqual([service.cpu_limit, service.memory_limit, service.replicas], ["0.6", "768m", 2]);
  const log = await call("GET", `/api/v1/audit-logs?resource_id=${org.serviceId}`);
  assert.equal(log.filter((e: { action: string }) => e.action === "service.update").length, 4);

  // After the change the same week reads differently: the new limits fit, 2 replicas stay.
  const again = await call("GET", `/api/v1/ai/recommendations/${org.serviceId}`);
  assert.deepEqual(
    again.recommendations.map((r: { suggested: unknown }) => r.suggested),
    [],
    JSON.stringify(again.recommendations),
  );
  assert.match(again.explanation, /The CPU limit 0\.6 fits/);

  const stranger = await t.signup("rightsize-stranger@example.com", { orgName: "Other" });
  const hidden = await t.call("GET", `/api/v1/ai/recommendations/${org.serviceId}`, {
    as: { cookie: stranger.cookie },
  });
  assert.equal(hidden.status, 404);
});

test("less than a day of history: not enough data, no suggestions; a service without limits is told to set them", async () => {
  const org = await serviceOfNewOrg(t, "rightsize-young@example.com");
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  const empty = await call("GET", `/api/v1/ai/recommendations/${org.serviceId}`);
  assert.equal(empty.state, "not_enough_data");
  assert.equal(empty.observed_hours, 0);
  assert.equal(empty.usage.cpu_cores, null);
  assert.deepEqual(empty.recommendations, []);

  t.advanceClock(STEP - (t.deps.now().getTime() % STEP) + STEP / 2);
  const now = t.deps.now().getTime();
  const owner = { org_id: org.orgId, service_id: org.serviceId, deployment_id: crypto.randomUUID() };
  await t.deps.telemetry.insert({ spans: [], logs: [], metrics: week(owner, now, 10) });
  const young = await call("GET", `/api/v1/ai/recommendations/${org.serviceId}`);
  assert.equal(young.state, "not_enough_data");
  assert.equal(young.observed_hours, 10);
  assert.equal(young.needed_hours, 24);
  assert.deepEqual(young.recommendations, []);
  assert.match(young.explanation, /Not enough data yet: 10 hours/);

  // A day and more, no limits at all (the fixture's service has none): set them.
  const other = (
    await call("POST", `/api/v1/projects/${org.projectId}/services`, imageServiceBody("worker", org.serverId))
  ).id;
  await t.deps.telemetry.insert({
    spans: [],
    logs: [],
    metrics: week({ ...owner, service_id: other }, now, 30),
  });
  const unlimited = await call("GET", `/api/v1/ai/recommendations/${other}`);
  assert.equal(unlimited.state, "ready");
  assert.deepEqual(
    unlimited.recommendations.map((r: { kind: string; suggested: unknown }) => [r.kind, r.suggested]),
    [
      ["reliability", { cpu_limit: "0.6" }],
      ["reliability", { memory_limit: "512m" }],
    ],
  );
  assert.equal(unlimited.usage.throttling.steps_at_cpu_limit, null);
  assert.match(unlimited.explanation, /Replicas are judged against the CPU limit: set one first/);

  // Limits too tight for the same usage: raise both, and run more replicas.
  const tight = (
    await call("POST", `/api/v1/projects/${org.projectId}/services`, {
      ...imageServiceBody("tight", org.serverId),
      cpu_limit: "0.3",
      memory_limit: "256m",
    })
  ).id;
  await t.deps.telemetry.insert({ spans: [], logs: [], metrics: week({ ...owner, service_id: tight }, now, 30) });
  const squeezed = await call("GET", `/api/v1/ai/recommendations/${tight}`);
  assert.deepEqual(
    squeezed.recommendations.map((r: { kind: string; suggested: unknown }) => [r.kind, r.suggested]),
    [
      ["reliability", { cpu_limit: "0.6" }],
      // 1.25 × the 400 MiB peak = 500 MiB, rounded up to 512 MiB.
      ["reliability", { memory_limit: "512m" }],
      // 0.6 cores of p95 total at 70% of 0.3-core replicas: 3.
      ["scaling", { replicas: 3 }],
    ],
  );
  assert.match(squeezed.recommendations[1].description, /The peak comes too close to the limit/);
  // Every step's sample of both containers reached 95% of 0.3 cores (30 hours × 12 steps × 2 containers).
  assert.equal(squeezed.usage.throttling.steps_at_cpu_limit, 720);
});
