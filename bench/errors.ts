// Error ingest benchmark on the embedded store (PGlite; PostgreSQL with TEST_DATABASE_URL):
//  1. grouping + storage: ErrorEvents in batches as an agent's telemetry_batch delivers them, through
//     ingestErrorEvents (fingerprint, upsert issues, insert events and users, update counts) -> events/s;
//  2. the whole path over HTTP: single-event Sentry envelopes (as the SDKs send them) from many concurrent senders,
//     as fast as they are answered: decompress, parse, convert, group commit, stored -> envelopes/s, and the answer's
//     p50/p99 (the endpoint answers after the commit, so an answered event is visible);
//  3. receive -> visible: envelopes from a few senders, each timed from the request's start until
//     GET /issues/:id/events shows it -> p50/p99.
// Bugsink publishes 30 events/s on 2 vCPU for the same job (grouping and storing Sentry events); it cannot be
// installed and fed here in the same run, so its published figure is printed beside ours.
// Run: npm run bench:errors   (BENCH_EVENTS, BENCH_BATCH, BENCH_HTTP_EVENTS, BENCH_HTTP_SENDERS, BENCH_ENVELOPES,
// BENCH_SENDERS to change the load;
// BENCH_PROFILE=1 prints where each phase's CPU went: PGlite's WebAssembly, its wire protocol, grouping, ...)
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import type { ErrorEvent } from "@syntra/contracts";
import { ingestErrorEvents } from "../apps/server/src/issues/ingest";
import { serviceOfNewOrg } from "../apps/server/src/testing/error-fixtures";
import { createTestApp } from "../apps/server/src/testing/harness";
import { testStore } from "../apps/server/src/testing/test-database";
import {
  BASE_RULES,
  type CategoryRule,
  type CpuProfile,
  fileHas,
  formatBreakdown,
  startCpuProfile,
} from "./cpu-breakdown";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const ENVELOPES = Number(process.env.BENCH_ENVELOPES ?? 2_000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 8);
const HTTP_EVENTS = Number(process.env.BENCH_HTTP_EVENTS ?? 10_000);
const HTTP_SENDERS = Number(process.env.BENCH_HTTP_SENDERS ?? 32);
const KINDS = 200;
const BUGSINK_EVENTS_PER_SECOND = 30;
const PROFILE = process.env.BENCH_PROFILE === "1" || process.env.BENCH_PROFILE === "2";

const has = fileHas;
/** The parts of the path the profile tells apart, by the file a sample's function is in. */
const CATEGORIES: CategoryRule[] = [
  ...BASE_RULES,
  { name: "PGlite execution (WebAssembly PostgreSQL)", test: (f) => f.url.startsWith("wasm://") },
  { name: "PGlite wire protocol and glue (JS)", test: has("@electric-sql/pglite") },
  { name: "fingerprint and normalization", test: has("issues/fingerprint.ts", "issues/normalize.ts") },
  { name: "event preparation (trim, title, user hash)", test: has("issues/prepare.ts") },
  {
    name: "ingest: SQL parameters and row JSON",
    test: has("issues/ingest.ts", "issues/ingest-queue.ts", "issues/event-deployments.ts", "issues/regression.ts"),
  },
  {
    name: "Sentry parse, decompress, convert",
    test: has("packages/sentry", "issues/ingest-routes.ts", "issues/report-store.ts", "node:zlib"),
  },
  { name: "HTTP server and client (Fastify, undici)", test: has("fastify", "undici", "node:_http", "node:net") },
  { name: "validation (zod)", test: has("/zod/") },
  { name: "API reads (Drizzle, issue queries)", test: has("drizzle-orm", "issues/issue-", "issues/serialize.ts") },
  { name: "hashing (node:crypto)", test: has("node:internal/crypto") },
  { name: "bench: event generator and client", test: has("bench/") },
  { name: "(program: V8 and native code)", test: (f) => f.functionName === "(program)" },
];

async function profilePhase(): Promise<CpuProfile | undefined> {
  return PROFILE ? startCpuProfile(CATEGORIES) : undefined;
}

async function printProfile(profile: CpuProfile | undefined): Promise<void> {
  if (!profile) return;
  console.log("  where this phase's CPU went (self time of the main thread, by file):");
  for (const line of formatBreakdown(await profile.stop())) console.log(line);
}

/**
 * The kind of the i-th event: skewed as real error streams are (a few issues make most events; here about half of
 * them come from the 10 most frequent of the 200 kinds), deterministic so runs compare.
 */
function kindOf(i: number): number {
  const u = ((i * 2654435761) % 4294967296) / 4294967296;
  return Math.floor(KINDS * u ** 4);
}

