// Where a process's CPU goes, from V8's sampling profiler run in-process (node:inspector): each sample's own
// (self) time is put in a category by the file of the function it was in. WebAssembly is PGlite's PostgreSQL;
// builtins such as JSON.stringify count under the function that called them.
import { Session } from "node:inspector/promises";

/** A category of CPU time: the first rule whose test matches a sample's function wins. */
export interface CategoryRule {
  name: string;
  test: (frame: { url: string; functionName: string }) => boolean;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A running profile; `stop` returns the milliseconds per category, largest first. */
export interface CpuProfile {
  stop(): Promise<{ name: string; ms: number }[]>;
}

/** A rule's test: the sample's function is in a file whose URL contains one of `parts`. */
export const fileHas =
  (...parts: string[]) =>
  (f: { url: string }): boolean =>
    parts.some((p) => f.url.includes(p));

/** The rules every breakdown starts with: idle time, the profiler's own loop, and V8's garbage collector. */
export const BASE_RULES: CategoryRule[] = [
  { name: "(idle)", test: (f) => f.functionName === "(idle)" },
  // The inspector's own message loop (it runs while nothing else does, too): the profile's cost, not the product's.
  { name: "(profiler)", test: (f) => f.functionName === "dispatch" && f.url === "" },
  { name: "garbage collection", test: (f) => f.functionName === "(garbage collector)" },
];

/** With BENCH_PROFILE=2, the functions of "other" worth a category of their own are printed too. */
const SHOW_OTHER = process.env.BENCH_PROFILE === "2";

/** Starts sampling this process's main thread every `intervalUs` microseconds. */
export async function startCpuProfile(rules: CategoryRule[], intervalUs = 500): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
      session.disconnect();
      const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
      const totals = new Map<string, number>();
      const others = new Map<string, number>();
      for (let i = 0; i < profile.samples.length; i++) {
        const frame = byNode.get(profile.samples[i] ?? -1);
        if (!frame) continue;
        const name = rules.find((r) => r.test(frame))?.name ?? "other";
        const ms = (profile.timeDeltas[i] ?? 0) / 1000;
        totals.set(name, (totals.get(name) ?? 0) + ms);
        if (name === "other") {
          const fn = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*node_modules\//, "")}`;
          others.set(fn, (others.get(fn) ?? 0) + ms);
        }
      }
      if (SHOW_OTHER) {
        const top = [...others].sort((a, b) => b[1] - a[1]).slice(0, 25);
        for (const [fn, ms] of top) console.log(`      other: ${ms.toFixed(0).padStart(6)} ms ${fn}`);
      }
      return [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
    },
  };
}

/** The categories as lines: "  PGlite execution (WebAssembly)  1234 ms  41.0%". */
export function formatBreakdown(categories: { name: string; ms: number }[]): string[] {
  const uncounted = (name: string) => name === "(idle)" || name === "(profiler)";
  const busy = categories.filter((c) => !uncounted(c.name)).reduce((n, c) => n + c.ms, 0);
  return categories.map(
    (c) =>
      `    ${c.name.padEnd(44)} ${c.ms.toFixed(0).padStart(7)} ms ${uncounted(c.name) ? "" : `${((100 * c.ms) / busy).toFixed(1).padStart(5)}%`}`,
  );
}
