import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { serviceLogEntry, span as spanSchema, traceSummary } from "@syntra/contracts";
import { tempDirUntilExit } from "@syntra/testing/temp-dir";
import { logRow, metricRow, newOwner, newSpanId, newTraceId, spanRow } from "../../testing/telemetry-rows";
import { freshDatabase } from "../../testing/telemetry-store";
import { openChdbDriver } from "./chdb-driver";
import { openClickHouseDriver } from "./clickhouse-driver";
import { ClickHouseTelemetryStore } from "./clickhouse-store";
import type { ClickHouseDriver } from "./driver";
import { logSearchQuery } from "./log-queries";
import { migrateTelemetry, readTelemetryMigrations } from "./migrate";
import { RowBinaryWriter } from "./row-binary";
import { writeLog } from "./rows";
import type { LogCursor, TelemetryRows } from "./types";

const RETENTION = { traces: 30, logs: 14, metrics: 7 };
// Whole hours, a few hours ago: within every retention (rows older than a table's TTL are dropped on insert).
const T0 = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000);
const iso = (ms: number) => at(ms).toISOString();
const isoNs = (ms: number, ns = "000000") => `${iso(ms).slice(0, 23)}${ns}Z`;
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;
const WHOLE_RANGE = { from: new Date(T0.getTime() - DAY), to: new Date(T0.getTime() + DAY) };

function rows(part: Partial<TelemetryRows>): TelemetryRows {
  return { spans: [], logs: [], metrics: [], ...part };
}

interface Target {
  name: string;
  open(): Promise<ClickHouseDriver>;
}

const targets: Target[] = [
  {
    name: "chDB (in-process)",
    open: async () => openChdbDriver(await tempDirUntilExit("syntra-store-test-")),
  },
];
const serverUrl = process.env.TEST_CLICKHOUSE_URL;
if (serverUrl) {
  targets.push({
    name: "ClickHouse HTTP server",
    open: async () => openClickHouseDriver(await freshDatabase(serverUrl)),
  });
} else {
  test("the ClickHouse server suite needs TEST_CLICKHOUSE_URL (scripts/services/clickhouse.sh starts one)", {
    skip: "TEST_CLICKHOUSE_URL is not set",
  });
}

