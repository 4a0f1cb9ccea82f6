// Where the control plane's CPU goes under bench:ingest: per thread kind from /proc (its JS main thread, Node's other
// threads, where chDB's queries run, and ClickHouse's own named threads), and with BENCH_PROFILE=1 the main
// thread's samples by the part of the path the function belongs to.
import { readdirSync, readFileSync } from "node:fs";
import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import {
  BASE_RULES,
  type CategoryRule,
  type CpuProfile,
  fileHas,
  formatBreakdown,
  startCpuProfile,
} from "./cpu-breakdown";

/** Linux counts CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds so far of each kind of thread of a process. The main thread runs the JS (WebSocket, conversion, the
 * API); "node" threads are libuv's pool (chDB runs each query on one, and file I/O) and V8's (GC, compiler);
 * threads named otherwise are ClickHouse's (query pipelines, merges, background pools). A thread that ended
 * between readings takes its time with it: compare readings of long-lived pools only.
 */
export function threadCpu(pid: number): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // ended while listed
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    const kind =
      tid === String(pid)
        ? "JS main thread"
        : name === "node"
          ? "libuv pool (chDB queries, fs) + V8 threads"
          : `ClickHouse ${name}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + seconds);
  }
  // The process's total keeps the time of threads that have ended (ClickHouse's pools shrink when idle).
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const total = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  const listed = [...kinds.values()].reduce((a, b) => a + b, 0);
  kinds.set("threads that ended (ClickHouse pools)", Math.max(0, total - listed));
  return kinds;
}

/** Lines "  kind  12.3 CPU-s per million" for the CPU each kind of thread spent between two readings. */
export function formatThreadCpu(before: Map<string, number>, after: Map<string, number>, items: number): string[] {
  const rows = [...after]
    .map(([kind, s]) => ({ kind, s: s - (before.get(kind) ?? 0) }))
    .filter((r) => r.s > 0.005)
    .sort((a, b) => b.s - a.s);
  return rows.map(
    (r) =>
      `    ${r.kind.padEnd(46)} ${r.s.toFixed(2).padStart(7)} CPU-s ${((r.s / items) * 1e6).toFixed(2).padStart(7)} CPU-s per million`,
  );
}

const has = fileHas;

/** The control plane's main thread by part of the ingest path, by the file a sample's function is in. */
const CATEGORIES: CategoryRule[] = [
  ...BASE_RULES,
  { name: "PGlite (WebAssembly + glue)", test: (f) => f.url.startsWith("wasm://") || has("@electric-sql/pglite")(f) },
  { name: "WebSocket frames (ws, TLS)", test: has("/ws/lib/", "node:tls", "node:internal/tls", "node:_tls") },
  {
    name: "agent message: JSON parse + contract (zod)",
    test: has("/zod/", "agents/connection.ts", "agents/hub", "packages/contracts"),
  },
  {
    name: "batch read: base64, zstd, framing",
    test: has("fzstd", "@mongodb-js/zstd", "otlp/src/decompress.ts", "otlp/src/zstd.ts", "otlp/src/batch-frame.ts"),
  },
  {
    name: "OTLP -> RowBinary conversion",
    test: has(
      "ingest/span-rows.ts",
      "ingest/log-rows.ts",
      "ingest/otlp-wire.ts",
      "ingest/otlp-rows.ts",
      "store/row-binary.ts",
      "otlp/src/wire-fields.ts",
      "otlp/src/convert",
      "protobufjs",
    ),
  },
  { name: "batch bookkeeping (foreign services, ack)", test: has("ingest/batch-ingest.ts", "ingest/hub-events.ts") },
  { name: "error events (issues)", test: has("/issues/") },
  {
    name: "insert: queue, staging file, chDB call",
    test: has("store/insert-queue.ts", "store/chdb-driver.ts", "store/rows.ts", "/chdb/", "node:fs", "internal/fs"),
  },
  { name: "logging (pino)", test: has("pino") },
  { name: "HTTP API, bench polling", test: has("fastify", "undici", "node:_http", "bench/", "e2e/", "drizzle-orm") },
  { name: "(program: V8 and native code)", test: (f) => f.functionName === "(program)" },
];

/** With BENCH_PROFILE=1 (or 2), samples the main thread; else does nothing. */
export async function startIngestProfile(): Promise<CpuProfile | undefined> {
  const level = process.env.BENCH_PROFILE;
  return level === "1" || level === "2" ? startCpuProfile(CATEGORIES) : undefined;
}

/** Prints the profile's categories (nothing when there is none). */
export async function printIngestProfile(profile: CpuProfile | undefined): Promise<void> {
  if (!profile) return;
  console.log("  control plane main thread, by part of the path (self time):");
  for (const line of formatBreakdown(await profile.stop())) console.log(line);
}

/** Garbage collections of this process while a phase runs, by kind: count and main-thread pause. */
export interface GcCounter {
  /** Stops counting; lines "  GC major: 12, 340 ms of pauses" for the phase. */
  stop(): string[];
}

/**
 * Counts this process's garbage collections (a major one also marks the whole heap on V8's helper threads, which
 * the thread table shows as "libuv pool + V8 threads").
 */
export function countGc(): GcCounter {
  const kinds = new Map<string, { n: number; ms: number }>();
  const names: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major (mark-compact)",
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor (scavenge)",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental marking",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak callbacks",
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = names[(entry as PerformanceEntry & { detail?: { kind: number } }).detail?.kind ?? -1] ?? "other";
      const k = kinds.get(kind) ?? { n: 0, ms: 0 };
      k.n++;
      k.ms += entry.duration;
      kinds.set(kind, k);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return {
    stop: () => {
      observer.disconnect();
      return [...kinds].map(
        ([kind, k]) =>
          `    GC ${kind.padEnd(42)} ${String(k.n).padStart(5)} times, ${Math.round(k.ms)} ms of main-thread pauses`,
      );
    },
  };
}
