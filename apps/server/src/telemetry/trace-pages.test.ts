import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MAX_TRACE_SPANS } from "@syntra/contracts";
import { createTestApp, type TestApp } from "../testing/harness";
import { setUpTelemetryOrg, type TelemetryOrg } from "../testing/telemetry-org";
import { newSpanId, newTraceId, type RowOwner, spanRow } from "../testing/telemetry-rows";
import type { SpanRow } from "./store/types";

// A trace a page at a time (GET /traces/:id/spans) and one span in full (GET /traces/:id/spans/:spanId), over rows
// stored through the store's own insert path, on whichever store the suite runs on (chDB, or the ClickHouse server
// of TEST_CLICKHOUSE_URL).

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
const insert = (spans: SpanRow[]) => t.deps.telemetry.insert({ spans, logs: [], metrics: [] });
const get = (url: string, as: { cookie: string } | { token: string } = owner) => t.call("GET", url, { as });

/** Every page of a trace by following meta.cursor: the pages' bodies in order. */
async function allPages(traceId: string, limit: number, as: { cookie: string } | { token: string } = owner) {
  const pages = [];
  let cursor: string | undefined;
  do {
    const res = await get(`/api/v1/traces/${traceId}/spans?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, as);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    pages.push(res.body.data);
    cursor = res.body.meta?.cursor;
  } while (cursor && pages.length < 100);
  return pages;
}

/** A trace of `count` spans: a root in `a`, children alternating between `a` and `b`, some starting together. */
function traceOf(a: RowOwner, b: RowOwner, count: number): SpanRow[] {
  const root = spanRow(a, ago(60_000), 5_000, { operation_name: "POST /import" });
  const kids = Array.from({ length: count - 1 }, (_, i) =>
    spanRow(i % 2 ? b : a, ago(60_000 - 10 * Math.floor(i / 3)), 2, {
      trace_id: root.trace_id,
      parent_span_id: root.span_id,
      span_kind: "client",
      operation_name: `INSERT row ${i + 1}`,
      attributes: { "row.index": String(i + 1) },
    }),
  );
  return [root, ...kids];
}

test("GET /traces/:id/spans pages a trace in (start, span id) order: each span once, counts and bounds on page one", async () => {
  const a = await newService();
  const b = await newService();
  const spans = traceOf(a, b, 25);
  await insert(spans);
  // A batch re-sent without its dedup token stores some spans twice: they are still listed and counted once.
  await insert(spans.slice(3, 6));
  const root = spans[0] as SpanRow;

  const pages = await allPages(root.trace_id, 10);
  assert.deepEqual(
    pages.map((p) => p.spans.length),
    [10, 10, 5],
  );
  const expected = [...spans]
    .sort((x, y) => x.start_time_ns - y.start_time_ns || (x.span_id < y.span_id ? -1 : 1))
    .map((s) => s.span_id);
  assert.deepEqual(
    pages.flatMap((p) => p.spans.map((s: { span_id: string }) => s.span_id)),
    expected,
  );
  const [first, second] = pages;
  assert.equal(first.span_count, 25);
  assert.deepEqual(
    [...first.services].sort((x, y) => x.service_id.localeCompare(y.service_id)),
    [
      { service_id: a.service_id, spans: 13 },
      { service_id: b.service_id, spans: 12 },
    ].sort((x, y) => x.service_id.localeCompare(y.service_id)),
  );
  assert.equal(second.span_count, null);
  assert.equal(second.services, null);
  // The bounds are the trace's (the root's start and end) on every page, so a time axis is final from page one.
  for (const page of pages) {
    assert.equal(Date.parse(page.start_time), ago(60_000).getTime());
    assert.equal(Date.parse(page.end_time), ago(55_000).getTime());
  }
  // An outline is what a waterfall row needs: no attributes or events.
  const rootOutline = first.spans.find((s: { span_id: string }) => s.span_id === root.span_id);
  assert.deepEqual(rootOutline, {
    span_id: root.span_id,
    parent_span_id: null,
    service_id: a.service_id,
    operation_name: "POST /import",
    span_kind: "server",
    start_time: rootOutline.start_time,
    duration_ns: 5_000e6,
    status_code: "ok",
  });
  assert.equal(Date.parse(rootOutline.start_time), ago(60_000).getTime());

  // One page holds the whole trace when the limit allows; no cursor then.
  const whole = await get(`/api/v1/traces/${root.trace_id}/spans`);
  assert.equal(whole.body.data.spans.length, 25);
  assert.equal(whole.body.meta?.cursor, undefined);
});

test("GET /traces/:id answers a trace over MAX_TRACE_SPANS with its first spans and truncated; a small one whole", async () => {
  const a = await newService();
  const b = await newService();
  const big = traceOf(a, b, MAX_TRACE_SPANS + 3);
  await insert(big);
  const res = await get(`/api/v1/traces/${(big[0] as SpanRow).trace_id}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.data.truncated, true);
  assert.equal(res.body.data.spans.length, MAX_TRACE_SPANS);
  const firstIds = [...big]
    .sort((x, y) => x.start_time_ns - y.start_time_ns || (x.span_id < y.span_id ? -1 : 1))
    .slice(0, MAX_TRACE_SPANS)
    .map((s) => s.span_id);
  assert.deepEqual(
    res.body.data.spans.map((s: { span_id: string }) => s.span_id),
    firstIds,
  );

  const small = traceOf(a, b, 4);
  await insert(small);
  const whole = await get(`/api/v1/traces/${(small[0] as SpanRow).trace_id}`);
  assert.equal(whole.body.data.truncated, false);
  assert.equal(whole.body.data.spans.length, 4);
});

