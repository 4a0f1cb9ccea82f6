import type { AIAnomalyBand, AnomalyCondition } from "@syntra/contracts";
import type { TelemetryStore } from "../../telemetry/store/types";
import { containerSteps } from "../container-usage";
import { type AnomalyThresholds, anomalyRuns, bandOf, baselines, DEFAULT_THRESHOLDS, judge } from "./detector";

/** The step of the series the detector judges (the backtest's step). */
export const STEP_SECONDS = 300;
const STEPS_PER_DAY = 86_400 / STEP_SECONDS;
const DAY_MS = 86_400_000;
/**
 * Whole days read before the first point that needs a baseline: the 7 of the baseline and the one before them, which
 * the week-over-week trend compares the last day with.
 */
const DAYS_BEFORE = 8;
/** Points the alert evaluation judges (the detector's sustained window, with room): the last hour. */
const EVALUATION_HOURS = 1;

/** A signal of a service over the history, one value per step from `start` (midnight UTC); null: no data. */
export interface SignalSeries {
  start: Date;
  values: (number | null)[];
}

/** How sensitivity changes the pinned thresholds: the band's width in robust standard deviations. */
const SIGMAS: Record<AnomalyCondition["sensitivity"], number> = { low: 4, medium: DEFAULT_THRESHOLDS.sigmas, high: 2 };

/**
 * Below these a signal has too little volume to judge (both the value and the expectation under it): one request
 * per step, a 1% error rate, 1 ms, 1% of a core, 1 MiB.
 */
const MIN_VOLUME: Record<AnomalyCondition["signal"], number> = {
  request_rate: 1,
  error_rate: 0.01,
  latency_p95: 1,
  cpu: 1,
  memory: 1024 * 1024,
};

/**
 * The service's signal at 5-minute steps up to the last complete step before `now`, from midnight UTC eight days
 * before the day of the first of the last `hours` (so every one of those points has its 7-day baseline and the trend,
 * also when they span midnight): request rate, error rate and p95 latency from its spans (the RED rollup), CPU and
 * memory from its containers' heartbeat metrics. Requests per step count a step without spans as 0; error rate and
 * p95 latency have no value without requests, CPU and memory none without a running container.
 */
export async function signalSeries(
  telemetry: TelemetryStore,
  scope: { orgId: string; serviceId: string },
  signal: AnomalyCondition["signal"],
  now: Date,
  hours = EVALUATION_HOURS,
): Promise<SignalSeries> {
  const stepMs = STEP_SECONDS * 1000;
  const lastStep = Math.floor(now.getTime() / stepMs) * stepMs - stepMs;
  const firstDay = Math.floor((lastStep - hours * 3_600_000) / DAY_MS) * DAY_MS;
  const start = new Date(firstDay - DAYS_BEFORE * DAY_MS);
  const steps = Math.floor((now.getTime() - start.getTime()) / (STEP_SECONDS * 1000));
  if (signal === "cpu" || signal === "memory") return containerSignal(telemetry, scope, signal, start, steps);
  const red = await telemetry.serviceRed(scope, {
    from: start,
    to: new Date(start.getTime() + steps * STEP_SECONDS * 1000 - 1),
    intervalSeconds: STEP_SECONDS,
  });
  const values: (number | null)[] = new Array(steps).fill(signal === "request_rate" ? 0 : null);
  for (const point of red.series) {
    const i = Math.round((Date.parse(point.timestamp) - start.getTime()) / (STEP_SECONDS * 1000));
    if (i < 0 || i >= steps) continue;
    values[i] =
      signal === "request_rate"
        ? point.requests
        : point.requests === 0
          ? null
          : signal === "error_rate"
            ? point.error_rate
            : point.p95_ms;
  }
  return { start, values };
}

/**
 * CPU or memory per step: the busiest container's average over the step (the highest of the containers' averages).
 * Not the sum: limits are per container, and a sum jumps whenever replicas are added or a rolling deploy runs old
 * and new containers side by side, while one leaking or spinning replica is what the maximum shows undiluted.
 */
