/** What was injected into a synthetic series, with the steps where an alert is expected. */
export interface InjectedEvent {
  kind: "spike" | "dip" | "level_shift" | "ramp" | "gap";
  start: number;
  end: number;
  /** True when a good detector should alert on it (slow ramps and gaps are not anomalies). */
  anomalous: boolean;
}

/** A synthetic metric series of `days` days at `stepsPerDay`, with its injected events. */
export interface SyntheticSeries {
  name: string;
  values: (number | null)[];
  events: InjectedEvent[];
}

/** mulberry32: a small seeded PRNG, so every backtest run sees the same series. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Shapes of metric: a request rate with a strong day/week cycle, a latency, a CPU share, a low-volume error rate. */
const PROFILES = [
  { metric: "request_rate", level: 200, daily: 0.6, weekend: 0.5, noise: 0.08 },
  { metric: "latency_p95_ms", level: 120, daily: 0.15, weekend: 0.9, noise: 0.1 },
  { metric: "cpu_percent", level: 35, daily: 0.4, weekend: 0.7, noise: 0.1 },
  { metric: "error_rate", level: 2, daily: 0.5, weekend: 0.6, noise: 0.35 },
  { metric: "memory_mb", level: 512, daily: 0.05, weekend: 1, noise: 0.02 },
] as const;

/**
 * `count` series of 14 days at 5-minute steps: daily and weekly seasonality, noise, and in the second week one
 * to three of: spikes, dips, level shifts, ramps (slow: no alert wanted) and gaps (no data: no alert wanted).
 */
export function syntheticSeries(count: number, seed = 16, stepsPerDay = 288): SyntheticSeries[] {
  const rand = prng(seed);
  const all: SyntheticSeries[] = [];
  for (let s = 0; s < count; s++) {
    const p = PROFILES[s % PROFILES.length] as (typeof PROFILES)[number];
    const days = 14;
    const n = days * stepsPerDay;
    const phase = rand() * 2 * Math.PI;
    const values: (number | null)[] = [];
    for (let i = 0; i < n; i++) {
      const day = Math.floor(i / stepsPerDay);
      const t = (i % stepsPerDay) / stepsPerDay;
      const weekend = day % 7 >= 5 ? p.weekend : 1;
      const season = 1 + p.daily * Math.sin(2 * Math.PI * t + phase);
      values.push(Math.max(0, p.level * season * weekend * (1 + p.noise * gaussian(rand))));
    }
    const events: InjectedEvent[] = [];
    const kinds: InjectedEvent["kind"][] = ["spike", "dip", "level_shift", "ramp", "gap"];
    const howMany = 1 + Math.floor(rand() * 3);
    const used: [number, number][] = [];
    for (let k = 0; k < howMany; k++) {
      const kind = kinds[Math.floor(rand() * kinds.length)] as InjectedEvent["kind"];
      const start = 7 * stepsPerDay + stepsPerDay / 2 + Math.floor(rand() * 5 * stepsPerDay);
      if (used.some(([a, b]) => start < b + stepsPerDay && start > a - stepsPerDay)) continue;
      const len =
        kind === "spike" ? 6 + Math.floor(rand() * 12) : kind === "dip" ? 12 : kind === "gap" ? 72 : stepsPerDay;
      const end = Math.min(n - 1, start + len - 1);
      used.push([start, end]);
      for (let i = start; i <= end; i++) {
        const v = values[i] as number;
        if (kind === "spike") values[i] = v * (2.5 + rand());
        if (kind === "dip") values[i] = v * 0.2;
        if (kind === "level_shift") values[i] = v * 1.8;
        // Slow growth: +15% over a day, what a growing service does; the trend term should absorb it.
        if (kind === "ramp") values[i] = v * (1 + (0.15 * (i - start)) / len);
        if (kind === "gap") values[i] = null;
      }
      // A level shift stays; only its first 12 hours (until the trend term has learned it) are the anomaly.
      if (kind === "level_shift") for (let i = end + 1; i < n; i++) values[i] = (values[i] as number) * 1.8;
      events.push({
        kind,
        start,
        end: kind === "level_shift" ? start + stepsPerDay / 2 : end,
        anomalous: kind === "spike" || kind === "dip" || kind === "level_shift",
      });
    }
    all.push({ name: `${p.metric}#${s}`, values, events });
  }
  return all;
}