test("GET /traces/:id/spans/:spanId: one span with its attributes and events; 404 for another org or span", async () => {
  const a = await newService();
  const root = spanRow(a, ago(30_000), 100);
  const child = spanRow(a, ago(29_990), 20, {
    trace_id: root.trace_id,
    parent_span_id: root.span_id,
    span_kind: "client",
    operation_name: "SELECT orders",
    status: { code: "error", message: "deadlock" },
    attributes: { "db.statement": "SELECT * FROM orders" },
    events: [{ name: "retry", timestamp_ns: (NOW - 29_985) * 1e6, attributes: { attempt: 2 } }],
  });
  await insert([root, child]);
  const res = await get(`/api/v1/traces/${root.trace_id.toUpperCase()}/spans/${child.span_id.toUpperCase()}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.span_id, child.span_id);
  assert.equal(res.body.data.parent_span_id, root.span_id);
  assert.equal(res.body.data.status_message, "deadlock");
  assert.deepEqual(res.body.data.attributes, { "db.statement": "SELECT * FROM orders" });
  assert.deepEqual(
    res.body.data.events.map((e: { name: string }) => e.name),
    ["retry"],
  );

  const missing = await get(`/api/v1/traces/${root.trace_id}/spans/${newSpanId()}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, "NOT_FOUND");
  const stranger = await t.signup("stranger@example.com", { orgName: "Other" });
  for (const url of [
    `/api/v1/traces/${root.trace_id}/spans`,
    `/api/v1/traces/${root.trace_id}/spans/${child.span_id}`,
  ]) {
    const res = await get(url, { cookie: stranger.cookie });
    assert.equal(res.status, 404, url);
    assert.equal(res.body.error.code, "NOT_FOUND");
  }
  assert.equal((await get(`/api/v1/traces/${newTraceId()}/spans`)).status, 404);
  assert.equal((await get(`/api/v1/traces/${root.trace_id}/spans/not-a-span`)).status, 400);
});

test("bad cursors and limits get the error envelope with the parameter's path, and nothing else", async () => {
  const a = await newService();
  const one = traceOf(a, a, 4);
  const two = traceOf(a, a, 4);
  await insert([...one, ...two]);
  const traceId = (one[0] as SpanRow).trace_id;
  const otherId = (two[0] as SpanRow).trace_id;
  const otherCursor = (await get(`/api/v1/traces/${otherId}/spans?limit=1`)).body.meta.cursor as string;
  const forged = Buffer.from(`${traceId}.12x.${newSpanId()}`).toString("base64url");
  const cases: [string, string, RegExp][] = [
    ["cursor=not-a-cursor", "query.cursor", /not one this API returned/],
    [`cursor=${forged}`, "query.cursor", /not one this API returned/],
    [`cursor=${otherCursor}`, "query.cursor", /another trace/],
    ["limit=0", "query.limit", /./],
    ["limit=5001", "query.limit", /./],
    ["limit=ten", "query.limit", /./],
  ];
  for (const [query, path, message] of cases) {
    const res = await get(`/api/v1/traces/${traceId}/spans?${query}`);
    assert.equal(res.status, 400, query);
    assert.equal(res.body.error.code, "VALIDATION_ERROR", query);
    assert.equal(res.body.error.details[0].path, path, query);
    assert.match(`${res.body.error.message} ${res.body.error.details[0].message}`, message, query);
  }
  // The largest page is allowed.
  assert.equal((await get(`/api/v1/traces/${traceId}/spans?limit=5000`)).status, 200);
});

test("a project-scoped token pages only its project's spans of a trace, and counts only those", async () => {
  const otherProject = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Billing" } })).body.data
    .id;
  const shop = await newService();
  const billing = await newService(otherProject);
  const spans = traceOf(shop, billing, 9);
  await insert(spans);
  const token = await t.call("POST", "/api/v1/tokens", {
    as: owner,
    body: { name: "billing-only", type: "prj", project_id: otherProject },
  });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  const as = { token: token.body.data.token as string };
  const pages = await allPages((spans[0] as SpanRow).trace_id, 3, as);
  const seen = pages.flatMap((p) => p.spans.map((s: { service_id: string }) => s.service_id));
  assert.equal(seen.length, 4);
  assert.ok(seen.every((id) => id === billing.service_id));
  assert.equal(pages[0].span_count, 4);
  assert.deepEqual(pages[0].services, [{ service_id: billing.service_id, spans: 4 }]);
  const hidden = await get(
    `/api/v1/traces/${(spans[0] as SpanRow).trace_id}/spans/${(spans[0] as SpanRow).span_id}`,
    as,
  );
  assert.equal(hidden.status, 404);
});
