// CPU and memory as anomaly signals, through the real control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL)
// and the real telemetry store (chDB, or a ClickHouse server): nine days of container metrics as the heartbeats
// record them (two replicas, label container.id), one replica spinning and leaking for the last 25 minutes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CONTAINER_METRICS } from "@syntra/contracts";
import { evaluateDueRules } from "../../alerts/evaluate/evaluator";
import type { MetricRow } from "../../telemetry/store/types";
import { serviceOfNewOrg } from "../../testing/error-fixtures";
import { createTestApp, type TestApp } from "../../testing/harness";
import { metricRow } from "../../testing/telemetry-rows";

let t: TestApp;
before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
});
after(() => t.close());

const STEP = 300_000;
const DAY = 86_400_000;
const MIB = 1024 * 1024;

test("CPU and memory of the busiest container are judged against their baseline: a spinning, leaking replica is an anomaly", async () => {
  const org = await serviceOfNewOrg(t, "container-anomaly@example.com");
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.call(method, url, { as: org.owner, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data;
  };
  // The clock to the middle of a 5-minute step, so the judged last step is the one the history was written up to.
  t.advanceClock(STEP - (t.deps.now().getTime() % STEP) + STEP / 2);
  const now = t.deps.now().getTime();
  const lastStep = Math.floor(now / STEP) * STEP;
  const spikeFrom = lastStep - 5 * STEP;
  const owner = { org_id: org.orgId, service_id: org.serviceId, deployment_id: crypto.randomUUID() };
  const rows: MetricRow[] = [];
  const start = Math.floor(now / DAY) * DAY - 8 * DAY;
  for (let at = start, i = 0; at + STEP <= now; at += STEP, i++) {
    // Two samples per step and container (heartbeats), a daily swing and a small wobble so the band is not flat.
    const daily = Math.sin((2 * Math.PI * (at % DAY)) / DAY);
    for (const [container, share] of [
      ["aaaaaaaaaaaa", 1],
      ["bbbbbbbbbbbb", 0.8],
    ] as const) {
      const spiking = container === "bbbbbbbbbbbb" && at >= spikeFrom;
      const cpu = spiking ? 85 : share * (20 + 4 * daily + (i % 3));
      const memory = spiking ? 700 * MIB : share * (200 + (i % 4)) * MIB;
      for (const offset of [1000, 151_000]) {
        const labels = { "container.id": container };
        rows.push(metricRow(owner, new Date(at + offset), CONTAINER_METRICS.cpu, cpu, { labels }));
        rows.push(metricRow(owner, new Date(at + offset), CONTAINER_METRICS.memory, memory, { labels }));
      }
    }
  }
  await t.deps.telemetry.insert({ spans: [], logs: [], metrics: rows });

  const cpu = await call("GET", `/api/v1/ai/anomalies/${org.serviceId}?signal=cpu&hours=2`);
  assert.equal(cpu.signal, "cpu");
  assert.equal(cpu.points.length, 24);
  assert.equal(cpu.state, "anomaly");
  // Before the spike, the step's value is the busier container's (a, share 1), not the sum of both.
  const before = cpu.points.find((p: { timestamp: string }) => Date.parse(p.timestamp) === spikeFrom - STEP);
  const daily = Math.sin((2 * Math.PI * ((spikeFrom - STEP) % DAY)) / DAY);
  const i = (spikeFrom - STEP - start) / STEP;
  assert.ok(Math.abs(before.value - (20 + 4 * daily + (i % 3))) < 1e-6, JSON.stringify(before));
  assert.equal(before.state, "normal");
  assert.equal(cpu.points.at(-1).value, 85);
  assert.ok(cpu.points.at(-1).upper < 40, JSON.stringify(cpu.points.at(-1)));
  assert.equal(cpu.anomalies.length, 1);
  assert.equal(Date.parse(cpu.anomalies[0].from), lastStep - 3 * STEP);

  const memory = await call("GET", `/api/v1/ai/anomalies/${org.serviceId}?signal=memory&hours=2`);
  assert.equal(memory.state, "anomaly");
  assert.equal(memory.points.at(-1).value, 700 * MIB);
  assert.ok(memory.points.at(-1).expected > 195 * MIB && memory.points.at(-1).expected < 210 * MIB);

  // The alert rule takes the new signals too.
  const rule = await call("POST", "/api/v1/alerts", {
    name: "Memory leak",
    type: "anomaly",
    service_id: org.serviceId,
    interval_seconds: 60,
    condition: { signal: "memory" },
  });
  await evaluateDueRules(t.deps);
  const [incident, ...more] = await call("GET", `/api/v1/alert-incidents?alert_id=${rule.id}`);
  assert.equal(more.length, 0);
  assert.equal(incident.title, "web: memory anomaly");
  assert.match(incident.message, /memory 700 MiB, expected 20\d MiB/);
});
