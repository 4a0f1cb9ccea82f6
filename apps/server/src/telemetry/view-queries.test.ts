import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CONTAINER_METRICS } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { ingestErrorEvents } from "../issues/ingest";
import { AgentPeer, heartbeatPayload } from "../testing/agent-peer";
import { errorEventFixture } from "../testing/error-fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { setUpTelemetryOrg } from "../testing/telemetry-org";
import { logRow, metricRow, newSpanId, type RowOwner, spanRow } from "../testing/telemetry-rows";
import type { TelemetryRows } from "./store/types";

// The query APIs of the observability views over rows stored through the store's own insert path, on whichever store
// the suite runs on (chDB, or the ClickHouse server of TEST_CLICKHOUSE_URL). Figures are checked against what the
// rows make them by hand.

let t: TestApp;
let owner: { cookie: string };
let orgId: string;
let newService: () => Promise<RowOwner>;
// Whole minutes, so the rows below fall in known 1-minute intervals.
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const at = (minutesAgo: number, secondsIn = 0) => new Date(NOW - minutesAgo * 60_000 + secondsIn * 1000);

before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  const org = await setUpTelemetryOrg(t);
  ({ owner, orgId } = org);
  newService = () => org.newService();
});
after(() => t.close());

const store = (rows: Partial<TelemetryRows>) => t.deps.telemetry.insert({ spans: [], logs: [], metrics: [], ...rows });
async function get(url: string) {
  const res = await t.call("GET", url, { as: owner });
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}
const range = (fromMinutesAgo: number, toMinutesAgo = 0) =>
  `from=${at(fromMinutesAgo).toISOString()}&to=${at(toMinutesAgo).toISOString()}`;

test("GET /services/:id/overview: requests, errors and p50/p95/p99 per interval and operation, from server spans", async () => {
  const svc = await newService();
  const spans = [];
  // Three minutes ago: 100 fast checkouts (1..100 ms), none failed. One minute ago: 10 checkouts, 5 failed, and
  // 40 searches kept by the agent at 1 in 2 (sample_weight 2: they stand for 80). Client spans are not requests.
  for (let i = 1; i <= 100; i++) spans.push(spanRow(svc, at(3, i * 0.5), i, { operation_name: "POST /checkout" }));
  for (let i = 0; i < 10; i++) {
    spans.push(
      spanRow(svc, at(1, i), 500, {
        operation_name: "POST /checkout",
        status: { code: i < 5 ? "error" : "ok" },
      }),
    );
  }
  for (let i = 0; i < 40; i++) {
    spans.push(spanRow(svc, at(1, 20 + i), 20, { operation_name: "GET /search", sample_weight: 2 }));
  }
  spans.push(spanRow(svc, at(1, 5), 900, { span_kind: "client", parent_span_id: newSpanId() }));
  await store({ spans });

  const overview = await get(`/api/v1/services/${svc.service_id}/overview?${range(10)}`);
  assert.equal(overview.interval, "1m");
  assert.equal(overview.summary.requests, 190);
  assert.equal(overview.summary.errors, 5);
  assert.ok(Math.abs(overview.summary.error_rate - 5 / 190) < 1e-9);
  assert.ok(Math.abs(overview.summary.rate_per_second - 190 / 600) < 1e-9);
  assert.deepEqual(
    overview.series.map((p: { timestamp: string; requests: number; errors: number }) => [
      p.timestamp,
      p.requests,
      p.errors,
    ]),
    [
      [at(3).toISOString(), 100, 0],
      [at(1).toISOString(), 90, 5],
    ],
  );
  const [early, late] = overview.series;
  // t-digest quantiles: approximate, well within a few percent here.
  assert.ok(Math.abs(early.p50_ms - 50) <= 3, `p50 ${early.p50_ms}`);
  assert.ok(Math.abs(early.p95_ms - 95) <= 3, `p95 ${early.p95_ms}`);
  assert.ok(Math.abs(early.p99_ms - 99) <= 3, `p99 ${early.p99_ms}`);
  assert.ok(Math.abs(early.rate_per_second - 100 / 60) < 1e-9);
  assert.equal(late.error_rate, 5 / 90);
  assert.equal(late.p99_ms, 500, "the slowest tenth of the minute are the 500 ms checkouts");
  assert.deepEqual(
    overview.operations.map((o: { operation: string; requests: number; errors: number }) => [
      o.operation,
      o.requests,
      o.errors,
    ]),
    [
      ["POST /checkout", 110, 5],
      ["GET /search", 80, 0],
    ],
  );

  // Five-minute intervals put both minutes in one (or two, at a boundary) and keep the totals.
  const coarse = await get(`/api/v1/services/${svc.service_id}/overview?${range(10)}&interval=5m`);
  assert.equal(coarse.interval, "5m");
  assert.equal(
    coarse.series.reduce((sum: number, p: { requests: number }) => sum + p.requests, 0),
    190,
  );
  // An empty range: zeros and no latency, not an error.
  const empty = await get(`/api/v1/services/${svc.service_id}/overview?${range(120, 60)}`);
  assert.deepEqual(empty.series, []);
  assert.equal(empty.summary.requests, 0);
  assert.equal(empty.summary.p95_ms, null);
  // Thirty days by the minute is too many points: a clear 400 naming the interval.
  const tooFine = await t.call("GET", `/api/v1/services/${svc.service_id}/overview?${range(30 * 1440)}&interval=1m`, {
    as: owner,
  });
  assert.equal(tooFine.status, 400);
  assert.equal(tooFine.body.error.details[0].path, "query.interval");
  const auto = await get(`/api/v1/services/${svc.service_id}/overview?${range(30 * 1440)}`);
  assert.equal(auto.interval, "1h");
});

