// Host metrics in the telemetry store (issue 19 item 1): a fleet's heartbeats written as the hub writes them
// (hostMetricRows, one store insert per batch of beats), then the disk they take per heartbeat in chDB (raw samples
// and the 1m/5m/1h rollups) beside the PostgreSQL table they used to go to (server_metrics of migration 0002, on
// PGlite, the same beats), and the latencies of what reads them: one server's chart (1m over an hour, 1d over the
// range) and a server-metric alert rule over every server (5 minutes of the 1m rollup).
// Run: npm run bench:host-metrics  (BENCH_SERVERS, default 200; BENCH_HOURS, default 24; one beat per 30 s)
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { HOST_METRICS, hostMetricRows } from "../apps/server/src/telemetry/host-metrics";
import { openTelemetryStore } from "../apps/server/src/telemetry/store/open";
import type { MetricRow } from "../apps/server/src/telemetry/store/types";
import { heartbeatPayload } from "../apps/server/src/testing/agent-peer";

const SERVERS = Number(process.env.BENCH_SERVERS ?? 200);
const HOURS = Number(process.env.BENCH_HOURS ?? 24);
const STEP_MS = 30_000;
const RUNS = 20;

const orgId = crypto.randomUUID();
const servers = Array.from({ length: SERVERS }, () => ({ id: crypto.randomUUID(), orgId }));
const end = Date.UTC(2026, 0, 2);
const start = end - HOURS * 3_600_000;
const beatsPerServer = (end - start) / STEP_MS;

function percentile(ms: number[], q: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

async function latency(fn: () => Promise<unknown>): Promise<string> {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return `p50 ${percentile(ms, 0.5).toFixed(1)} ms, p95 ${percentile(ms, 0.95).toFixed(1)} ms`;
}

/** One beat of every server at `at`, with values that vary (compression is not flattered by constants). */
function fleetBeat(at: number, i: number) {
  return heartbeatPayload({
    resources: {
      cpu_usage_percent: (i * 7 + at / STEP_MS) % 100,
      memory_used_mb: 2000 + ((at / STEP_MS) % 500),
      network_rx_bytes: Math.floor(at / 10),
      network_tx_bytes: Math.floor(at / 20),
    },
  });
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-bench-host-"));
const store = await openTelemetryStore({
  clickhouseUrl: undefined,
  dataDir: dir,
  retentionDays: { traces: 30, logs: 30, metrics: 3650 },
});
const pg = new PGlite();
await pg.exec(`CREATE TABLE server_metrics (id BIGSERIAL PRIMARY KEY, server_id UUID NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL, cpu_percent DOUBLE PRECISION NOT NULL, memory_used_mb DOUBLE PRECISION NOT NULL,
  memory_available_mb DOUBLE PRECISION NOT NULL, disk_used_gb DOUBLE PRECISION NOT NULL,
  disk_available_gb DOUBLE PRECISION NOT NULL, network_rx_bytes BIGINT NOT NULL, network_tx_bytes BIGINT NOT NULL);
  CREATE INDEX idx_server_metrics_server_time ON server_metrics (server_id, recorded_at DESC);`);

let storeMs = 0;
let rows: MetricRow[] = [];
let pgRows: unknown[] = [];
const flush = async () => {
  const t0 = performance.now();
  await store.insert({ spans: [], logs: [], metrics: rows });
  storeMs += performance.now() - t0;
  await pg.query(
    `INSERT INTO server_metrics (server_id, recorded_at, cpu_percent, memory_used_mb, memory_available_mb,
       disk_used_gb, disk_available_gb, network_rx_bytes, network_tx_bytes)
     SELECT id, at, cpu, mu, ma, du, da, rx, tx FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, at timestamptz,
       cpu float8, mu float8, ma float8, du float8, da float8, rx bigint, tx bigint)`,
    [JSON.stringify(pgRows)],
  );
  rows = [];
  pgRows = [];
};
for (let at = start; at < end; at += STEP_MS) {
  servers.forEach((server, i) => {
    const beat = fleetBeat(at, i);
    rows.push(...hostMetricRows(server, beat.resources, new Date(at)));
    const r = beat.resources;
    pgRows.push({
      id: server.id,
      at: new Date(at).toISOString(),
      cpu: r.cpu_usage_percent,
      mu: r.memory_used_mb,
      ma: r.memory_available_mb,
      du: r.disk_used_gb,
      da: r.disk_available_gb,
      rx: r.network_rx_bytes,
      tx: r.network_tx_bytes,
    });
  });
  if (rows.length >= 100_000) await flush();
}
await flush();
const beats = SERVERS * beatsPerServer;
const tables = await store.stats();
const bytes = (name: string) => tables.find((t) => t.table === name)?.bytesOnDisk ?? 0;
const rollups = bytes("metrics_1m") + bytes("metrics_5m") + bytes("metrics_1h");
const [pgSize] = (await pg.query<{ n: number }>("SELECT pg_total_relation_size('server_metrics')::float8 AS n")).rows;
const pgBytes = pgSize?.n ?? 0;
const storeBytes = bytes("metrics_raw") + rollups;
console.log(`${SERVERS} servers x ${HOURS} h at one beat per 30 s: ${beats.toLocaleString("en")} heartbeats`);
console.log(
  `store insert: ${((beats / storeMs) * 1000).toFixed(0)} heartbeats/s (${Object.keys(HOST_METRICS).length} gauge rows each)`,
);
console.log(
  `disk per heartbeat: store ${(storeBytes / beats).toFixed(1)} B (raw ${(bytes("metrics_raw") / beats).toFixed(1)} B + rollups ${(rollups / beats).toFixed(1)} B, parts as inserted); PostgreSQL server_metrics ${(pgBytes / beats).toFixed(1)} B (with its index); ratio ${(pgBytes / storeBytes).toFixed(1)}x`,
);
const server = servers[0];
if (!server) throw new Error("no server");
const scope = { orgId, serviceId: server.id };
const names = Object.values(HOST_METRICS).slice(0, 7);
console.log(
  `server chart, 1m over the last hour: ${await latency(() => store.metricSeries(scope, { names, interval: "1m", from: new Date(end - 3_600_000), to: new Date(end) }))}`,
);
console.log(
  `server chart, 1d over ${HOURS} h: ${await latency(() => store.metricSeries(scope, { names, interval: "1d", from: new Date(start), to: new Date(end) }))}`,
);
console.log(
  `server-metric alert rule, ${SERVERS} servers, 5 min: ${await latency(() =>
    store.metricPerService({
      orgId,
      serviceIds: servers.map((s) => s.id),
      metric: HOST_METRICS.memory_used_percent,
      labels: {},
      from: new Date(end - 300_000),
      to: new Date(end),
    }),
  )}`,
);
await store.close();
await pg.close();
await fs.rm(dir, { recursive: true, force: true });
