// Telemetry store benchmark (chDB, in-process): the RSS chDB adds to an idle control plane, the load rate of log
// records and spans through the store's own insert path, the on-disk size, then the query latencies the issue sets
// targets for on 10M log rows: substring search p50 <= 300 ms, trace by id <= 50 ms. Beside each indexed query it runs
// the same query on a copy of the seed schema of spec 3.2 (no skip indexes, no trace lookup table, monthly
// partitions, LZ4) loaded with the same rows, and prints the ratio.
// Run: npm run bench:telemetry  (BENCH_LOG_ROWS, default 10000000; BENCH_SPANS, default 1000000; BENCH_RUNS, 20)
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const LOG_ROWS = Number(process.env.BENCH_LOG_ROWS ?? 10_000_000);
const SPANS = Number(process.env.BENCH_SPANS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const BATCH = 100_000;
const SPREAD_MS = 3 * 86_400_000;

function rssMb(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

function percentile(ms: number[], q: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

function stats(ms: number[]): string {
  return `p50 ${percentile(ms, 0.5).toFixed(1)} ms, p95 ${percentile(ms, 0.95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms (n=${ms.length})`;
}

/** CPU seconds this process used (JavaScript and chDB's threads alike), which the machine's load does not inflate. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Wall time of a call; the CPU time it used (all threads of this process) is added to `cpu` when given. */
async function timed<T>(fn: () => Promise<T>, cpu?: number[]): Promise<[number, T]> {
  const started = performance.now();
  const cpuStart = cpuSeconds();
  const result = await fn();
  cpu?.push((cpuSeconds() - cpuStart) * 1000);
  return [performance.now() - started, result];
}

function cpuNote(cpu: number[]): string {
  return `CPU p50 ${percentile(cpu, 0.5).toFixed(1)} ms`;
}

// Realistic lines: access logs, app messages with ids, stack-trace-ish errors, JSON-ish attributes.
const PATHS = ["/api/orders", "/api/orders/:id", "/api/cart", "/api/users/me", "/healthz", "/api/search", "/login"];
const WORDS = ["cache", "miss", "retry", "upstream", "timeout", "queue", "worker", "payment", "invoice", "session"];
function message(i: number): { level: "debug" | "info" | "warn" | "error"; message: string } {
  const r = i % 100;
  const id = (i * 2654435761) % 1_000_000_007;
  if (r < 60) {
    const p = PATHS[i % PATHS.length];
    return { level: "info", message: `GET ${p} 200 in ${(id % 900) + 3}ms request_id=${id.toString(16)}` };
  }
  if (r < 80) return { level: "debug", message: `${WORDS[i % 10]} ${WORDS[(i >> 3) % 10]} for key user:${id % 50000}` };
  if (r < 95) return { level: "warn", message: `slow query on orders took ${id % 5000}ms (rows=${id % 700})` };
  return { level: "error", message: `Error: connect ECONNREFUSED 10.0.${id % 255}.${i % 255}:5432 at TCPConnectWrap` };
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-bench-telemetry-"));
  const org = randomUUID();
  const servicesIds = Array.from({ length: 5 }, () => randomUUID());
  const deployment = randomUUID();
  const service = servicesIds[0] as string;
  const end = Date.now() - 60_000;
  const start = end - SPREAD_MS;
  // The machine is shared: the load says how much of its 2 cores this run had.
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (${os.cpus().length} cores)`,
  );
  try {
    // Idle cost: RSS before and after loading the engine and opening a migrated, empty store.
    if (global.gc) global.gc();
    const before = rssMb();
    const { openChdbDriver } = await import("../apps/server/src/telemetry/store/chdb-driver");
    const { ClickHouseTelemetryStore } = await import("../apps/server/src/telemetry/store/clickhouse-store");
    const driver = await openChdbDriver(path.join(dir, "chdb"));
    const store = new ClickHouseTelemetryStore(driver, { traces: 30, logs: 30, metrics: 30 });
    await store.migrate();
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssMb();
    console.log(`idle RSS added by chDB (engine loaded, empty store migrated): ${(idle - before).toFixed(0)} MB`);

    // Load through the store's insert path: one insert call per batch, as ingest does.
    // Words that occur nowhere else, so a search for it has to find 100 records among 10M (hex ids, which every
    // line has, would match most granules' n-grams).
    const needle = "quokka_checkout_declined";
    let loaded = 0;
    const logCpu = cpuSeconds();
    const [loadMs] = await timed(async () => {
      while (loaded < LOG_ROWS) {
        const n = Math.min(BATCH, LOG_ROWS - loaded);
        const logs = Array.from({ length: n }, (_, k) => {
          const i = loaded + k;
          const m = message(i);
          // A rare needle: one record in 100,000 (all of the first service, which the searches ask for).
          const text = i % 100_000 === 5 ? `payment failed: ${needle} for order ${i}` : m.message;
          return {
            org_id: org,
            service_id: servicesIds[i % servicesIds.length] as string,
            deployment_id: deployment,
            timestamp: new Date(start + Math.floor((i / LOG_ROWS) * SPREAD_MS)).toISOString(),
            level: m.level,
            message: text,
            attributes: { "http.route": PATHS[i % PATHS.length] as string, pod: `web-${i % 3}` },
            source: (i % 7 === 0 ? "stderr" : "stdout") as "stderr" | "stdout",
          };
        });
        await store.insert({ spans: [], logs, metrics: [] }, { dedupToken: `logs-${loaded}` });
        loaded += n;
      }
    });
    const logCpuUsed = cpuSeconds() - logCpu;
    console.log(
      `loaded ${LOG_ROWS.toLocaleString()} log records in ${(loadMs / 1000).toFixed(1)} s: ${Math.round(LOG_ROWS / (loadMs / 1000)).toLocaleString()} records/s wall, ${Math.round(LOG_ROWS / logCpuUsed).toLocaleString()} records per CPU-second (${((logCpuUsed / LOG_ROWS) * 1e6).toFixed(1)} CPU-s per million, generating the rows included)`,
    );

    const traceIds: string[] = [];
    let spans = 0;
    const spanCpu = cpuSeconds();
    const [spanMs] = await timed(async () => {
      while (spans < SPANS) {
        const n = Math.min(BATCH, SPANS - spans);
        const batch = [];
        // Traces of 10 spans across the services.
        for (let k = 0; k < n; k += 10) {
          const traceId = randomBytes(16).toString("hex");
          if (traceIds.length < 10_000) traceIds.push(traceId);
          const t0 = start + Math.floor(((spans + k) / SPANS) * SPREAD_MS);
          const root = randomBytes(8).toString("hex");
          for (let j = 0; j < 10 && k + j < n; j++) {
            batch.push({
              org_id: org,
              service_id: servicesIds[j % servicesIds.length] as string,
              deployment_id: deployment,
              trace_id: traceId,
              span_id: j === 0 ? root : randomBytes(8).toString("hex"),
              ...(j > 0 && { parent_span_id: root }),
              operation_name: j === 0 ? `GET ${PATHS[k % PATHS.length]}` : `SELECT orders`,
              span_kind: (j === 0 ? "server" : "client") as "server" | "client",
              start_time_ns: (t0 + j) * 1e6,
              duration_ns: ((k * 7919 + j) % 500) * 1e6 + 1000,
              status: { code: (k % 50 === 0 && j === 3 ? "error" : "ok") as "ok" | "error" },
              attributes: { "http.route": PATHS[k % PATHS.length] as string, "db.system": "postgresql" },
              events: [],
            });
          }
        }
        await store.insert({ spans: batch, logs: [], metrics: [] }, { dedupToken: `spans-${spans}` });
        spans += n;
      }
    });
    const spanCpuUsed = cpuSeconds() - spanCpu;
    console.log(
      `loaded ${SPANS.toLocaleString()} spans in ${(spanMs / 1000).toFixed(1)} s: ${Math.round(SPANS / (spanMs / 1000)).toLocaleString()} spans/s wall, ${Math.round(SPANS / spanCpuUsed).toLocaleString()} spans per CPU-second (${((spanCpuUsed / SPANS) * 1e6).toFixed(1)} CPU-s per million)`,
    );
    console.log(`RSS after loading: ${rssMb().toFixed(0)} MB`);
    for (const s of await store.stats()) {
      if (s.rows === 0) continue;
      console.log(
        `  ${s.table.padEnd(14)} ${s.rows.toLocaleString().padStart(12)} rows  ${(s.bytesOnDisk / 1024 / 1024).toFixed(1).padStart(8)} MB on disk  ${(s.bytesOnDisk / s.rows).toFixed(1)} B/row`,
      );
    }

    // Queries run on merged tables: a store some minutes old has merged its recent small parts (on this loaded machine
    // the background merges lag far behind the inserts).
    const parts = await driver.query<{ table: string; n: string }>(
      "SELECT table, toString(count()) AS n FROM system.parts WHERE active AND database = currentDatabase() AND table IN ('logs', 'traces') GROUP BY table",
    );
    console.log(`active parts after loading: ${parts.map((p) => `${p.table} ${p.n}`).join(", ")}; merging them`);
    await driver.exec("OPTIMIZE TABLE logs FINAL");
    await driver.exec("OPTIMIZE TABLE traces FINAL");
    await driver.exec("OPTIMIZE TABLE trace_spans FINAL");

    // The peer: the seed schema of spec 3.2 as written (monthly partitions, no skip index, no trace lookup table),
    // holding the same rows, queried the same way.
    const [copyMs] = await timed(async () => {
      await driver.exec(`CREATE TABLE logs_seed (timestamp DateTime64(9, 'UTC'), service_id UUID, deployment_id UUID,
        level Enum8('trace' = 0, 'debug' = 1, 'info' = 2, 'warn' = 3, 'error' = 4, 'fatal' = 5), message String,
        attributes Map(String, String), trace_id Nullable(String), span_id Nullable(String),
        source Enum8('stdout' = 0, 'stderr' = 1, 'sdk' = 2))
        ENGINE = MergeTree PARTITION BY toYYYYMM(timestamp) ORDER BY (service_id, timestamp)`);
      await driver.exec(`INSERT INTO logs_seed SELECT timestamp, service_id, deployment_id, level, message, attributes,
        nullIf(trace_id, ''), nullIf(span_id, ''), source FROM logs`);
      await driver.exec(`CREATE TABLE traces_seed (trace_id String, span_id String, parent_span_id String,
        service_id UUID, deployment_id UUID, operation_name String,
        span_kind Enum8('internal' = 0, 'server' = 1, 'client' = 2, 'producer' = 3, 'consumer' = 4),
        start_time DateTime64(9, 'UTC'), duration_ns UInt64, status_code Enum8('unset' = 0, 'ok' = 1, 'error' = 2),
        status_message String, attributes Map(String, String), events String)
        ENGINE = MergeTree PARTITION BY toYYYYMM(start_time) ORDER BY (service_id, start_time, trace_id, span_id)`);
      await driver.exec(`INSERT INTO traces_seed SELECT trace_id, span_id, parent_span_id, service_id, deployment_id,
        operation_name, span_kind, start_time, duration_ns, status_code, status_message, attributes, events FROM traces`);
    });
    console.log(`(seed-schema copies made in ${(copyMs / 1000).toFixed(1)} s)`);
    for (const s of await store.stats()) {
      if (s.table.endsWith("_seed")) {
        console.log(
          `  ${s.table.padEnd(14)} ${(s.bytesOnDisk / 1024 / 1024).toFixed(1).padStart(8)} MB on disk (seed schema)`,
        );
      }
    }

    const scope = { orgId: org, serviceId: service };
    const range = { from: new Date(start), to: new Date(end) };
    const params = {
      service,
      from: new Date(start).toISOString().slice(0, 23).replace("T", " "),
      to: new Date(end).toISOString().slice(0, 23).replace("T", " "),
    };
    const searches: Record<string, string> = { rare: needle, common: "econnrefused", absent: "zz-no-such-text-zz" };
    for (const [kind, term] of Object.entries(searches)) {
      const ours: number[] = [];
      const seed: number[] = [];
      const oursCpu: number[] = [];
      const seedCpu: number[] = [];
      let found = 0;
      for (let r = 0; r < RUNS; r++) {
        const [t, page] = await timed(() => store.searchLogs(scope, { ...range, search: term, limit: 100 }), oursCpu);
        ours.push(t);
        found = page.items.length;
        const [u, rows] = await timed(
          () =>
            driver.query(
              `SELECT timestamp, level, message, attributes FROM logs_seed
             WHERE service_id = {service:UUID} AND timestamp >= {from:DateTime64(9, 'UTC')} AND timestamp <= {to:DateTime64(9, 'UTC')}
               AND lowerUTF8(message) LIKE {pattern:String} ORDER BY timestamp DESC LIMIT 100`,
              { ...params, pattern: `%${term.toLowerCase()}%` },
            ),
          seedCpu,
        );
        if (rows.length !== found) throw new Error(`seed schema found ${rows.length}, the store ${found}`);
        seed.push(u);
      }
      const ratio = percentile(seed, 0.5) / percentile(ours, 0.5);
      const cpuRatio = percentile(seedCpu, 0.5) / percentile(oursCpu, 0.5);
      console.log(
        `log search, ${kind} term (${found} records on the first page), 3 days of one service: ${stats(ours)}, ${cpuNote(oursCpu)}`,
      );
      console.log(
        `  seed schema: ${stats(seed)}, ${cpuNote(seedCpu)}  -> ours ${ratio.toFixed(1)}x as fast at p50 (wall), ${cpuRatio.toFixed(1)}x (CPU)`,
      );
    }
    const tail: number[] = [];
    const tailCpu: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      tail.push((await timed(() => store.searchLogs(scope, { ...range, limit: 100 }), tailCpu))[0]);
    }
    console.log(`latest 100 log records of a service: ${stats(tail)}, ${cpuNote(tailCpu)}`);

    const byId: number[] = [];
    const byIdSeed: number[] = [];
    const byIdCpu: number[] = [];
    const byIdSeedCpu: number[] = [];
    for (let r = 0; r < RUNS * 2; r++) {
      const id = traceIds[(r * 7919) % traceIds.length] as string;
      const [t, got] = await timed(() => store.getTrace(org, id), byIdCpu);
      if (got.length !== 10) throw new Error(`trace ${id}: ${got.length} spans`);
      byId.push(t);
      const [u, rows] = await timed(
        () => driver.query("SELECT * FROM traces_seed WHERE trace_id = {id:String} ORDER BY start_time", { id }),
        byIdSeedCpu,
      );
      if (rows.length !== 10) throw new Error(`seed schema: trace ${id}: ${rows.length} spans`);
      byIdSeed.push(u);
    }
    console.log(`trace by id (10 spans) among ${SPANS.toLocaleString()} spans: ${stats(byId)}, ${cpuNote(byIdCpu)}`);
    console.log(
      `  seed schema: ${stats(byIdSeed)}, ${cpuNote(byIdSeedCpu)}  -> ours ${(percentile(byIdSeed, 0.5) / percentile(byId, 0.5)).toFixed(1)}x as fast at p50 (wall), ${(percentile(byIdSeedCpu, 0.5) / percentile(byIdCpu, 0.5)).toFixed(1)}x (CPU)`,
    );
    const list: number[] = [];
    const listCpu: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      list.push((await timed(() => store.searchTraces(scope, { ...range, limit: 20 }), listCpu))[0]);
    }
    console.log(`trace list (20 newest of a service): ${stats(list)}, ${cpuNote(listCpu)}`);
    console.log(
      `load average at end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
    await store.close();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