test("log search and histogram: substring, level floor and key:value filters count the same records", async () => {
  const svc = await newService();
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const logs = [
    logRow(svc, at(5), "payment declined for order 42", { level: "error", attributes: { "user.id": "42" } }),
    logRow(svc, at(5, 10), "payment declined for order 43", { level: "error", attributes: { "user.id": "43" } }),
    logRow(svc, at(5, 20), "Payment accepted", { level: "info", attributes: { "user.id": "42" }, trace_id: traceId }),
    logRow(svc, at(2), "cache warmed", { level: "debug", source: "sdk" }),
    logRow(svc, at(2, 1), "user 42 signed in", { level: "warn", attributes: { "http.url": "https://shop/x:y" } }),
  ];
  await store({ logs });
  const base = `/api/v1/services/${svc.service_id}`;
  const messages = async (query: string) =>
    (await get(`${base}/logs?${range(10)}&${query}`)).map((l: { message: string }) => l.message);
  assert.deepEqual(await messages(`search=payment&attribute=${encodeURIComponent("user.id:42")}`), [
    "Payment accepted",
    "payment declined for order 42",
  ]);
  assert.deepEqual(await messages(`attribute=${encodeURIComponent(`trace_id:${traceId}`)}`), ["Payment accepted"]);
  assert.deepEqual(await messages("attribute=source:sdk"), ["cache warmed"]);
  // The key ends at the first colon: the value keeps its own.
  assert.deepEqual(await messages(`attribute=${encodeURIComponent("http.url:https://shop/x:y")}`), [
    "user 42 signed in",
  ]);
  assert.deepEqual(await messages("attribute=user.id:42&attribute=level:error"), ["payment declined for order 42"]);

  const histogram = await get(`${base}/logs/histogram?${range(10)}`);
  assert.equal(histogram.interval, "1m");
  assert.equal(histogram.total, 5);
  assert.deepEqual(histogram.buckets, [
    { timestamp: at(5).toISOString(), counts: { error: 2, info: 1 } },
    { timestamp: at(2).toISOString(), counts: { debug: 1, warn: 1 } },
  ]);
  const errorsOnly = await get(`${base}/logs/histogram?${range(10)}&level=warn&search=PAYMENT`);
  assert.equal(errorsOnly.total, 2);
  assert.deepEqual(errorsOnly.buckets, [{ timestamp: at(5).toISOString(), counts: { error: 2 } }]);

  const bad = await t.call("GET", `${base}/logs?attribute=nocolon`, { as: owner });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.details[0].path, /^query\.attribute/);
});

