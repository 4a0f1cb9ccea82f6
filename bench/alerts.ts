// Alert evaluator benchmark: 1,000 rules (error rate on error events, failed-request % and p95 latency on spans in the
// telemetry store, downtime on health checks, events) over 100 services of 10 organizations, with data that makes a
// share of them fire. Each pass claims every due rule from the database queue, asks each store once per rule type and
// organization, and applies the results (incidents, pending groups, queued notifications). Prints rules evaluated
// per second (wall and per CPU-second of this process, chDB's threads included) for the first pass (incidents open)
// and the steady passes after it (incidents already open: the common case).
// Run: npm run bench:alerts   (BENCH_RULES, default 1000; BENCH_PASSES, default 5; DATABASE_URL-like
// TEST_DATABASE_URL for PostgreSQL instead of PGlite)
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { claimDueRules, evaluateRules } from "../apps/server/src/alerts/evaluate/evaluator";
import { healthChecks } from "../apps/server/src/db/schema";
import { ingestErrorEvents } from "../apps/server/src/issues/ingest";
import { errorEventFixture } from "../apps/server/src/testing/error-fixtures";
import { imageServiceBody } from "../apps/server/src/testing/fixtures";
import { createTestApp } from "../apps/server/src/testing/harness";
import { spanRow } from "../apps/server/src/testing/telemetry-rows";

const RULES = Number(process.env.BENCH_RULES ?? 1000);
const PASSES = Number(process.env.BENCH_PASSES ?? 5);
const ORGS = 10;
const SERVICES_PER_ORG = 10;

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true", SYNTRA_LOG_LEVEL: "warn" });
const services: Array<{ orgId: string; serviceId: string; projectId: string }> = [];
const setupStarted = performance.now();
for (let o = 0; o < ORGS; o++) {
  const { cookie, orgId } = await t.signup(`bench-${o}@example.com`, { orgName: `Org ${o}` });
  const must = async (url: string, body: unknown) => {
    const res = await t.call("POST", url, { as: { cookie }, body });
    if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const serverId = (await must("/api/v1/servers", { name: "s" })).server_id;
  await t.deps.db.execute(sql`UPDATE servers SET status = 'online' WHERE id = ${serverId}`);
  const projectId = (await must("/api/v1/projects", { name: "p" })).id;
  for (let s = 0; s < SERVICES_PER_ORG; s++) {
    const serviceId = (await must(`/api/v1/projects/${projectId}/services`, imageServiceBody(`svc-${s}`, serverId))).id;
    services.push({ orgId, serviceId, projectId });
  }
}

// Data: every other service has errors, slow and failing requests, failing health checks.
const now = t.deps.now();
for (const [i, s] of services.entries()) {
  const bad = i % 2 === 0;
  await ingestErrorEvents(
    t.deps,
    { serviceId: s.serviceId },
    Array.from({ length: bad ? 20 : 2 }, () => errorEventFixture(s.serviceId, { timestamp: now.toISOString() })),
  );
  const owner = { org_id: s.orgId, service_id: s.serviceId, deployment_id: randomUUID() };
  const spans = Array.from({ length: 200 }, (_, k) =>
    spanRow(owner, new Date(now.getTime() - 120_000 + k * 500), bad && k % 5 === 0 ? 1500 : 40, {
      status: { code: bad && k % 3 === 0 ? "error" : "ok" },
    }),
  );
  await t.deps.telemetry.insert({ spans, logs: [], metrics: [] });
  await t.deps.db.insert(healthChecks).values(
    Array.from({ length: 10 }, (_, k) => ({
      serviceId: s.serviceId,
      isHealthy: !(bad && k >= 5),
      responseTimeMs: 20,
      checkedAt: new Date(now.getTime() - (10 - k) * 10_000),
    })),
  );
}

const conditions = [
  { type: "error_rate", condition: { measure: "events", window_seconds: 300, threshold: 10 } },
  { type: "error_rate", condition: { measure: "failed_requests_percent", window_seconds: 300, threshold: 20 } },
  { type: "latency", condition: { percentile: "p95", window_seconds: 300, threshold_ms: 1000 } },
  { type: "downtime", condition: { consecutive_failures: 3 } },
  { type: "event", condition: { events: ["issue_new", "server_offline", "deployment_failed"] } },
];
const values = Array.from({ length: RULES }, (_, i) => {
  const s = services[i % services.length] as (typeof services)[number];
  const c = conditions[Math.floor(i / services.length) % conditions.length] as (typeof conditions)[number];
  return sql`(uuid_generate_v4(), ${s.orgId}::uuid, ${s.projectId}::uuid, ${s.serviceId}::uuid, ${`rule ${i}`},
    ${c.type}::alert_type, ${JSON.stringify(c.condition)}::jsonb, '[]'::jsonb, ${new Date(now.getTime() - 60_000).toISOString()}::timestamptz)`;
});
await t.deps.db.execute(sql`
  INSERT INTO alerts (id, org_id, project_id, service_id, name, type, condition, channels, created_at)
  VALUES ${sql.join(values, sql`, `)}`);
const setupSeconds = (performance.now() - setupStarted) / 1000;

console.log(
  `alerts benchmark: ${RULES} rules over ${services.length} services of ${ORGS} organizations (${t.deps.database.kind}, telemetry ${t.deps.telemetry.kind}); setup ${setupSeconds.toFixed(1)} s`,
);
const results: Array<{ pass: number; rules: number; wall: number; cpu: number; fired: number }> = [];
for (let pass = 1; pass <= PASSES; pass++) {
  t.advanceClock(60_000);
  const at = t.deps.now();
  const wallStart = performance.now();
  const cpuStart = cpuSeconds();
  let evaluated = 0;
  let fired = 0;
  for (;;) {
    const rules = await claimDueRules(t.deps.db, at, 500);
    if (rules.length === 0) break;
    const done = await evaluateRules(t.deps, rules, at);
    evaluated += done.rules;
    fired += done.fired;
    if (done.failed > 0) console.log(`  ${done.failed} rules failed`);
  }
  const wall = (performance.now() - wallStart) / 1000;
  const cpu = cpuSeconds() - cpuStart;
  results.push({ pass, rules: evaluated, wall, cpu, fired });
  console.log(
    `pass ${pass}: ${evaluated} rules in ${wall.toFixed(2)} s wall (${(evaluated / wall).toFixed(0)} rules/s), ${cpu.toFixed(2)} CPU-s (${(evaluated / cpu).toFixed(0)} rules per CPU-second); incidents opened: ${fired}`,
  );
}
const steady = results.slice(1);
if (steady.length > 0) {
  const rules = steady.reduce((s, r) => s + r.rules, 0);
  const wall = steady.reduce((s, r) => s + r.wall, 0);
  const cpu = steady.reduce((s, r) => s + r.cpu, 0);
  console.log(
    `steady state (passes 2-${PASSES}): ${(rules / wall).toFixed(0)} rules/s wall, ${(rules / cpu).toFixed(0)} rules per CPU-second`,
  );
}
const [load] = (await import("node:os")).loadavg();
console.log(`load average during the run: ${load?.toFixed(1)} on ${(await import("node:os")).cpus().length} cores`);
await t.close();
process.exit(0);