async function containerSignal(
  telemetry: TelemetryStore,
  scope: { orgId: string; serviceId: string },
  resource: "cpu" | "memory",
  start: Date,
  steps: number,
): Promise<SignalSeries> {
  const stepMs = STEP_SECONDS * 1000;
  const perContainer = await containerSteps(telemetry, scope, resource, {
    from: start,
    to: new Date(start.getTime() + steps * stepMs - 1),
  });
  const values: (number | null)[] = new Array(steps).fill(null);
  for (const points of perContainer.values()) {
    for (const p of points) {
      const i = Math.round((p.t - start.getTime()) / stepMs);
      if (i < 0 || i >= steps) continue;
      values[i] = Math.max(values[i] ?? Number.NEGATIVE_INFINITY, p.avg);
    }
  }
  return { start, values };
}

/** The detector's verdict on the last complete step of a series. */
export interface SignalVerdict {
  state: "learning" | "normal" | "deviation" | "anomaly";
  /** The anomaly is in the rule's direction (an "up" rule ignores drops). */
  matches: boolean;
  value: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  at: string | null;
}

/** The pinned thresholds with a rule's sensitivity and its signal's minimum volume. */
function thresholdsOf(c: Pick<AnomalyCondition, "signal" | "sensitivity">): AnomalyThresholds {
  return { ...DEFAULT_THRESHOLDS, sigmas: SIGMAS[c.sensitivity], minVolume: MIN_VOLUME[c.signal] };
}

/** Judges the series under the rule's sensitivity and direction; the last step decides. */
export function judgeSignal(series: SignalSeries, condition: AnomalyCondition): SignalVerdict {
  const thresholds = thresholdsOf(condition);
  const base = baselines(series.values, STEPS_PER_DAY);
  const states = judge(series.values, base, thresholds);
  const last = series.values.length - 1;
  const b = last >= 0 ? base[last] : null;
  const value = last >= 0 ? (series.values[last] ?? null) : null;
  const band = b ? bandOf(b, thresholds) : null;
  const state = last >= 0 ? (states[last] ?? "learning") : "learning";
  const up = value !== null && band !== null && value > band.upper;
  const matches = state === "anomaly" && (condition.direction === "both" || (condition.direction === "up" ? up : !up));
  return {
    state,
    matches,
    value,
    expected: band?.expected ?? null,
    lower: band ? Math.max(0, band.lower) : null,
    upper: band?.upper ?? null,
    at: last >= 0 ? new Date(series.start.getTime() + last * STEP_SECONDS * 1000).toISOString() : null,
  };
}

/**
 * The last `hours` of the series with the detector's band and states, for a chart: what the `anomaly` alert type
 * sees. Anomalies are the detector's runs (merged within an hour), as time ranges, not yet explained
 * (`explainAnomalies` adds that).
 */
export function signalBand(
  series: SignalSeries,
  c: Pick<AnomalyCondition, "signal" | "sensitivity">,
  hours: number,
): AIAnomalyBand {
  const thresholds = thresholdsOf(c);
  const base = baselines(series.values, STEPS_PER_DAY);
  const states = judge(series.values, base, thresholds);
  const from = Math.max(0, series.values.length - Math.round((hours * 3600) / STEP_SECONDS));
  const stepMs = STEP_SECONDS * 1000;
  const at = (i: number) => new Date(series.start.getTime() + i * stepMs).toISOString();
  const points: AIAnomalyBand["points"] = [];
  for (let i = from; i < series.values.length; i++) {
    const b = base[i];
    const band = b ? bandOf(b, thresholds) : null;
    points.push({
      timestamp: at(i),
      value: series.values[i] ?? null,
      expected: band?.expected ?? null,
      lower: band ? Math.max(0, band.lower) : null,
      upper: band?.upper ?? null,
      state: states[i] ?? "learning",
    });
  }
  const anomalies = anomalyRuns(states)
    .filter(([, end]) => end >= from)
    .map(([start, end]) => ({ from: at(Math.max(start, from)), to: at(end + 1), explanation: null }));
  return { signal: c.signal, step_seconds: STEP_SECONDS, state: points.at(-1)?.state ?? "learning", points, anomalies };
}