test("trace search by any span's attribute; a trace's logs and errors across services, and nothing of another trace", async () => {
  const front = await newService();
  const api = await newService();
  const root = spanRow(front, at(4), 300, { operation_name: "GET /cart", attributes: { "http.route": "/cart" } });
  const child = spanRow(api, at(4, 0.05), 200, {
    trace_id: root.trace_id,
    parent_span_id: root.span_id,
    span_kind: "server",
    operation_name: "GET /api/cart",
    status: { code: "error", message: "boom" },
    // The only span of any trace with this attribute: a child, in another service than the root's.
    attributes: { "cart.id": "c-7" },
  });
  const other = spanRow(front, at(3), 10, { operation_name: "GET /", attributes: { "http.route": "/" } });
  await store({
    spans: [root, child, other],
    logs: [
      logRow(api, at(4, 0.1), "cart lookup failed", {
        level: "error",
        trace_id: root.trace_id,
        span_id: child.span_id,
      }),
      logRow(front, at(4, 0.01), "rendering cart", { trace_id: root.trace_id, span_id: root.span_id }),
      logRow(front, at(3), "home", { trace_id: other.trace_id }),
    ],
  });
  const found = await get(
    `/api/v1/services/${front.service_id}/traces?${range(10)}&attribute=${encodeURIComponent("http.route:/cart")}`,
  );
  assert.deepEqual(
    found.map((s: { trace_id: string }) => s.trace_id),
    [root.trace_id],
  );
  // A filter matches a trace when any span of it has the attribute; each filter may match a different span.
  const tracesWith = async (service: RowOwner, ...filters: string[]) =>
    (
      await get(
        `/api/v1/services/${service.service_id}/traces?${range(10)}${filters.map((f) => `&attribute=${encodeURIComponent(f)}`).join("")}`,
      )
    ).map((s: { trace_id: string }) => s.trace_id);
  assert.deepEqual(await tracesWith(front, "cart.id:c-7"), [root.trace_id]);
  assert.deepEqual(await tracesWith(front, "cart.id:c-7", "http.route:/cart"), [root.trace_id]);
  assert.deepEqual(await tracesWith(front, "cart.id:c-7", "http.route:/"), []);
  assert.deepEqual(await tracesWith(front, "cart.id:c-8"), []);
  // The trace list is of traces rooted in the service: the child's service has none of its own.
  assert.deepEqual(await tracesWith(api, "cart.id:c-7"), []);

  const logs = await get(`/api/v1/traces/${root.trace_id}/logs`);
  assert.deepEqual(
    logs.map((l: { message: string; service_id: string }) => [l.message, l.service_id]),
    [
      ["rendering cart", front.service_id],
      ["cart lookup failed", api.service_id],
    ],
  );

  const event = errorEventFixture(api.service_id, { trace_id: root.trace_id, span_id: child.span_id });
  const { deployment_id: _unknownDeployment, ...withoutDeployment } = event;
  await ingestErrorEvents(t.deps, { serviceId: api.service_id }, [withoutDeployment as typeof event]);
  const errors = await get(`/api/v1/traces/${root.trace_id}/errors`);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].event_id, event.id);
  assert.equal(errors[0].span_id, child.span_id);
  assert.equal(errors[0].service_id, api.service_id);
  assert.equal(errors[0].exception_type, "TypeError");
  assert.match(errors[0].issue_title, /TypeError/);
  assert.deepEqual(await get(`/api/v1/traces/${other.trace_id}/errors`), []);

  // Another organization sees none of it.
  const stranger = await t.signup("stranger@example.com", { orgName: "Other" });
  for (const path of ["logs", "errors"]) {
    const res = await t.call("GET", `/api/v1/traces/${root.trace_id}/${path}`, { as: { cookie: stranger.cookie } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, [], path);
  }
});

test("metric charts: gauges, counters and histograms rolled up, aggregated and split by a label", async () => {
  const svc = await newService();
  const metrics = [];
  for (const [pod, values] of [
    ["a", [10, 30]],
    ["b", [50, 70]],
  ] as const) {
    metrics.push(metricRow(svc, at(3, 10), "queue.depth", values[0], { labels: { pod } }));
    metrics.push(metricRow(svc, at(3, 40), "queue.depth", values[1], { labels: { pod } }));
  }
  // A counter per route: cumulative 100 -> 160 -> 400 (+60 in the second minute, +240 in the third).
  for (const [minute, value] of [
    [4, 100],
    [3, 160],
    [2, 400],
  ] as const) {
    metrics.push(metricRow(svc, at(minute, 30), "http.requests", value, { type: "counter", labels: { route: "/a" } }));
  }
  // A histogram (cumulative buckets le 10/100/1000): one minute's increase is 100 observations, 50 <= 10,
  // 90 <= 100, 100 <= 1000, sum +5000.
  const buckets = (c: [number, number, number]) => [
    { le: 10, count: c[0] },
    { le: 100, count: c[1] },
    { le: 1000, count: c[2] },
  ];
  metrics.push(
    metricRow(svc, at(4, 30), "http.duration", 1000, { type: "histogram", histogram_buckets: buckets([5, 9, 10]) }),
    metricRow(svc, at(3, 30), "http.duration", 6000, { type: "histogram", histogram_buckets: buckets([55, 99, 110]) }),
  );
  await store({ metrics });
  const base = `/api/v1/services/${svc.service_id}/metrics`;

  const names = await get(`${base}/names?${range(60)}`);
  assert.deepEqual(
    names.map((m: { name: string; type: string; label_keys: string[]; series: number; source: string }) => [
      m.name,
      m.type,
      m.label_keys,
      m.series,
      m.source,
    ]),
    [
      ["http.duration", "histogram", [], 1, "app"],
      ["http.requests", "counter", ["route"], 1, "app"],
      ["queue.depth", "gauge", ["pod"], 2, "app"],
    ],
  );

  const chart = async (query: string) => get(`${base}/query?${range(10)}&${query}`);
  const values = (answer: { series: { labels: Record<string, string>; points: { value: number }[] }[] }) =>
    answer.series.map((s): [Record<string, string>, number[]] => [s.labels, s.points.map((p) => p.value)]);
  assert.deepEqual(values(await chart("metric=queue.depth")), [[{}, [40]]], "avg of all samples");
  assert.deepEqual(values(await chart("metric=queue.depth&aggregation=max")), [[{}, [70]]]);
  assert.deepEqual(values(await chart("metric=queue.depth&aggregation=sum")), [[{}, [80]]], "sum of the pods' avgs");
  assert.deepEqual(values(await chart("metric=queue.depth&group_by=pod")), [
    [{ pod: "a" }, [20]],
    [{ pod: "b" }, [60]],
  ]);
  const rate = await chart("metric=http.requests");
  assert.equal(rate.aggregation, "rate");
  assert.deepEqual(values(rate).at(0)?.[1]?.slice(-2), [1, 4], "60 and 240 more per minute");
  const p95 = await chart("metric=http.duration&aggregation=p95");
  // The 95th of 100 observations lies in (10, 100] among 40 (50 -> 90) and (100, 1000] above it: 100 + 900 * 5/10.
  assert.deepEqual(values(p95).at(0)?.[1]?.at(-1), 550);
  const p50 = await chart("metric=http.duration&aggregation=p50");
  assert.deepEqual(values(p50).at(0)?.[1]?.at(-1), 10, "the 50th is the top of the first bucket");
  const avg = await chart("metric=http.duration&aggregation=avg");
  assert.deepEqual(values(avg).at(0)?.[1]?.at(-1), 50, "5000 over 100 observations");

  const wrong = await t.call("GET", `${base}/query?${range(10)}&metric=queue.depth&aggregation=p95`, { as: owner });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.details[0].path, "query.aggregation");
  assert.deepEqual((await chart("metric=nothing.here")).series, []);
});