for (const target of targets) {
  describe(`telemetry store on ${target.name}`, () => {
    let driver: ClickHouseDriver;
    let store: ClickHouseTelemetryStore;
    before(async () => {
      driver = await target.open();
      store = new ClickHouseTelemetryStore(driver, RETENTION);
      assert.deepEqual(await store.migrate(), ["0001_telemetry_tables"]);
    });
    after(() => store.close());

    test("migrations are recorded and idempotent: applying again changes nothing, re-running every statement fails nothing", async () => {
      assert.deepEqual(await store.migrate(), []);
      // As after a crash half way through a migration: its statements run again on what exists.
      const all = await readTelemetryMigrations();
      const again = all.map((m) => ({ ...m, version: `${m.version}_again` }));
      assert.deepEqual(await migrateTelemetry(driver, again), ["0001_telemetry_tables_again"]);
      const tables = await driver.query<{ name: string }>(
        "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name",
      );
      for (const t of ["traces", "trace_spans", "logs", "metrics_raw", "metrics_1m", "metrics_5m", "metrics_1h"]) {
        assert.ok(
          tables.some((r) => r.name === t),
          `table ${t}`,
        );
      }
    });

    test("each table's TTL is the configured retention; a new setting is applied at the next start", async () => {
      const ttl = async (table: string) => {
        const [row] = await driver.query<{ q: string }>(
          "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {t:String}",
          { t: table },
        );
        return /TTL (.*?)(?: SETTINGS|$)/.exec(row?.q ?? "")?.[1];
      };
      assert.equal(await ttl("traces"), "toDateTime(start_time) + toIntervalDay(30)");
      assert.equal(await ttl("logs"), "toDateTime(timestamp) + toIntervalDay(14)");
      assert.equal(await ttl("metrics_1h"), "toDateTime(timestamp) + toIntervalDay(7)");
      const longer = new ClickHouseTelemetryStore(driver, { ...RETENTION, logs: 90 });
      await longer.migrate();
      assert.equal(await ttl("logs"), "toDateTime(timestamp) + toIntervalDay(90)");
      await new ClickHouseTelemetryStore(driver, RETENTION).migrate();
      assert.equal(await ttl("logs"), "toDateTime(timestamp) + toIntervalDay(14)");
    });

    test("a batch inserted twice with the same dedup token is stored once, rollups included; without a token twice", async () => {
      const owner = newOwner();
      const batch = rows({
        spans: [spanRow(owner, at(0), 12)],
        logs: [logRow(owner, at(1), "dedup me")],
        metrics: [metricRow(owner, at(2), "queue_depth", 5)],
      });
      await store.insert(batch, { dedupToken: `batch-${owner.org_id}` });
      await store.insert(batch, { dedupToken: `batch-${owner.org_id}` });
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      assert.equal((await store.searchTraces(scope, { ...WHOLE_RANGE, limit: 10 })).length, 1);
      assert.equal((await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 10 })).items.length, 1);
      const [series] = await store.metricSeries(scope, { ...WHOLE_RANGE, names: ["queue_depth"], interval: "1m" });
      assert.equal(series?.points.length, 1);
      const counted = await driver.query<{ n: string }>(
        "SELECT toString(sum(count)) AS n FROM metrics_1m WHERE org_id = {org:UUID}",
        { org: owner.org_id },
      );
      assert.equal(counted[0]?.n, "1");

      // Identical rows without a token are two real events (the same log line written twice).
      const plain = rows({ logs: [logRow(owner, at(5), "twice")] });
      await store.insert(plain);
      await store.insert(plain);
      const page = await store.searchLogs(scope, { ...WHOLE_RANGE, search: "twice", limit: 10 });
      assert.equal(page.items.length, 2);
    });

    test("concurrent inserts all resolve after their rows are stored", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.insert(rows({ logs: [logRow(owner, at(i), `line ${i}`), logRow(owner, at(i), `other ${i}`)] })),
        ),
      );
      const page = await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 100 });
      assert.equal(page.items.length, 40);
    });

    test("rows already encoded (an agent's batch) are stored alone, beside contract rows, two blocks at once, or merged", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      const block = (...messages: string[]) => {
        const w = new RowBinaryWriter();
        for (const [i, m] of messages.entries()) writeLog(w, logRow(owner, at(i), m));
        return { table: "logs" as const, rows: messages.length, data: w.bytes() };
      };
      // One block alone is sent as it is; the others are copied into one insert.
      await store.insert(rows({ encoded: [block("alone 1", "alone 2")] }), { dedupToken: `alone-${owner.org_id}` });
      await store.insert(rows({ logs: [logRow(owner, at(0), "contract")], encoded: [block("beside")] }), {
        dedupToken: `beside-${owner.org_id}`,
      });
      await store.insert(rows({ encoded: [block("two a"), block("two b")] }), { dedupToken: `two-${owner.org_id}` });
      // The first call runs at once; the next ones queue behind it and are merged into one insert.
      await Promise.all(["merged 1", "merged 2", "merged 3"].map((m) => store.insert(rows({ encoded: [block(m)] }))));
      const page = await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 100 });
      assert.deepEqual(page.items.map((l) => l.message).sort(), [
        "alone 1",
        "alone 2",
        "beside",
        "contract",
        "merged 1",
        "merged 2",
        "merged 3",
        "two a",
        "two b",
      ]);
    });

    test("a bad batch merged with good ones fails alone: the others resolve and are stored", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      // The first call starts at once; the next ones queue behind it and are written as one merged insert.
      const calls = [
        store.insert(rows({ logs: [logRow(owner, at(0), "first")] })),
        store.insert(rows({ logs: [logRow(owner, at(1), "good 1")], spans: [spanRow(owner, at(1), 3)] })),
        store.insert(rows({ logs: [logRow(owner, at(2), "bad", { deployment_id: "not-a-uuid" })] })),
        store.insert(rows({ logs: [logRow(owner, at(3), "good 2")] })),
      ];
      const settled = await Promise.allSettled(calls);
      assert.deepEqual(
        settled.map((s) => s.status),
        ["fulfilled", "fulfilled", "rejected", "fulfilled"],
      );
      const page = await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 10 });
      assert.deepEqual(
        page.items.map((l) => l.message),
        ["good 2", "good 1", "first"],
      );
      assert.equal((await store.searchTraces(scope, { ...WHOLE_RANGE, limit: 10 })).length, 1);
    });

    test("trace summaries: root spans of the service, newest first, with span count, services and error flag", async () => {
      const owner = newOwner();
      const other = { ...owner, service_id: newOwner().service_id };
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      // Trace A: a slow root with a failed call into another service. Trace B: fast and fine. Trace C: another op.
      const a = spanRow(owner, at(0), 900, { operation_name: "POST /checkout" });
      const aChild = spanRow(other, at(100), 700, {
        trace_id: a.trace_id,
        parent_span_id: a.span_id,
        span_kind: "client",
        status: { code: "error", message: "connect ECONNREFUSED" },
      });
      const b = spanRow(owner, at(60_000), 20);
      const bChild = spanRow(owner, at(60_005), 5, { trace_id: b.trace_id, parent_span_id: b.span_id });
      const c = spanRow(owner, at(120_000), 50, { operation_name: "GET /health" });
      await store.insert(rows({ spans: [a, aChild, b, bChild, c] }));

      const all = await store.searchTraces(scope, { ...WHOLE_RANGE, limit: 10 });
      for (const s of all) assert.ok(traceSummary.safeParse(s).success, JSON.stringify(s));
      assert.deepEqual(
        all.map((s) => s.trace_id),
        [c.trace_id, b.trace_id, a.trace_id],
      );
      const summaryA = all[2];
      assert.equal(summaryA?.root_operation, "POST /checkout");
      assert.equal(summaryA?.duration_ms, 900);
      assert.equal(summaryA?.span_count, 2);
      assert.equal(summaryA?.status, "error");
      assert.equal(summaryA?.start_time, isoNs(0));
      assert.deepEqual(summaryA?.service_ids, [owner.service_id, other.service_id].sort());
      assert.equal(all[1]?.status, "ok");

      const ids = async (search: Parameters<typeof store.searchTraces>[1]) =>
        (await store.searchTraces(scope, search)).map((s) => s.trace_id);
      assert.deepEqual(await ids({ ...WHOLE_RANGE, limit: 10, status: "error" }), [a.trace_id]);
      assert.deepEqual(await ids({ ...WHOLE_RANGE, limit: 10, status: "ok" }), [c.trace_id, b.trace_id]);
      assert.deepEqual(await ids({ ...WHOLE_RANGE, limit: 10, minDurationMs: 50 }), [c.trace_id, a.trace_id]);
      assert.deepEqual(await ids({ ...WHOLE_RANGE, limit: 10, operation: "GET /health" }), [c.trace_id]);
      assert.deepEqual(await ids({ ...WHOLE_RANGE, limit: 1 }), [c.trace_id]);
      assert.deepEqual(await ids({ from: at(30_000), to: at(90_000), limit: 10 }), [b.trace_id]);
      // The callee's service has no root spans of its own; another organization sees nothing.
      assert.deepEqual(
        await store.searchTraces({ ...scope, serviceId: other.service_id }, { ...WHOLE_RANGE, limit: 10 }),
        [],
      );
      assert.deepEqual(
        await store.searchTraces({ ...scope, orgId: newOwner().org_id }, { ...WHOLE_RANGE, limit: 10 }),
        [],
      );
    });

    test("a trace by id has all its spans across services with parents, attributes, events and weights; other orgs get none", async () => {
      const owner = newOwner();
      const callee = { ...owner, service_id: newOwner().service_id, deployment_id: newOwner().deployment_id };
      const root = spanRow(owner, at(0), 30, {
        sample_weight: 4,
        events: [
          { name: "exception", timestamp_ns: at(10).getTime() * 1e6, attributes: { "exception.type": "Error" } },
        ],
      });
      const child = spanRow(callee, at(5), 10, {
        trace_id: root.trace_id,
        parent_span_id: root.span_id,
        span_kind: "client",
        attributes: { "db.system": "postgresql", "db.rows": 3, cached: false },
      });
      // Spans of one trace arriving in different batches, a day apart (a long-running job).
      const late = spanRow(owner, at(DAY / 2), 1, { trace_id: root.trace_id, parent_span_id: child.span_id });
      await store.insert(rows({ spans: [root, child] }));
      await store.insert(rows({ spans: [late, spanRow(owner, at(3), 1)] }));

      const spans = await store.getTrace(owner.org_id, root.trace_id);
      for (const s of spans) assert.ok(spanSchema.safeParse(s).success, JSON.stringify(s));
      assert.deepEqual(
        spans.map((s) => s.span_id),
        [root.span_id, child.span_id, late.span_id],
      );
      const [r, c] = spans;
      assert.equal(r?.parent_span_id, null);
      assert.equal(r?.sample_weight, 4);
      assert.equal(r?.deployment_id, owner.deployment_id);
      assert.deepEqual(r?.events, root.events);
      assert.equal(c?.parent_span_id, root.span_id);
      assert.equal(c?.service_id, callee.service_id);
      assert.equal(c?.deployment_id, callee.deployment_id);
      assert.deepEqual(c?.attributes, { "db.system": "postgresql", "db.rows": "3", cached: "false" });
      assert.equal(c?.start_time, isoNs(5));
      assert.equal(c?.duration_ns, 10_000_000);
      assert.deepEqual(await store.getTrace(newOwner().org_id, root.trace_id), []);
      assert.deepEqual(await store.getTrace(owner.org_id, newTraceId()), []);
    });

    test("logs: newest first, level floor, case-insensitive substring search (LIKE characters literal), org scoping", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      const traceId = newTraceId();
      const spanId = newSpanId();
      await store.insert(
        rows({
          logs: [
            logRow(owner, at(0), "GET /orders 200 in 12ms"),
            logRow(owner, at(1), "Payment FAILED for order 17: card_declined", {
              level: "error",
              source: "stderr",
              trace_id: traceId,
              span_id: spanId,
              attributes: { order_id: 17, customer: { tier: "gold" }, msg: "x" },
            }),
            logRow(owner, at(2), "disk 100% full", { level: "warn" }),
            logRow(owner, at(3), "disk 1000 blocks free", { level: "debug" }),
          ],
        }),
      );
      const page = await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 10 });
      for (const item of page.items) assert.ok(serviceLogEntry.safeParse(item).success, JSON.stringify(item));
      assert.deepEqual(
        page.items.map((l) => l.message),
        [
          "disk 1000 blocks free",
          "disk 100% full",
          "Payment FAILED for order 17: card_declined",
          "GET /orders 200 in 12ms",
        ],
      );
      assert.equal(page.next, null);
      const failed = page.items[2];
      assert.equal(failed?.trace_id, traceId);
      assert.equal(failed?.span_id, spanId);
      assert.equal(failed?.source, "stderr");
      assert.deepEqual(failed?.attributes, { order_id: "17", customer: '{"tier":"gold"}', msg: "x" });
      assert.equal(page.items[3]?.trace_id, undefined);

      const messages = async (search: Partial<Parameters<typeof store.searchLogs>[1]>) =>
        (await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 10, ...search })).items.map((l) => l.message);
      assert.deepEqual(await messages({ minLevel: "warn" }), [
        "disk 100% full",
        "Payment FAILED for order 17: card_declined",
      ]);
      assert.deepEqual(await messages({ search: "payment failed" }), ["Payment FAILED for order 17: card_declined"]);
      assert.deepEqual(await messages({ search: "100%" }), ["disk 100% full"]);
      assert.deepEqual(await messages({ search: "card_declined" }), ["Payment FAILED for order 17: card_declined"]);
      assert.deepEqual(await messages({ search: "card%declined" }), []);
      assert.deepEqual(await messages({ search: "'; DROP TABLE logs; --" }), []);
      assert.deepEqual(await messages({ from: at(1), to: at(2) }), [
        "disk 100% full",
        "Payment FAILED for order 17: card_declined",
      ]);
      assert.deepEqual(
        (await store.searchLogs({ ...scope, orgId: newOwner().org_id }, { ...WHOLE_RANGE, limit: 10 })).items,
        [],
      );
    });

    test("a log search skips, by the message's n-gram index, the granules that cannot hold the term", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      // Four granules of ordinary lines; the term is in none of them.
      const logs = Array.from({ length: 4 * 8192 }, (_, i) =>
        logRow(owner, at(i), `GET /api/orders/${i} 200 in ${i % 900}ms`),
      );
      await store.insert(rows({ logs }));
      const { sql, params } = logSearchQuery(scope, { ...WHOLE_RANGE, search: "Quokka", limit: 10 });
      const plan = (await driver.query<{ explain: string }>(`EXPLAIN indexes = 1 ${sql}`, params)).map(
        (r) => r.explain,
      );
      const indexAt = plan.findIndex((line) => line.includes("Name: idx_message"));
      assert.ok(indexAt >= 0, `the plan names idx_message:\n${plan.join("\n")}`);
      const granules = plan.slice(indexAt).find((line) => line.includes("Granules:"));
      assert.match(granules ?? "", /Granules: 0\/\d+/, `idx_message leaves no granule to read:\n${plan.join("\n")}`);
      assert.deepEqual((await store.searchLogs(scope, { ...WHOLE_RANGE, search: "Quokka", limit: 10 })).items, []);
    });

    test("log pages follow each other by cursor without gaps or repeats, ties on one timestamp included", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      // 25 records, 10 of them on the same nanosecond.
      const logs = Array.from({ length: 25 }, (_, i) => logRow(owner, at(i < 10 ? 500 : i * 1000), `record ${i}`));
      await store.insert(rows({ logs }));
      const seen: string[] = [];
      let cursor: LogCursor | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 7, cursor });
        seen.push(...page.items.map((l) => l.message));
        if (!page.next) break;
        cursor = page.next;
      }
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
      assert.equal(seen[0], "record 24");
    });

    test("metric series from the rollups: gauges averaged with min/max, counters as increases, per label set", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      const metrics = [
        metricRow(owner, at(0), "cpu", 10, { labels: { core: "0" } }),
        metricRow(owner, at(20_000), "cpu", 30, { labels: { core: "0" } }),
        metricRow(owner, at(60_000), "cpu", 50, { labels: { core: "0" } }),
        metricRow(owner, at(0), "cpu", 99, { labels: { core: "1" } }),
        // A cumulative counter: 100 -> 160 in the first minute, 160 -> 200 in the second, reset to 15 in the third.
        metricRow(owner, at(0), "http_requests_total", 100, { type: "counter" }),
        metricRow(owner, at(30_000), "http_requests_total", 160, { type: "counter" }),
        metricRow(owner, at(90_000), "http_requests_total", 200, { type: "counter" }),
        metricRow(owner, at(150_000), "http_requests_total", 15, { type: "counter" }),
        // A counter without a reset: 10 -> 25 -> 40 over three minutes.
        metricRow(owner, at(0), "jobs_total", 10, { type: "counter" }),
        metricRow(owner, at(60_000), "jobs_total", 25, { type: "counter" }),
        metricRow(owner, at(120_000), "jobs_total", 40, { type: "counter" }),
        metricRow(owner, at(0), "not_asked_for", 1),
      ];
      await store.insert(rows({ metrics: metrics.slice(0, 5) }));
      await store.insert(rows({ metrics: metrics.slice(5) }));
      const series = await store.metricSeries(scope, {
        ...WHOLE_RANGE,
        names: ["cpu", "http_requests_total"],
        interval: "1m",
      });
      const byKey = new Map(series.map((s) => [`${s.name}${JSON.stringify(s.labels)}`, s]));
      assert.equal(series.length, 3);
      const core0 = byKey.get('cpu{"core":"0"}');
      assert.deepEqual(
        core0?.points.map((p) => [p.timestamp, p.value, p.min, p.max]),
        [
          [iso(0), 20, 10, 30],
          [iso(60_000), 50, 50, 50],
        ],
      );
      assert.deepEqual(
        byKey.get('cpu{"core":"1"}')?.points.map((p) => p.value),
        [99],
      );
      assert.deepEqual(
        byKey.get("http_requests_total{}")?.points.map((p) => p.value),
        [60, 40, 15],
      );

      const hourly = await store.metricSeries(scope, { ...WHOLE_RANGE, names: ["cpu"], interval: "1h" });
      const hourly0 = hourly.find((s) => s.labels.core === "0");
      assert.deepEqual(
        hourly0?.points.map((p) => [p.value, p.min, p.max]),
        [[30, 10, 50]],
      );
      const fiveMinutes = await store.metricSeries(scope, { ...WHOLE_RANGE, names: ["jobs_total"], interval: "5m" });
      assert.deepEqual(
        fiveMinutes[0]?.points.map((p) => p.value),
        [30],
      );
      assert.deepEqual(
        await store.metricSeries(
          { ...scope, orgId: newOwner().org_id },
          { ...WHOLE_RANGE, names: ["cpu"], interval: "1m" },
        ),
        [],
      );
    });

    test("a batch the engine refuses rejects the insert; stored data stays and later batches are stored", async () => {
      const owner = newOwner();
      const scope = { orgId: owner.org_id, serviceId: owner.service_id };
      await store.insert(rows({ logs: [logRow(owner, at(0), "before")] }));
      await assert.rejects(
        store.insert(rows({ logs: [logRow(owner, at(1), "bad", { deployment_id: "not-a-uuid" })] })),
      );
      await store.insert(rows({ logs: [logRow(owner, at(2), "after")] }));
      const page = await store.searchLogs(scope, { ...WHOLE_RANGE, limit: 10 });
      assert.deepEqual(
        page.items.map((l) => l.message),
        ["after", "before"],
      );
    });
  });
}
