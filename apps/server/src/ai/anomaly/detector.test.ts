import assert from "node:assert/strict";
import { test } from "node:test";
import { prepare, score } from "./backtest";
import { anomalyRuns, baselines, DEFAULT_THRESHOLDS, judge } from "./detector";
import { prng, syntheticSeries } from "./synthetic";

const S = 288; // 5-minute steps

/** A clean daily cycle with a little seeded noise, 14 days. */
function daily(seed: number): number[] {
  const rand = prng(seed);
  return Array.from(
    { length: 14 * S },
    (_, i) => 100 * (1 + 0.5 * Math.sin((2 * Math.PI * (i % S)) / S)) * (0.95 + 0.1 * rand()),
  );
}

test("the first week is learning; a sustained spike in the second is one anomaly, a single outlier is not", () => {
  const values: (number | null)[] = daily(1);
  const spike = 10 * S + 100;
  for (let i = spike; i < spike + 8; i++) values[i] = (values[i] as number) * 3;
  values[11 * S + 50] = (values[11 * S + 50] as number) * 5;
  const states = judge(values, baselines(values, S), DEFAULT_THRESHOLDS);
  assert.ok(states.slice(0, 7 * S).every((s) => s === "learning"));
  assert.equal(states[11 * S + 50], "deviation", "one point out is a deviation, not an alert");
  assert.deepEqual(
    anomalyRuns(states).map(([a]) => a - spike),
    [DEFAULT_THRESHOLDS.sustainM - 1],
    "one alert, when the deviation has lasted sustainM points",
  );
});

test("gaps and a slow ramp raise no alert", () => {
  const values: (number | null)[] = daily(2);
  for (let i = 9 * S; i < 9 * S + 72; i++) values[i] = null;
  for (let i = 10 * S; i < 14 * S; i++) values[i] = (values[i] as number) * (1 + (0.1 * (i - 10 * S)) / S);
  assert.deepEqual(anomalyRuns(judge(values, baselines(values, S), DEFAULT_THRESHOLDS)), []);
});

test("backtest on seeded synthetic series: the pinned thresholds keep recall and false alerts where the bench put them", () => {
  const result = score(prepare(syntheticSeries(20, 16, S), S), DEFAULT_THRESHOLDS, S);
  console.log(
    `backtest (20 series x 14 days): precision ${result.precision.toFixed(2)}, recall ${result.recall.toFixed(2)}, ` +
      `false alerts/series-week ${result.falseAlertsPerSeriesWeek.toFixed(2)}, ${result.detected}/${result.anomalies} detected`,
  );
  assert.ok(result.recall >= 0.9, `recall ${result.recall}`);
  assert.ok(result.falseAlertsPerSeriesWeek <= 0.5, `false alerts ${result.falseAlertsPerSeriesWeek}`);
});
