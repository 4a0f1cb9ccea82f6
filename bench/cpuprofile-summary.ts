// Where a process's CPU went, from a V8 .cpuprofile file (node --cpu-prof; e.g. the fleet bench's control plane with
// BENCH_CP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"). Each sample goes to the category of the nearest frame
// on its stack that has a file (builtins and native code such as a socket write count for whoever called them), so
// "logging" includes pino's writes to stdout and "PGlite" the WebAssembly PostgreSQL and its protocol code.
// Prints the busy share per 5 s of the run (to find a phase), then the categories and the busiest control-plane
// functions within an optional window, and the window's longest stalls (runs of busy samples with no idle one between:
// the event loop could serve nothing meanwhile) with what ran in each:
// node --import tsx bench/cpuprofile-summary.ts <file> [from s] [to s]
import fs from "node:fs";

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Categories, first match wins, tested against the nearest frame with a file. */
const CATEGORIES: [string, (url: string) => boolean][] = [
  [
    "PGlite (PostgreSQL in WebAssembly, its wire protocol)",
    (u) => u.includes("@electric-sql/pglite") || u.startsWith("wasm://"),
  ],
  ["drizzle (building queries, mapping rows)", (u) => u.includes("drizzle-orm")],
  ["chDB (telemetry store)", (u) => u.includes("/chdb/")],
  ["logging (pino, its writes to stdout)", (u) => /\/(pino|@pinojs|sonic-boom)\//.test(u)],
  ["WebSocket (ws: upgrade handshake, frames)", (u) => u.includes("/ws/lib/") || u.includes("@fastify/websocket")],
  ["Fastify (routing, hooks, replies)", (u) => /\/(fastify|find-my-way|avvio|@fastify\/[a-z-]+)\//.test(u)],
  [
    "HTTP and sockets (node's parser, streams)",
    (u) => /^node:(_http|net|internal\/stream|internal\/streams|stream)/.test(u),
  ],
  ["zod (validating messages)", (u) => u.includes("/zod/")],
  [
    "Syntra (control plane code)",
    (u) => u.includes("/dist/main.js") || u.includes("/apps/") || u.includes("/packages/"),
  ],
  ["other node internals", (u) => u.startsWith("node:")],
];

// Piped into head: stop quietly when the reader has had enough.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

const [file, fromArg, toArg] = process.argv.slice(2);
if (!file) throw new Error("usage: cpuprofile-summary.ts <file.cpuprofile> [from seconds] [to seconds]");
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
const from = Number(fromArg ?? 0);
const to = Number(toArg ?? Number.POSITIVE_INFINITY);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** A sample's category: garbage collection and idle by name, else the nearest frame with a file. */
function categoryOf(id: number): string {
  const leaf = byId.get(id)?.callFrame.functionName ?? "";
  if (leaf === "(garbage collector)") return "garbage collection";
  if (leaf === "(program)") return "V8 (compiling, runtime)";
  let first = "";
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const url = byId.get(at)?.callFrame.url ?? "";
    if (!url) continue;
    first ||= url;
    // Streams, sockets, files and event plumbing serve whoever called them (a log line, a frame, PGlite's files).
    if (PLUMBING.test(url)) continue;
    return categorize(url);
  }
  return first ? categorize(first) : "other";
}

const PLUMBING =
  /^node:(net|events|fs|internal\/(streams|stream_base_commons|async_hooks|process\/task_queues|timers|fs))/;
const categorize = (url: string) => CATEGORIES.find(([, test]) => test(url))?.[0] ?? "other";

const name = (f: Frame) =>
  `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(dist|src)\//, "")}:${f.lineNumber}`;
const buckets = new Map<number, { busy: number; idle: number }>();
const categories = new Map<string, number>();
const ours = new Map<string, number>();
let elapsed = 0;
let busy = 0;
let idle = 0;
/** Runs of busy samples (stalls): start (s), length (ms) and the samples' node ids. */
interface Stall {
  at: number;
  ms: number;
  samples: { id: number; ms: number }[];
}
const stalls: Stall[] = [];
let stall: Stall | undefined;
for (const [i, id] of profile.samples.entries()) {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  elapsed += ms;
  const isIdle = byId.get(id)?.callFrame.functionName === "(idle)";
  const bucket = Math.floor(elapsed / 5000) * 5;
  const b = buckets.get(bucket) ?? { busy: 0, idle: 0 };
  if (isIdle) b.idle += ms;
  else b.busy += ms;
  buckets.set(bucket, b);
  if (elapsed / 1000 < from || elapsed / 1000 > to) continue;
  if (isIdle) {
    idle += ms;
    stall = undefined;
    continue;
  }
  busy += ms;
  if (!stall) {
    stall = { at: elapsed / 1000, ms: 0, samples: [] };
    stalls.push(stall);
  }
  stall.ms += ms;
  stall.samples.push({ id, ms });
  const category = categoryOf(id);
  categories.set(category, (categories.get(category) ?? 0) + ms);
  // Inclusive time of the control plane's own functions on the stack (each counted once per sample).
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (!frame || !CATEGORIES[8]?.[1](frame.url)) continue;
    const key = name(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    ours.set(key, (ours.get(key) ?? 0) + ms);
  }
}

console.log("busy share of one core per 5 s:");
console.log(
  [...buckets]
    .map(([s, b]) => `${String(s).padStart(4)} s ${((b.busy / 5000) * 100).toFixed(0).padStart(3)}%`)
    .join("\n"),
);
const window = Number.isFinite(to) ? `${from}-${to} s` : `${from} s to the end`;
console.log(`\n${window}: busy ${(busy / 1000).toFixed(1)} s, idle ${(idle / 1000).toFixed(1)} s`);
for (const [category, ms] of [...categories].sort((a, b) => b[1] - a[1])) {
  console.log(`${((ms / busy) * 100).toFixed(1).padStart(5)}% ${(ms / 1000).toFixed(1).padStart(6)} s  ${category}`);
}
console.log("\ncontrol-plane functions on the stack (inclusive; asynchronous work counts where it resumed):");
for (const [fn, ms] of [...ours].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((ms / busy) * 100).toFixed(1).padStart(5)}% ${(ms / 1000).toFixed(1).padStart(6)} s  ${fn}`);
}

/** What a sample ran: its category, the innermost control-plane function on its stack, and the leaf function. */
function whatRan(id: number): string {
  const leaf = byId.get(id)?.callFrame;
  let own = "";
  for (let at: number | undefined = id; at !== undefined && !own; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (frame && CATEGORIES[8]?.[1](frame.url)) own = name(frame);
  }
  return `${categoryOf(id)} | ${own || "-"} | ${leaf?.functionName || "(anonymous)"}`;
}

console.log("\nlongest stalls (busy with no idle sample between; what ran: category | our function | leaf):");
for (const s of [...stalls].sort((a, b) => b.ms - a.ms).slice(0, 10)) {
  const parts = new Map<string, number>();
  for (const sample of s.samples) {
    const what = whatRan(sample.id);
    parts.set(what, (parts.get(what) ?? 0) + sample.ms);
  }
  console.log(`${s.ms.toFixed(1).padStart(7)} ms at ${s.at.toFixed(2)} s`);
  for (const [what, ms] of [...parts].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
    console.log(`  ${ms.toFixed(1).padStart(6)} ms  ${what}`);
  }
}
