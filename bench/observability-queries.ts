// API latency of the observability views' queries on 10M spans and 10M log records (chDB, in-process): the service
// overview (RED per interval and operation from the span_red_1m rollup), the trace list, a trace by id with its logs,
// log pages (newest, substring search, key:value filter, the next page by cursor) and the log histogram. Each is a real
// HTTP request to a real control plane (routing, auth, validation, the store, serialization). Beside the overview it
// runs the same figures computed from the raw spans (quantiles over the traces table, as a store without rollups
// does), and prints the ratio.
// Rows are generated inside ClickHouse (INSERT ... SELECT FROM numbers()), so the materialized views (trace lookup,
// RED rollup) fill as they do on ingest.
// A 10,000-span trace (three levels, attributes and events on every span) is read the way the waterfall reads it,
// through the paged API (time to the first page of 300 outlines, and to the last page), beside the whole trace in one
// answer (GET /traces/:id), each answer checked with its contracts schema as the api-client does, and the ratio.
// Run: npm run bench:observability  (BENCH_SPANS, BENCH_LOG_ROWS: default 10000000 each; BENCH_RUNS: 15;
// BENCH_ONLY: run only the cases whose name holds this text, e.g. "trace"; BENCH_CLICKHOUSE_URL: a ClickHouse
// server (e.g. the one `bash scripts/services/clickhouse.sh start` prints) to run on, in a fresh database, instead
// of chDB)
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openChdbDriver } from "../apps/server/src/telemetry/store/chdb-driver";
import { openClickHouseDriver } from "../apps/server/src/telemetry/store/clickhouse-driver";
import { ClickHouseTelemetryStore } from "../apps/server/src/telemetry/store/clickhouse-store";
import { createTestApp } from "../apps/server/src/testing/harness";
import { freshDatabase, useTestTelemetryStore } from "../apps/server/src/testing/telemetry-store";
import {
  traceSpansPage as pageSchema,
  TRACE_PAGE_MAX_LIMIT,
  trace as traceSchema,
} from "../packages/contracts/src/index";

