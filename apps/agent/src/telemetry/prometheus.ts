import type { MetricPoint } from "@syntra/contracts";
import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** One family as the parser (prom2json's shape) gives it. */
interface Family {
  name: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

/**
 * Prometheus text exposition as contract metric points of a service: counters as counters, gauges and untyped as
 * gauges, histograms with their cumulative buckets (+Inf left implicit) and sum, summaries as `_sum`/`_count`
 * counters and a gauge per quantile. Samples whose value is not a finite number are left out (JSON cannot carry
 * NaN or Inf). Parsing is parse-prometheus-text-format's; a malformed exposition throws.
 */
export function prometheusToPoints(text: string, serviceId: string, at: Date): MetricPoint[] {
  const families = parsePrometheusTextFormat(text) as Family[];
  const timestamp = at.toISOString();
  const points: MetricPoint[] = [];
  const push = (name: string, type: MetricPoint["type"], value: number, labels: Record<string, string>, extra = {}) => {
    if (!Number.isFinite(value) || (type === "counter" && value < 0)) return;
    points.push({ timestamp, service_id: serviceId, name: name.slice(0, 255), type, value, labels, ...extra });
  };
  for (const family of families) {
    for (const m of family.metrics) {
      const labels = m.labels ?? {};
      switch (family.type) {
        case "COUNTER":
          push(family.name, "counter", Number(m.value), labels);
          break;
        case "GAUGE":
        case "UNTYPED":
          push(family.name, "gauge", Number(m.value), labels);
          break;
        case "HISTOGRAM": {
          const buckets = Object.entries(m.buckets ?? {})
            .map(([le, count]) => ({ le: Number(le), count: Number(count) }))
            .filter((b) => Number.isFinite(b.le) && Number.isFinite(b.count))
            .sort((a, b) => a.le - b.le);
          push(family.name, "histogram", Number(m.sum ?? 0), labels, { histogram_buckets: buckets });
          break;
        }
        case "SUMMARY":
          push(`${family.name}_sum`, "counter", Number(m.sum ?? 0), labels);
          push(`${family.name}_count`, "counter", Number(m.count ?? 0), labels);
          for (const [quantile, value] of Object.entries(m.quantiles ?? {})) {
            push(family.name, "gauge", Number(value), { ...labels, quantile });
          }
          break;
      }
    }
  }
  return points;
}
