import { type AnomalyThresholds, anomalyRuns, type Baseline, baselines, judge } from "./detector";
import type { SyntheticSeries } from "./synthetic";

/** Precision, recall and false alerts per series-week of a detector setting over a set of series. */
export interface BacktestScore {
  alerts: number;
  trueAlerts: number;
  falseAlerts: number;
  anomalies: number;
  detected: number;
  precision: number;
  recall: number;
  falseAlertsPerSeriesWeek: number;
  /** Median steps from an anomaly's start to its first alert. */
  medianDelaySteps: number;
}

/** Baselines of each series, computed once and shared by every threshold setting judged. */
export function prepare(
  series: SyntheticSeries[],
  stepsPerDay: number,
): { s: SyntheticSeries; base: (Baseline | null)[] }[] {
  return series.map((s) => ({ s, base: baselines(s.values, stepsPerDay) }));
}

/**
 * Scores thresholds: an alert (a run of anomaly points) is true when it overlaps an anomalous injected event
 * (with `grace` steps after it); an anomalous event is detected when some alert overlaps it. Weeks judged: those
 * after the learning week.
 */
export function score(
  prepared: { s: SyntheticSeries; base: (Baseline | null)[] }[],
  t: AnomalyThresholds,
  stepsPerDay: number,
  grace = 6,
): BacktestScore {
  let alerts = 0;
  let trueAlerts = 0;
  let anomalies = 0;
  let detected = 0;
  let judgedWeeks = 0;
  const delays: number[] = [];
  for (const { s, base } of prepared) {
    const runs = anomalyRuns(judge(s.values, base, t));
    const wanted = s.events.filter((e) => e.anomalous);
    judgedWeeks += (s.values.length - 7 * stepsPerDay) / (7 * stepsPerDay);
    alerts += runs.length;
    for (const [a, b] of runs) if (wanted.some((e) => a <= e.end + grace && b >= e.start)) trueAlerts++;
    for (const e of wanted) {
      anomalies++;
      const hit = runs.find(([a, b]) => a <= e.end + grace && b >= e.start);
      if (hit) {
        detected++;
        delays.push(Math.max(0, hit[0] - e.start));
      }
    }
  }
  delays.sort((x, y) => x - y);
  return {
    alerts,
    trueAlerts,
    falseAlerts: alerts - trueAlerts,
    anomalies,
    detected,
    precision: alerts ? trueAlerts / alerts : 1,
    recall: anomalies ? detected / anomalies : 1,
    falseAlertsPerSeriesWeek: judgedWeeks ? (alerts - trueAlerts) / judgedWeeks : 0,
    medianDelaySteps: delays[delays.length >> 1] ?? 0,
  };
}