const SPANS = Number(process.env.BENCH_SPANS ?? 10_000_000);
const LOG_ROWS = Number(process.env.BENCH_LOG_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const SPREAD_S = 3 * 86_400;
const SPANS_PER_TRACE = 5;
const ONLY = process.env.BENCH_ONLY ?? "";
const CLICKHOUSE_URL = process.env.BENCH_CLICKHOUSE_URL;
const BIG_TRACE_SPANS = 10_000;
/** The waterfall's first page (apps/web/src/lib/trace-pages.ts). */
const FIRST_PAGE = 300;

function percentile(ms: number[], q: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

async function main(): Promise<void> {
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (${os.cpus().length} cores)`,
  );
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-bench-observability-"));
  const database = CLICKHOUSE_URL ? await freshDatabase(CLICKHOUSE_URL) : undefined;
  console.log(`store: ${database ? `ClickHouse server over HTTP (${new URL(database).host})` : "chDB in process"}`);
  const driver = database ? openClickHouseDriver(database) : await openChdbDriver(path.join(dir, "chdb"));
  const store = new ClickHouseTelemetryStore(driver, { traces: 30, logs: 30, metrics: 30 });
  await store.migrate();
  useTestTelemetryStore(store);
  const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  try {
    const owner = await t.signup("bench@example.com", { orgName: "Bench" });
    const as = { cookie: owner.cookie };
    const server = (await t.call("POST", "/api/v1/servers", { as, body: { name: "s" } })).body.data.server_id;
    const project = (await t.call("POST", "/api/v1/projects", { as, body: { name: "p" } })).body.data.id;
    const service = (
      await t.call("POST", `/api/v1/projects/${project}/services`, {
        as,
        body: { name: "api", server_id: server, source_type: "image", source_config: { image: "x" }, port: 80 },
      })
    ).body.data.id as string;
    const end = Math.floor(Date.now() / 1000) - 60;
    const params = {
      org: owner.orgId,
      service,
      other: randomUUID(),
      deployment: randomUUID(),
      end,
      spread: SPREAD_S,
    };

    // Spans: traces of 5 (a server root and 4 children), 8 routes, durations 1..~2000 ms skewed low, 2% of traces
    // failed. A fifth of the traces belong to another service of the organization.
    let started = performance.now();
    await driver.exec(
      `INSERT INTO traces (org_id, service_id, deployment_id, trace_id, span_id, parent_span_id, operation_name,
          span_kind, start_time, duration_ns, status_code, status_message, attributes, events, sample_weight)
       SELECT {org:UUID}, if(tr % 5 = 0, {other:UUID}, {service:UUID}), {deployment:UUID},
          lower(hex(MD5(toString(tr)))), substring(lower(hex(MD5(toString(number)))), 1, 16),
          if(j = 0, '', substring(lower(hex(MD5(toString(tr * ${SPANS_PER_TRACE})))), 1, 16)),
          if(j = 0, concat('GET /api/', ['orders', 'cart', 'users', 'search', 'login', 'items', 'pay', 'ship'][tr % 8 + 1]),
             ['SELECT orders', 'redis GET', 'POST payments', 'render'][j]),
          if(j = 0, 'server', 'client'),
          fromUnixTimestamp64Milli(toInt64(({end:Int64} - {spread:Int64}) * 1000 + intDiv(tr * {spread:Int64} * 1000, ${SPANS / SPANS_PER_TRACE}) + j), 'UTC'),
          toUInt64(1000000 * (1 + (cityHash64(tr) % 1000) * (cityHash64(tr) % 1000) / 500)),
          if(tr % 50 = 0 AND j = 0, 'error', 'ok'), '',
          map('http.route', concat('/api/', toString(tr % 8)), 'user.id', toString(tr % 10000)), '[]', 1
       FROM (SELECT number, intDiv(number, ${SPANS_PER_TRACE}) AS tr, number % ${SPANS_PER_TRACE} AS j
             FROM numbers(${SPANS}))`,
      params,
    );
    console.log(`generated ${SPANS.toLocaleString()} spans in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    await driver.exec(
      `INSERT INTO logs (org_id, service_id, deployment_id, timestamp, level, message, attributes, trace_id, span_id, source)
       SELECT {org:UUID}, {service:UUID}, {deployment:UUID},
          fromUnixTimestamp64Milli(toInt64(({end:Int64} - {spread:Int64}) * 1000 + intDiv(number * {spread:Int64} * 1000, ${LOG_ROWS})), 'UTC'),
          multiIf(number % 100 < 60, 'info', number % 100 < 80, 'debug', number % 100 < 95, 'warn', 'error'),
          multiIf(number % 100000 = 5, concat('payment failed: quokka_checkout_declined for order ', toString(number)),
                  number % 100 < 60, concat('GET /api/orders 200 in ', toString(number % 900), 'ms request_id=', hex(cityHash64(number))),
                  number % 100 < 95, concat('slow query on orders took ', toString(number % 5000), 'ms'),
                  concat('Error: connect ECONNREFUSED 10.0.', toString(number % 255), '.', toString(number % 253), ':5432')),
          map('http.route', concat('/api/', toString(number % 8)), 'pod', concat('web-', toString(number % 3))),
          if(number % 10 = 0, lower(hex(MD5(toString(intDiv(number, 10))))), ''), '', 'stdout'
       FROM numbers(${LOG_ROWS})`,
      params,
    );
    console.log(
      `generated ${LOG_ROWS.toLocaleString()} log records in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    // One big trace among them (in the last 10 minutes): a root, 99 children, 9,900 grandchildren, across two
    // services, each span with 8 attributes (a 100-byte SQL statement among them), every 10th with an event.
    const bigTrace = "b16b16b16b16b16b16b16b16b16b16b1";
    await driver.exec(
      `INSERT INTO traces (org_id, service_id, deployment_id, trace_id, span_id, parent_span_id, operation_name,
          span_kind, start_time, duration_ns, status_code, status_message, attributes, events, sample_weight)
       SELECT {org:UUID}, if(number % 3 = 0, {service:UUID}, {other:UUID}), {deployment:UUID}, {big:String},
          substring(lower(hex(MD5(concat('big', toString(number))))), 1, 16),
          if(number = 0, '', substring(lower(hex(MD5(concat('big', toString(if(number < 100, 0, intDiv(number, 100))))))), 1, 16)),
          if(number = 0, 'POST /import', concat('INSERT row ', toString(number))), if(number = 0, 'server', 'client'),
          fromUnixTimestamp64Milli(toInt64(({end:Int64} - 600) * 1000 + number), 'UTC'),
          toUInt64(if(number = 0, 20000, 1 + number % 7) * 1000000), if(number % 500 = 7, 'error', 'ok'), '',
          map('db.system', 'postgresql', 'db.name', 'imports', 'db.operation', 'INSERT', 'net.peer.name', 'db-1',
              'net.peer.port', '5432', 'row.index', toString(number), 'thread.id', toString(number % 16),
              'db.statement', concat('INSERT INTO rows (id, payload, created_at) VALUES ($1, $2, now()) -- row ', toString(number))),
          if(number % 10 = 0, concat('[{"name":"retry","timestamp_ns":', toString((({end:Int64} - 600) * 1000 + number) * 1000000),
             ',"attributes":{"attempt":2,"reason":"serialization failure"}}]'), '[]'), 1
       FROM numbers(${BIG_TRACE_SPANS})`,
      { ...params, big: bigTrace },
    );
    for (const table of ["traces", "logs", "trace_spans", "span_red_1m"])
      await driver.exec(`OPTIMIZE TABLE ${table} FINAL`);
    for (const s of await store.stats()) {
      if (s.rows > 0) console.log(`  ${s.table.padEnd(14)} ${s.rows.toLocaleString().padStart(12)} rows`);
    }

    const address = await t.app.listen({ host: "127.0.0.1", port: 0 });
    const headers = { cookie: `syntra_session=${owner.cookie}` };
    const get = async (url: string) => {
      const res = await fetch(`${address}${url}`, { headers });
      const body = (await res.json()) as { data: unknown; meta?: { cursor?: string } };
      if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    const at = (secondsAgo: number) => new Date((end - secondsAgo) * 1000).toISOString();
    const range = (seconds: number) => `from=${at(seconds)}&to=${at(0)}`;
    const trace = (await get(`/api/v1/services/${service}/traces?${range(3600)}&limit=1`)).data as {
      trace_id: string;
    }[];
    const traceId = trace[0]?.trace_id ?? "";
    const firstPage = await get(`/api/v1/services/${service}/logs?${range(86_400)}&limit=100`);
    const cursor = firstPage.meta?.cursor ?? "";

    const base = `/api/v1/services/${service}`;
    const cases: [string, string][] = [
      ["overview, last hour (1m)", `${base}/overview?${range(3600)}`],
      ["overview, last 24 h (5m)", `${base}/overview?${range(86_400)}`],
      ["overview, last 3 days (1h)", `${base}/overview?${range(SPREAD_S)}&interval=1h`],
      ["traces, last hour, newest 500", `${base}/traces?${range(3600)}&limit=500`],
      ["traces, failed, last 24 h", `${base}/traces?${range(86_400)}&status=error&limit=100`],
      ["traces, >= 1 s, attribute, 24 h", `${base}/traces?${range(86_400)}&min_duration_ms=1000&attribute=user.id:42`],
      ["trace by id", `/api/v1/traces/${traceId}`],
      ["trace's logs", `/api/v1/traces/${traceId}/logs`],
      ["logs, newest page (24 h)", `${base}/logs?${range(86_400)}&limit=100`],
      ["logs, next page by cursor", `${base}/logs?${range(86_400)}&limit=100&cursor=${cursor}`],
      ["logs, rare substring (3 days)", `${base}/logs?${range(SPREAD_S)}&search=quokka_checkout`],
      ["logs, key:value filter (24 h)", `${base}/logs?${range(86_400)}&attribute=pod:web-2&level=warn`],
      ["log histogram, 24 h", `${base}/logs/histogram?${range(86_400)}`],
      ["log histogram, search, 3 days", `${base}/logs/histogram?${range(SPREAD_S)}&search=econnrefused`],
    ];
    console.log(`\nAPI latency over HTTP, ${RUNS} runs each after one warm-up (wall time on this shared machine):`);
    const medians = new Map<string, number>();
    for (const [name, url] of cases.filter(([name]) => name.includes(ONLY))) {
      await get(url);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await get(url);
        times.push(performance.now() - t0);
      }
      medians.set(name, percentile(times, 0.5));
      console.log(
        `  ${name.padEnd(34)} p50 ${percentile(times, 0.5).toFixed(1).padStart(7)} ms  p95 ${percentile(times, 0.95).toFixed(1).padStart(7)} ms`,
      );
    }

    // The 10,000-span trace as the waterfall reads it: pages of outlines (the first small, the rest the largest
    // allowed), each answer parsed and checked with its contracts schema as the api-client does; beside it, the
    // whole trace in one answer.
    const readPaged = async () => {
      const t0 = performance.now();
      const first = await get(`/api/v1/traces/${bigTrace}/spans?limit=${FIRST_PAGE}`);
      let spans = pageSchema.parse(first.data).spans.length;
      const firstMs = performance.now() - t0;
      let cursor = first.meta?.cursor;
      while (cursor) {
        const next = await get(`/api/v1/traces/${bigTrace}/spans?limit=${TRACE_PAGE_MAX_LIMIT}&cursor=${cursor}`);
        spans += pageSchema.parse(next.data).spans.length;
        cursor = next.meta?.cursor;
      }
      if (spans !== BIG_TRACE_SPANS) throw new Error(`paged read gave ${spans} spans`);
      return [firstMs, performance.now() - t0] as const;
    };
    const readWhole = async () => {
      const t0 = performance.now();
      const spans = traceSchema.parse((await get(`/api/v1/traces/${bigTrace}`)).data).spans.length;
      if (spans !== BIG_TRACE_SPANS) throw new Error(`one answer gave ${spans} spans`);
      return performance.now() - t0;
    };
    if ("trace, 10,000 spans".includes(ONLY) || ONLY === "trace") {
      const size = async (url: string) =>
        (await (await fetch(`${address}${url}`, { headers })).arrayBuffer()).byteLength;
      console.log(
        `\n10,000-span trace (fetch + JSON + schema check, ${RUNS} runs after a warm-up): first page ${(
          (await size(`/api/v1/traces/${bigTrace}/spans?limit=${FIRST_PAGE}`)) / 1024
        ).toFixed(0)} KiB, one answer ${((await size(`/api/v1/traces/${bigTrace}`)) / 1024).toFixed(0)} KiB`,
      );
      await readPaged();
      await readWhole();
      const firsts: number[] = [];
      const paged: number[] = [];
      const whole: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const [f, all] = await readPaged();
        firsts.push(f);
        paged.push(all);
        whole.push(await readWhole());
      }
      const line = (name: string, ms: number[]) =>
        `  ${name.padEnd(44)} p50 ${percentile(ms, 0.5).toFixed(1).padStart(7)} ms  p95 ${percentile(ms, 0.95).toFixed(1).padStart(7)} ms`;
      console.log(line(`first page (${FIRST_PAGE} outlines)`, firsts));
      console.log(line(`every page (${FIRST_PAGE}, then ${TRACE_PAGE_MAX_LIMIT} each)`, paged));
      console.log(line("whole trace in one answer (GET /traces/:id)", whole));
      console.log(
        `  first page ${(percentile(whole, 0.5) / percentile(firsts, 0.5)).toFixed(1)}x sooner than the one answer; every page in ${(percentile(paged, 0.5) / percentile(whole, 0.5)).toFixed(2)}x its time`,
      );
    }

    // The peer approach: the same RED figures from the raw spans, as a store without rollups computes them.
    const raw = async (seconds: number) => {
      const t0 = performance.now();
      await driver.query(
        `SELECT toStartOfInterval(start_time, toIntervalSecond({step:UInt32})) AS t, sum(sample_weight) AS requests,
            sumIf(sample_weight, status_code = 'error') AS errors, quantiles(0.5, 0.95, 0.99)(duration_ns) AS q
         FROM traces
         WHERE org_id = {org:UUID} AND service_id = {service:UUID} AND (span_kind IN ('server', 'consumer') OR parent_span_id = '')
           AND start_time >= toDateTime({from:Int64}, 'UTC') AND start_time <= toDateTime({end:Int64}, 'UTC')
         GROUP BY t ORDER BY t`,
        {
          org: owner.orgId,
          service,
          from: end - seconds,
          end,
          step: seconds <= 3600 ? 60 : seconds <= 86_400 ? 300 : 3600,
        },
      );
      return performance.now() - t0;
    };
    if ("overview".includes(ONLY))
      console.log("\nRED per interval from the raw spans instead of the rollup (engine time only, no HTTP):");
    for (const [name, seconds] of (
      [
        ["overview, last 24 h (5m)", 86_400],
        ["overview, last 3 days (1h)", SPREAD_S],
      ] as const
    ).filter(([name]) => name.includes(ONLY))) {
      await raw(seconds);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await raw(seconds));
      const rollup = medians.get(name) ?? 0;
      console.log(
        `  ${name.padEnd(34)} raw spans p50 ${percentile(times, 0.5).toFixed(1)} ms vs rollup API ${rollup.toFixed(1)} ms: ${(percentile(times, 0.5) / rollup).toFixed(1)}x`,
      );
    }
  } finally {
    await t.close();
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
    if (database && CLICKHOUSE_URL) {
      await fetch(CLICKHOUSE_URL, { method: "POST", body: `DROP DATABASE ${new URL(database).pathname.slice(1)}` });
    }
  }
}

await main();
