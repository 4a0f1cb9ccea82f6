// Deterministic backtest of the anomaly detector on synthetic series (seasonality, noise, spikes, dips, level
// shifts, slow ramps, gaps): prints precision, recall and false alerts per series-week for a grid of thresholds
// and the pinned defaults (DEFAULT_THRESHOLDS in apps/server/src/ai/anomaly/detector.ts). `npm run bench:anomaly`.
import { prepare, score } from "../apps/server/src/ai/anomaly/backtest";
import { type AnomalyThresholds, DEFAULT_THRESHOLDS } from "../apps/server/src/ai/anomaly/detector";
import { syntheticSeries } from "../apps/server/src/ai/anomaly/synthetic";

const STEPS_PER_DAY = 288; // 5-minute steps
const SERIES = Number(process.env.SERIES ?? 60);
const started = performance.now();
const prepared = prepare(syntheticSeries(SERIES, 16, STEPS_PER_DAY), STEPS_PER_DAY);
const prepMs = performance.now() - started;

const rows: { t: AnomalyThresholds; s: ReturnType<typeof score> }[] = [];
for (const sigmas of [3, 4, 5, 6]) {
  for (const [sustainM, sustainN] of [
    [2, 3],
    [3, 4],
    [4, 6],
  ] as const) {
    for (const minBandRatio of [0.1, 0.15, 0.25]) {
      const t = { ...DEFAULT_THRESHOLDS, sigmas, sustainM, sustainN, minBandRatio };
      rows.push({ t, s: score(prepared, t, STEPS_PER_DAY) });
    }
  }
}
const f1 = (s: { precision: number; recall: number }) =>
  s.precision + s.recall ? (2 * s.precision * s.recall) / (s.precision + s.recall) : 0;
const fmt = (r: (typeof rows)[number]) =>
  `sigmas ${r.t.sigmas} sustain ${r.t.sustainM}/${r.t.sustainN} band>=${r.t.minBandRatio}: precision ${r.s.precision.toFixed(2)} recall ${r.s.recall.toFixed(2)} F1 ${f1(r.s).toFixed(2)} false alerts/series-week ${r.s.falseAlertsPerSeriesWeek.toFixed(2)} median delay ${r.s.medianDelaySteps * 5} min`;
console.log(`${SERIES} series x 14 days at 5-min steps; baselines computed in ${Math.round(prepMs)} ms`);
for (const r of rows) console.log(fmt(r));
const eligible = rows.filter((r) => r.s.falseAlertsPerSeriesWeek <= 0.5).sort((a, b) => f1(b.s) - f1(a.s));
if (eligible[0]) console.log(`best with <= 0.5 false alerts/series-week: ${fmt(eligible[0])}`);
const pinned = score(prepared, DEFAULT_THRESHOLDS, STEPS_PER_DAY);
console.log(
  `pinned defaults: ${fmt({ t: DEFAULT_THRESHOLDS, s: pinned })} (${pinned.detected}/${pinned.anomalies} anomalies, ${pinned.falseAlerts} false alerts)`,
);
