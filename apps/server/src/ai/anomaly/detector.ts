/**
 * Anomaly detection on one metric of one service (request rate, error rate, latency, CPU, memory), sampled at a
 * fixed step. The expected value at a time is the median of the same hour-of-week over the previous 7 days (a
 * window of ±30 minutes around it each day), scaled by the week-over-week trend; the band around it is a multiple
 * of the robust spread (MAD), never narrower than a minimum width. A point outside the band is a deviation; an
 * anomaly is a sustained one (m of the last n points). Until 7 days of history exist the series is learning.
 */

/** The detector's thresholds; the defaults are pinned by the backtest (bench/anomaly-backtest.ts). */
export interface AnomalyThresholds {
  /** Band half-width in robust standard deviations (1.4826 × MAD). */
  sigmas: number;
  /** Sustained deviation: at least `sustainM` of the last `sustainN` points outside the band. */
  sustainM: number;
  sustainN: number;
  /** The band is never narrower than this fraction of the expected value (noise-free series stay quiet). */
  minBandRatio: number;
  /** Below this the metric has too little volume to judge (e.g. requests per step); both sides must be below. */
  minVolume: number;
}

/**
 * Pinned from the backtest (`npm run bench:anomaly`, 60 seeded series): the best F1 with at most 0.5 false
 * alerts per series-week: precision 0.83, recall 0.96, 0.20 false alerts per series-week, alert 10 min after start.
 */
export const DEFAULT_THRESHOLDS: AnomalyThresholds = {
  sigmas: 3,
  sustainM: 3,
  sustainN: 4,
  minBandRatio: 0.15,
  minVolume: 1,
};

/** State of each point. */
export type AnomalyState = "learning" | "normal" | "deviation" | "anomaly";

/** The expected value and band at one point; null while learning or without baseline data. */
export interface BandPoint {
  expected: number;
  lower: number;
  upper: number;
}

/** The baseline of one point, computed once and judged under any thresholds. */
export interface Baseline {
  median: number;
  /** 1.4826 × MAD of the baseline samples. */
  sigma: number;
}

const WEEK = 7;
const MIN_BASELINE_SAMPLES = 20;

/** A sorted copy's median; NaN for none. */
function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The baseline of every point: `values[i]` is the sample at step i (null: a gap), `stepsPerDay` the number of
 * steps in a day (series start at midnight). Null where fewer than 7 days precede the point or too few baseline
 * samples exist (learning). Hour-of-week seasonality from 7 days of history: the same time of day (±30 minutes)
 * on each of the 7 previous days, each day's samples rescaled by its level against the level of the same weekday a
 * week ago (so weekends and weekdays each keep their own level), times the week-over-week trend.
 */
export function baselines(values: (number | null)[], stepsPerDay: number): (Baseline | null)[] {
  const half = Math.max(1, Math.round(stepsPerDay / 48)); // ±30 minutes
  const days = Math.ceil(values.length / stepsPerDay);
  const dayLevel: number[] = [];
  for (let d = 0; d < days; d++) dayLevel.push(median(window(values, d * stepsPerDay, (d + 1) * stepsPerDay)));
  const out: (Baseline | null)[] = [];
  for (let i = 0; i < values.length; i++) {
    const day = Math.floor(i / stepsPerDay);
    const sameWeekday = dayLevel[day - WEEK] ?? Number.NaN;
    if (day < WEEK || !(sameWeekday > 0)) {
      out.push(null);
      continue;
    }
    const samples: number[] = [];
    for (let d = 1; d <= WEEK; d++) {
      const level = dayLevel[day - d] ?? Number.NaN;
      if (!(level > 0)) continue;
      const scale = sameWeekday / level;
      const center = i - d * stepsPerDay;
      for (let j = center - half; j <= center + half; j++) {
        const v = j >= 0 ? values[j] : null;
        if (v != null) samples.push(v * scale);
      }
    }
    if (samples.length < MIN_BASELINE_SAMPLES) {
      out.push(null);
      continue;
    }
    const m = median(samples);
    // Week-over-week trend: the last day's level against the same day a week before, bounded, so growth moves
    // the expectation with it while a sudden jump still stands out until a day of it has passed.
    const trend = i >= (WEEK + 1) * stepsPerDay ? weekOverWeek(values, i, stepsPerDay) : 1;
    const sigma = 1.4826 * median(samples.map((v) => Math.abs(v - m)));
    out.push({ median: m * trend, sigma: sigma * trend });
  }
  return out;
}

/**
 * Week-over-week trend at step i: the last day's level against the same hours a week before, over the steps that
 * have a value in both (a gap on one side does not bias it), bounded to [0.5, 2]. Growth moves the expectation
 * with it; a sudden jump still stands out until half a day of it has passed.
 */
function weekOverWeek(values: (number | null)[], i: number, stepsPerDay: number): number {
  const now: number[] = [];
  const before: number[] = [];
  for (let j = i - stepsPerDay; j < i; j++) {
    const a = values[j];
    const b = values[j - WEEK * stepsPerDay];
    if (a != null && b != null) {
      now.push(a);
      before.push(b);
    }
  }
  if (now.length < stepsPerDay / 2) return 1;
  const w = median(before);
  return w > 0 ? clamp(median(now) / w, 0.5, 2) : 1;
}

function window(values: (number | null)[], from: number, to: number): number[] {
  const out: number[] = [];
  for (let j = Math.max(0, from); j < to; j++) {
    const v = values[j];
    if (v != null) out.push(v);
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The band of a baseline under thresholds. */
export function bandOf(b: Baseline, t: AnomalyThresholds): BandPoint {
  const width = Math.max(t.sigmas * b.sigma, t.minBandRatio * Math.abs(b.median));
  return { expected: b.median, lower: b.median - width, upper: b.median + width };
}

/** Each point's state under thresholds: learning, normal, a single deviation, or part of a sustained anomaly. */
export function judge(values: (number | null)[], base: (Baseline | null)[], t: AnomalyThresholds): AnomalyState[] {
  const states: AnomalyState[] = [];
  const outside: boolean[] = [];
  for (let i = 0; i < values.length; i++) {
    const b = base[i];
    const v = values[i];
    if (!b) {
      states.push("learning");
      outside.push(false);
      continue;
    }
    const band = bandOf(b, t);
    const out = v != null && (v > band.upper || v < band.lower) && !(v < t.minVolume && b.median < t.minVolume);
    outside.push(out);
    let count = 0;
    for (let j = Math.max(0, i - t.sustainN + 1); j <= i; j++) if (outside[j]) count++;
    states.push(out && count >= t.sustainM ? "anomaly" : out ? "deviation" : "normal");
  }
  return states;
}

/**
 * Runs of anomaly points as [start, end] step indexes (end inclusive): one alert each. Runs closer than
 * `mergeGap` steps are one alert (a flapping metric does not page twice).
 */
export function anomalyRuns(states: AnomalyState[], mergeGap = 12): [number, number][] {
  const runs: [number, number][] = [];
  states.forEach((s, i) => {
    if (s !== "anomaly") return;
    const last = runs.at(-1);
    if (last && i - last[1] <= mergeGap) last[1] = i;
    else runs.push([i, i]);
  });
  return runs;
}
