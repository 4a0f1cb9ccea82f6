import type { AnomalyCondition } from "@syntra/contracts";
import { judgeSignal, type SignalSeries, signalSeries } from "../../ai/anomaly/service-signal";
import { type GroupResult, type RuleSource, round, serviceLabels } from "./types";

const SIGNAL_NAME: Record<AnomalyCondition["signal"], string> = {
  request_rate: "request rate",
  error_rate: "error rate",
  latency_p95: "p95 latency",
  cpu: "CPU",
  memory: "memory",
};

/** A value of the signal as people read it. */
function show(signal: AnomalyCondition["signal"], v: number): string {
  if (signal === "error_rate") return `${(v * 100).toFixed(1)}%`;
  if (signal === "latency_p95") return `${Math.round(v)} ms`;
  if (signal === "cpu") return `${v.toFixed(1)}% CPU`;
  if (signal === "memory") return `${Math.round(v / 1024 / 1024)} MiB`;
  return `${Math.round(v)} requests/5 min`;
}

/**
 * `anomaly`: each service's signal (request rate, error rate, p95 latency from its spans; CPU and memory of its
 * busiest container from the heartbeats; at 5-minute steps) judged
 * by the AI engine's detector against its own 7-day, hour-of-week baseline: active when the last step is part of a
 * sustained deviation in the rule's direction. A service with less than 7 days of history is learning and never
 * fires. One series per service and signal per evaluation, shared by the rules that watch it.
 */
export const evaluateAnomaly: RuleSource<AnomalyCondition> = async (deps, rules, now) => {
  const series = new Map<string, Promise<SignalSeries>>();
  const seriesOf = (orgId: string, serviceId: string, signal: AnomalyCondition["signal"]) => {
    const key = `${serviceId}:${signal}`;
    let s = series.get(key);
    if (!s) {
      s = signalSeries(deps.telemetry, { orgId, serviceId }, signal, now);
      series.set(key, s);
    }
    return s;
  };
  const out = new Map<string, GroupResult[]>();
  for (const r of rules) {
    const c = r.condition;
    const results: GroupResult[] = [];
    for (const s of r.services) {
      const v = judgeSignal(await seriesOf(r.rule.orgId, s.id, c.signal), c);
      const name = SIGNAL_NAME[c.signal];
      results.push({
        key: `service:${s.id}`,
        active: v.matches,
        value: v.value === null ? null : round(v.value),
        title: `${s.name}: ${name} anomaly`,
        message:
          v.state === "learning"
            ? `${s.name}: ${name} is learning its baseline (7 days of history needed)`
            : `${s.name}: ${name} ${v.value === null ? "has no data" : show(c.signal, v.value)}, expected ${show(c.signal, v.expected ?? 0)} (normal ${show(c.signal, v.lower ?? 0)} to ${show(c.signal, v.upper ?? 0)})`,
        labels: serviceLabels(s),
        details: { signal: c.signal, state: v.state, expected: v.expected, lower: v.lower, upper: v.upper, at: v.at },
      });
    }
    out.set(r.rule.id, results);
  }
  return out;
};