test("GET /services/:id/deployments?from&to: the deploy markers of a chart's range", async () => {
  const svc = await newService();
  const deployed = await t.call("POST", `/api/v1/services/${svc.service_id}/deploy`, { as: owner, body: {} });
  assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
  const inRange = await get(`/api/v1/services/${svc.service_id}/deployments?${range(10, -10)}`);
  assert.deepEqual(
    inRange.map((d: { id: string }) => d.id),
    [deployed.body.data.id],
  );
  assert.deepEqual(await get(`/api/v1/services/${svc.service_id}/deployments?${range(60, 30)}`), []);
});

test("each heartbeat's container CPU and memory become the service's container metrics, another org's left out", async () => {
  const svc = await newService();
  const created = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "heartbeats" } });
  const { server_id: id, token } = created.body.data;
  const { peer } = await AgentPeer.online(await t.agentUrl(), token, id);
  const foreign = crypto.randomUUID();
  const container = (serviceId: string, cpu: number, mb: number, containerId: string) => ({
    service_id: serviceId,
    container_id: containerId,
    status: "running" as const,
    health: "healthy" as const,
    cpu_percent: cpu,
    memory_mb: mb,
    restart_count: 0,
    started_at: new Date().toISOString(),
    deployment_id: svc.deployment_id,
  });
  peer.send(
    "heartbeat",
    heartbeatPayload({
      services: [
        container(svc.service_id, 12.5, 64, "aaaaaaaaaaaa0000"),
        container(svc.service_id, 37.5, 128, "bbbbbbbbbbbb0000"),
        container(foreign, 99, 999, "cccccccccccc0000"),
      ],
    }),
  );
  const base = `/api/v1/services/${svc.service_id}/metrics`;
  const cpu = await eventually(async () => {
    const answer = await get(`${base}/query?metric=${CONTAINER_METRICS.cpu}&group_by=container.id`);
    return answer.series.length === 2 && answer;
  });
  assert.deepEqual(
    cpu.series.map((s: { labels: Record<string, string>; points: { value: number }[] }) => [
      s.labels["container.id"],
      s.points.at(-1)?.value,
    ]),
    [
      ["aaaaaaaaaaaa", 12.5],
      ["bbbbbbbbbbbb", 37.5],
    ],
  );
  const memory = await get(`${base}/query?metric=${CONTAINER_METRICS.memory}&aggregation=sum`);
  assert.equal(memory.series[0].points.at(-1).value, 192 * 1024 * 1024);
  const names = await get(`${base}/names`);
  assert.deepEqual(
    names.map((m: { name: string; source: string }) => [m.name, m.source]),
    [
      [CONTAINER_METRICS.cpu, "container"],
      [CONTAINER_METRICS.memory, "container"],
    ],
  );
  // The foreign service id named no service of this organization: nothing was stored for it anywhere.
  const rows = await t.deps.telemetry.metricCatalog(
    { orgId, serviceId: foreign },
    { from: new Date(NOW - 3_600_000), to: new Date(NOW + 3_600_000) },
  );
  assert.deepEqual(rows, []);
  await peer.close();
});