/** An event of one of KINDS kinds of error: its own type and in-app function, a message with varying ids. */
function makeEvent(serviceId: string, i: number): ErrorEvent {
  const kind = kindOf(i);
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    service_id: serviceId,
    deployment_id: randomUUID(),
    timestamp: now,
    type: `Kind${kind}Error`,
    message: `order ${100_000 + i} failed for user ${i % 1000}@example.com at ${now}`,
    stack_trace: [
      ...Array.from({ length: 10 }, (_, f) => ({
        filename: `/app/node_modules/framework/lib/layer${f}.js`,
        function: `Layer.handle${f}`,
        lineno: 10 + f,
        colno: 5,
        in_app: false,
      })),
      ...Array.from({ length: 5 }, (_, f) => ({
        filename: `/app/src/service${kind}/step${f}.ts`,
        function: `step${f}of${kind}`,
        lineno: 40 + f,
        colno: 9,
        context_line: `    const result = await step${f}(order);`,
        pre_context: ["export async function run(order) {", "  // business logic"],
        post_context: ["  return result;", "}"],
        in_app: true,
      })),
    ],
    breadcrumbs: Array.from({ length: 10 }, (_, b) => ({
      timestamp: now,
      type: "http" as const,
      category: "fetch",
      message: `GET /api/items/${b}`,
      level: "info" as const,
    })),
    context: {
      environment: "production",
      release: "shop@1.0.0",
      user: { id: `user-${i % 1000}` },
      tags: { region: ["eu", "us", "ap"][i % 3] ?? "eu", browser: "Chrome 131", route: `/checkout/${kind % 7}` },
      extra: { order_id: 100_000 + i },
    },
    fingerprint: [],
  };
}

