import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";
import { setUpTelemetryOrg, type TelemetryOrg } from "../testing/telemetry-org";
import { logRow, metricRow, newSpanId, newTraceId, spanRow } from "../testing/telemetry-rows";
import type { TelemetryRows } from "./store/types";

// The query API over rows stored through the store's own insert path, on whichever store the suite runs on (chDB,
// or the ClickHouse server of TEST_CLICKHOUSE_URL).

let t: TestApp;
let org: TelemetryOrg;
let owner: { cookie: string };
const NOW = Date.now();
const ago = (ms: number) => new Date(NOW - ms);

before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  org = await setUpTelemetryOrg(t);
  owner = org.owner;
});
after(() => t.close());

const newService = (project?: string) => org.newService(project);

const store = (rows: Partial<TelemetryRows>) => t.deps.telemetry.insert({ spans: [], logs: [], metrics: [], ...rows });
const get = (url: string, as: { cookie: string } | { token: string } = owner) => t.call("GET", url, { as });

test("GET /services/:id/traces: the service's traces newest first, filtered; the last 24 h by default", async () => {
  const svc = await newService();
  const callee = await newService();
  const slow = spanRow(svc, ago(60_000), 1200, { operation_name: "POST /checkout" });
  const failed = spanRow(callee, ago(59_900), 300, {
    trace_id: slow.trace_id,
    parent_span_id: slow.span_id,
    status: { code: "error", message: "card declined" },
  });
  const fast = spanRow(svc, ago(30_000), 8);
  const old = spanRow(svc, ago(2 * 86_400_000), 8);
  await store({ spans: [slow, failed, fast, old] });

  const all = await get(`/api/v1/services/${svc.service_id}/traces`);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.deepEqual(
    all.body.data.map((s: { trace_id: string }) => s.trace_id),
    [fast.trace_id, slow.trace_id],
  );
  const checkout = all.body.data[1];
  assert.equal(checkout.root_operation, "POST /checkout");
  assert.equal(checkout.duration_ms, 1200);
  assert.equal(checkout.span_count, 2);
  assert.equal(checkout.status, "error");
  assert.deepEqual(checkout.service_ids, [svc.service_id, callee.service_id].sort());

  const ids = async (query: string) =>
    (await get(`/api/v1/services/${svc.service_id}/traces?${query}`)).body.data.map(
      (s: { trace_id: string }) => s.trace_id,
    );
  assert.deepEqual(await ids("status=error"), [slow.trace_id]);
  assert.deepEqual(await ids("min_duration_ms=1000"), [slow.trace_id]);
  assert.deepEqual(await ids(`operation=${encodeURIComponent("POST /checkout")}`), [slow.trace_id]);
  assert.deepEqual(await ids("limit=1"), [fast.trace_id]);
  assert.deepEqual(await ids(`from=${ago(3 * 86_400_000).toISOString()}&to=${ago(86_400_000).toISOString()}`), [
    old.trace_id,
  ]);

  const bad = await get(`/api/v1/services/${svc.service_id}/traces?status=unset&limit=500`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "VALIDATION_ERROR");
});

