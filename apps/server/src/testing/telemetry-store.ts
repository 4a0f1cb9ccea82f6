import { randomUUID } from "node:crypto";
import { tempDirUntilExit } from "@syntra/testing/temp-dir";
import { openTelemetryStore } from "../telemetry/store/open";
import type { TelemetryStore } from "../telemetry/store/types";

const RETENTION = { traces: 30, logs: 30, metrics: 30 };

let shared: Promise<TelemetryStore> | undefined;

/**
 * A telemetry store for tests. chDB allows one data directory per process, so every test app of a process shares
 * one store, opened on first use (tests that never touch telemetry never load the engine); test data stays apart
 * because every query is scoped by organization, and each test signs up organizations of its own. With
 * TEST_CLICKHOUSE_URL set, the store is a fresh database on that ClickHouse server instead.
 */
export function sharedTestTelemetryStore(): TelemetryStore {
  const open = () => {
    shared ??= openSharedStore();
    return shared;
  };
  return {
    get kind() {
      return process.env.TEST_CLICKHOUSE_URL ? "clickhouse" : "chdb";
    },
    migrate: async () => (await open()).migrate(),
    insert: async (rows, opts) => (await open()).insert(rows, opts),
    searchTraces: async (scope, search) => (await open()).searchTraces(scope, search),
    getTrace: async (orgId, traceId, limit) => (await open()).getTrace(orgId, traceId, limit),
    traceSpans: async (orgId, traceId, query) => (await open()).traceSpans(orgId, traceId, query),
    getSpan: async (orgId, traceId, spanId) => (await open()).getSpan(orgId, traceId, spanId),
    searchLogs: async (scope, search) => (await open()).searchLogs(scope, search),
    metricSeries: async (scope, query) => (await open()).metricSeries(scope, query),
    serviceRed: async (scope, query) => (await open()).serviceRed(scope, query),
    logHistogram: async (scope, search) => (await open()).logHistogram(scope, search),
    traceLogs: async (orgId, traceId, limit) => (await open()).traceLogs(orgId, traceId, limit),
    metricCatalog: async (scope, range) => (await open()).metricCatalog(scope, range),
    metricAggregate: async (scope, search) => (await open()).metricAggregate(scope, search),
    requestStats: async (query) => (await open()).requestStats(query),
    metricPerService: async (query) => (await open()).metricPerService(query),
    stats: async () => (await open()).stats(),
    // The store outlives each test app: it is closed when the process ends.
    close: async () => {},
  } satisfies TelemetryStore;
}

/**
 * Makes `store` the one every test app of this process uses (before any app touches telemetry): for benchmarks that
 * load a store of their own making (chDB allows one data directory per process).
 */
export function useTestTelemetryStore(store: TelemetryStore): void {
  if (shared) throw new Error("the shared test telemetry store is already open");
  shared = Promise.resolve(store);
}

async function openSharedStore(): Promise<TelemetryStore> {
  const url = process.env.TEST_CLICKHOUSE_URL;
  if (url)
    return openTelemetryStore({ clickhouseUrl: await freshDatabase(url), dataDir: "", retentionDays: RETENTION });
  const dir = await tempDirUntilExit("syntra-telemetry-");
  return await openTelemetryStore({ clickhouseUrl: undefined, dataDir: dir, retentionDays: RETENTION });
}

/** Creates an empty database on a ClickHouse server and returns the server URL pointing at it. */
export async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `syntra_test_${randomUUID().replaceAll("-", "")}`;
  const url = new URL(serverUrl);
  const res = await fetch(url, { method: "POST", body: `CREATE DATABASE ${name}` });
  if (!res.ok) throw new Error(`cannot create a test database on ${url.host}: ${res.status} ${await res.text()}`);
  url.pathname = `/${name}`;
  return url.toString();
}