/** The same event as a Sentry SDK sends it in an envelope: the envelope's bytes. */
function sentryEnvelope(serviceId: string, i: number): { eventId: string; body: string } {
  const e = makeEvent(serviceId, i);
  const eventId = e.id.replaceAll("-", "");
  const seconds = (iso: string) => Date.parse(iso) / 1000;
  const event = {
    event_id: eventId,
    timestamp: seconds(e.timestamp),
    platform: "node",
    level: "error",
    release: e.context.release,
    environment: e.context.environment,
    user: e.context.user,
    tags: e.context.tags,
    extra: e.context.extra,
    breadcrumbs: { values: e.breadcrumbs.map((b) => ({ ...b, timestamp: seconds(b.timestamp) })) },
    exception: {
      values: [
        {
          type: e.type,
          value: e.message,
          mechanism: { type: "generic", handled: true },
          stacktrace: { frames: e.stack_trace },
        },
      ],
    },
  };
  const body = `${JSON.stringify({ event_id: eventId, sent_at: new Date().toISOString() })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
  return { eventId, body };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true", SYNTRA_ERROR_INGEST_RATE: "0" });
try {
  const org = await serviceOfNewOrg(t, "bench@example.com");
  console.log(`store: ${testStore}; ${EVENTS} events of ${KINDS} kinds in batches of ${BATCH}`);

  // 1. Grouping + storage, as agent batches arrive.
  const profile1 = await profilePhase();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let stored = 0;
  let generatorMicros = 0;
  for (let offset = 0; offset < EVENTS; offset += BATCH) {
    const g0 = process.cpuUsage();
    const batch = Array.from({ length: Math.min(BATCH, EVENTS - offset) }, (_, j) =>
      makeEvent(org.serviceId, offset + j),
    );
    const g = process.cpuUsage(g0);
    generatorMicros += g.user + g.system;
    stored += (await ingestErrorEvents(t.deps, { serviceId: org.serviceId }, batch)).accepted;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await printProfile(profile1);
  const rate = stored / seconds;
  const issues = await t.call("GET", `/api/v1/projects/${org.projectId}/issues?limit=100`, { as: org.owner });
  const counted = issues.body.data.reduce((n: number, i: { event_count: number }) => n + i.event_count, 0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`grouped and stored: ${stored} events in ${seconds.toFixed(2)} s = ${Math.round(rate)} events/s`);
  // PGlite runs inside this process on one thread, so events per CPU-second is what an idle core would do; the
  // wall-clock rate above also shows whatever else the machine was running.
  console.log(
    `  CPU of this process (control plane${testStore === "pglite" ? " with PGlite" : ""}, and the generator): ${cpuSeconds.toFixed(2)} s = ${Math.round(stored / cpuSeconds)} events per CPU-second, ${Math.round((cpuSeconds * 1e6) / stored)} us per event`,
  );
  // The generator's own CPU (building the events) is measured around it; the garbage it leaves is still collected
  // inside ingest's time, so the figure without it is, if anything, low.
  const ingestSeconds = cpuSeconds - generatorMicros / 1e6;
  console.log(
    `  without the generator's ${(generatorMicros / 1e6).toFixed(2)} s: ${Math.round(stored / ingestSeconds)} events per CPU-second of ingest (grouping and storing), ${Math.round((ingestSeconds * 1e6) / stored)} us per event`,
  );
  console.log(`  load average during the run: ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`);
  console.log(`  first page of issues: ${issues.body.data.length}, events counted by them: ${counted}`);
  console.log(
    `  vs Bugsink's published ${BUGSINK_EVENTS_PER_SECOND} events/s on 2 vCPU: ${(rate / BUGSINK_EVENTS_PER_SECOND).toFixed(0)}x`,
  );

  const base = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  const ingest = (await t.call("GET", `/api/v1/services/${org.serviceId}/ingest`, { as: org.owner })).body.data;
  const url = `${base}/api/${ingest.ingest_id}/envelope/?sentry_key=${ingest.key}`;

  // 2. The whole path over HTTP, one event per envelope as Sentry SDKs send them, from another process.
  if (HTTP_EVENTS > 0) {
    const file = path.join(os.tmpdir(), `bench-errors-${process.pid}.jsonl`);
    const bodies = Array.from({ length: HTTP_EVENTS }, (_, i) => sentryEnvelope(org.serviceId, EVENTS + i).body);
    await fs.writeFile(file, `${bodies.map((b) => JSON.stringify(b)).join("\n")}\n`);
    const sender = spawn(
      process.execPath,
      [path.join(import.meta.dirname, "errors-sender.mjs"), url, file, String(HTTP_SENDERS)],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const lines = readline.createInterface({ input: sender.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    if ((await lines.next()).value !== "ready") throw new Error("the sender did not start");
    const profile = await profilePhase();
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    sender.stdin?.write("go\n");
    const report = JSON.parse(String((await lines.next()).value)) as { answered: number[]; cpuSeconds: number };
    const wall = (performance.now() - w0) / 1000;
    const used = process.cpuUsage(c0);
    await printProfile(profile);
    await fs.rm(file, { force: true });
    const [row] = await t.deps.database.rawTransaction((tx) =>
      tx.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM error_events e JOIN error_groups g ON g.id = e.error_group_id WHERE g.service_id = $1",
        [org.serviceId],
      ),
    );
    const cpuHttp = (used.user + used.system) / 1e6;
    const answered = report.answered.sort((a, b) => a - b);
    console.log(
      `whole path over HTTP (${HTTP_EVENTS} single-event Sentry envelopes, ${HTTP_SENDERS} concurrent senders in another process):`,
    );
    console.log(
      `  ${Math.round(HTTP_EVENTS / wall)} events/s; control plane${testStore === "pglite" ? " with PGlite" : ""} ${cpuHttp.toFixed(2)} CPU-s = ${Math.round(HTTP_EVENTS / cpuHttp)} events per CPU-second (the senders used ${report.cpuSeconds.toFixed(2)} CPU-s)`,
    );
    console.log(
      `  answered after the commit (so visible): p50 ${percentile(answered, 50).toFixed(1)} ms, p99 ${percentile(answered, 99).toFixed(1)} ms; events stored in all: ${row?.n} of ${stored + HTTP_EVENTS} sent`,
    );
  }

  // 3. Receive -> visible, over HTTP with Sentry envelopes, each followed by reads until its issue lists it.
  // Every issue by its kind, read page by page with the list's cursor.
  const issueOf = new Map<number, string>();
  let cursor: string | undefined;
  do {
    const page = await t.call(
      "GET",
      `/api/v1/projects/${org.projectId}/issues?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
      { as: org.owner },
    );
    for (const i of page.body.data as { id: string; exception_type: string }[]) {
      issueOf.set(Number(i.exception_type.replace(/\D/g, "")), i.id);
    }
    cursor = page.body.meta?.cursor;
  } while (cursor);
  const cookie = org.owner && "cookie" in org.owner ? org.owner.cookie : "";
  const latencies: number[] = [];
  let next = 0;
  const profile3 = await profilePhase();
  const h0 = performance.now();
  async function sender(): Promise<void> {
    for (let i = next++; i < ENVELOPES; i = next++) {
      const kind = kindOf(i);
      const eventId = randomUUID().replaceAll("-", "");
      const event = {
        event_id: eventId,
        timestamp: Date.now() / 1000,
        level: "error",
        exception: {
          values: [
            {
              type: `Kind${kind}Error`,
              value: `order ${i} failed`,
              stacktrace: { frames: makeEvent(org.serviceId, i).stack_trace },
            },
          ],
        },
      };
      const body = `${JSON.stringify({ event_id: eventId })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
      const start = performance.now();
      const res = await fetch(url, { method: "POST", body });
      if (res.status !== 200) throw new Error(`envelope answered ${res.status}: ${await res.text()}`);
      const issueId = issueOf.get(kind);
      const uuid = `${eventId.slice(0, 8)}-${eventId.slice(8, 12)}-${eventId.slice(12, 16)}-${eventId.slice(16, 20)}-${eventId.slice(20)}`;
      for (;;) {
        const page = await fetch(`${base}/api/v1/issues/${issueId}/events?limit=20`, {
          headers: { cookie: `syntra_session=${cookie}` },
        });
        const ids = ((await page.json()) as { data: { id: string }[] }).data.map((e) => e.id);
        if (ids.includes(uuid)) break;
      }
      latencies.push(performance.now() - start);
    }
  }
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const httpSeconds = (performance.now() - h0) / 1000;
  await printProfile(profile3);
  latencies.sort((a, b) => a - b);
  console.log(
    `receive -> visible over HTTP (${ENVELOPES} envelopes, ${SENDERS} senders, each followed by a read of the issue's events):`,
  );
  console.log(
    `  p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms; ${Math.round(ENVELOPES / httpSeconds)} envelopes/s with the reads`,
  );
} finally {
  await t.close();
}