test("GET /traces/:id: every span across the organization's services; 404 for another org, 400 for a bad id", async () => {
  const web = await newService();
  const api = await newService();
  const root = spanRow(web, ago(5_000), 40, { sample_weight: 10 });
  const child = spanRow(api, ago(4_990), 20, {
    trace_id: root.trace_id,
    parent_span_id: root.span_id,
    span_kind: "client",
    attributes: { "db.statement": "SELECT 1" },
  });
  await store({ spans: [root, child] });

  const res = await get(`/api/v1/traces/${root.trace_id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.trace_id, root.trace_id);
  assert.deepEqual(
    res.body.data.spans.map((s: { span_id: string; parent_span_id: string | null; service_id: string }) => [
      s.span_id,
      s.parent_span_id,
      s.service_id,
    ]),
    [
      [root.span_id, null, web.service_id],
      [child.span_id, root.span_id, api.service_id],
    ],
  );
  assert.equal(res.body.data.spans[0].sample_weight, 10);
  assert.equal(res.body.data.spans[0].deployment_id, web.deployment_id);
  assert.deepEqual(res.body.data.spans[1].attributes, { "db.statement": "SELECT 1" });
  assert.equal((await get(`/api/v1/traces/${root.trace_id.toUpperCase()}`)).status, 200);

  const other = await t.signup("other@example.com", { orgName: "Other" });
  const foreign = await get(`/api/v1/traces/${root.trace_id}`, { cookie: other.cookie });
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.error.code, "NOT_FOUND");
  assert.equal((await get(`/api/v1/traces/${newTraceId()}`)).status, 404);
  const malformed = await get("/api/v1/traces/not-a-trace-id");
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, "VALIDATION_ERROR");
  // Another org's service id in the per-service routes is a 404 too.
  assert.equal((await get(`/api/v1/services/${web.service_id}/traces`, { cookie: other.cookie })).status, 404);
});

test("a project-scoped token sees only its project's spans of a trace", async () => {
  const otherProject = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Billing" } })).body.data
    .id;
  const shop = await newService();
  const billing = await newService(otherProject);
  const root = spanRow(shop, ago(5_000), 40);
  const child = spanRow(billing, ago(4_990), 20, { trace_id: root.trace_id, parent_span_id: root.span_id });
  await store({ spans: [root, child] });
  const token = await t.call("POST", "/api/v1/tokens", {
    as: owner,
    body: { name: "billing-only", type: "prj", project_id: otherProject },
  });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  const res = await get(`/api/v1/traces/${root.trace_id}`, { token: token.body.data.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(
    res.body.data.spans.map((s: { span_id: string }) => s.span_id),
    [child.span_id],
  );
});

test("GET /services/:id/logs answers from the store: level, search, and pages by meta.cursor", async () => {
  const svc = await newService();
  const traceId = newTraceId();
  const logs = Array.from({ length: 12 }, (_, i) =>
    logRow(svc, ago(60_000 - i * 1000), `request ${i} served`, { level: i % 4 === 0 ? "error" : "info" }),
  );
  logs.push(
    logRow(svc, ago(1000), "Payment FAILED: card_declined", {
      level: "error",
      source: "sdk",
      trace_id: traceId,
      span_id: newSpanId(),
    }),
  );
  await store({ logs });

  const first = await get(`/api/v1/services/${svc.service_id}/logs?limit=5`);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.data[0].message, "Payment FAILED: card_declined");
  assert.equal(first.body.data[0].trace_id, traceId);
  assert.equal(first.body.data.length, 5);
  const seen = first.body.data.map((l: { message: string }) => l.message);
  let cursor: string | undefined = first.body.meta?.cursor;
  while (cursor) {
    const page = await get(`/api/v1/services/${svc.service_id}/logs?limit=5&cursor=${cursor}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    seen.push(...page.body.data.map((l: { message: string }) => l.message));
    cursor = page.body.meta?.cursor;
  }
  assert.equal(seen.length, 13);
  assert.equal(new Set(seen).size, 13);

  const errors = await get(`/api/v1/services/${svc.service_id}/logs?level=error`);
  assert.deepEqual(
    errors.body.data.map((l: { level: string }) => l.level),
    ["error", "error", "error", "error"],
  );
  const search = await get(`/api/v1/services/${svc.service_id}/logs?search=CARD_DECLINED`);
  assert.deepEqual(
    search.body.data.map((l: { message: string }) => l.message),
    ["Payment FAILED: card_declined"],
  );
  const badCursor = await get(`/api/v1/services/${svc.service_id}/logs?cursor=bm90LWEtY3Vyc29y`);
  assert.equal(badCursor.status, 400);
  assert.equal(badCursor.body.error.details[0].path, "query.cursor");
});

test("GET /services/:id/metrics: series from the rollups; a range too long for the interval is refused", async () => {
  const svc = await newService();
  const minute = Math.floor(NOW / 60_000) * 60_000;
  const at = (ms: number) => new Date(minute - 10 * 60_000 + ms);
  await store({
    metrics: [
      metricRow(svc, at(0), "http.server.active_requests", 4, { labels: { route: "/orders" } }),
      metricRow(svc, at(30_000), "http.server.active_requests", 8, { labels: { route: "/orders" } }),
      metricRow(svc, at(60_000), "http.server.active_requests", 2, { labels: { route: "/orders" } }),
      metricRow(svc, at(0), "jobs_total", 10, { type: "counter" }),
      metricRow(svc, at(60_000), "jobs_total", 25, { type: "counter" }),
    ],
  });
  const res = await get(`/api/v1/services/${svc.service_id}/metrics?metrics=http.server.active_requests,jobs_total`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const byName = new Map(res.body.data.map((s: { name: string }) => [s.name, s]));
  assert.deepEqual(byName.get("http.server.active_requests"), {
    name: "http.server.active_requests",
    labels: { route: "/orders" },
    points: [
      { timestamp: at(0).toISOString(), value: 6, min: 4, max: 8, avg: 6 },
      { timestamp: at(60_000).toISOString(), value: 2, min: 2, max: 2, avg: 2 },
    ],
  });
  const jobs = byName.get("jobs_total") as { points: { value: number }[] };
  assert.deepEqual(
    jobs.points.map((p) => p.value),
    [0, 15],
  );

  const tooFine = await get(
    `/api/v1/services/${svc.service_id}/metrics?metrics=jobs_total&interval=1m&from=${ago(7 * 86_400_000).toISOString()}`,
  );
  assert.equal(tooFine.status, 400);
  assert.equal(tooFine.body.error.details[0].path, "query.interval");
  const hourly = await get(
    `/api/v1/services/${svc.service_id}/metrics?metrics=jobs_total&interval=1h&from=${ago(7 * 86_400_000).toISOString()}`,
  );
  assert.equal(hourly.status, 200);
  assert.equal(hourly.body.data.length, 1);
  const noNames = await get(`/api/v1/services/${svc.service_id}/metrics`);
  assert.equal(noNames.status, 400);
});
