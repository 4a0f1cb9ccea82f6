import type { HistogramBucket, MetricPoint } from "@syntra/contracts";
import { attributesToLabels } from "./attributes";
import type { Attribution } from "./attribution";
import { deploymentOf } from "./attribution";
import {
  type ExponentialHistogramDataPoint,
  type ExportMetricsServiceRequest,
  type HistogramDataPoint,
  type Int64,
  int64,
  type Metric,
} from "./messages";

/** A contract metric point and the deployment its resource named (the store keeps it beside the point). */
export type ConvertedMetricPoint = MetricPoint & { deployment_id: string };

/** Converted points and how many were refused (non-finite values), for a partial success. */
export interface ConvertedMetrics {
  points: ConvertedMetricPoint[];
  rejected: number;
  error?: string;
}

function iso(nanos: Int64, now: Date): string {
  const n = int64(nanos);
  return n > 0 ? new Date(Math.floor(n / 1e6)).toISOString() : now.toISOString();
}

/** Per-bucket OTLP counts (the last one is +Inf) as the contract's cumulative buckets (+Inf implicit). */
export function cumulativeBuckets(bounds: readonly number[], counts: readonly Int64[]): HistogramBucket[] {
  const buckets: HistogramBucket[] = [];
  let total = 0;
  bounds.forEach((le, i) => {
    total += int64(counts[i]);
    // Bounds must ascend; a sender that repeats one gets its counts merged into the first.
    const last = buckets[buckets.length - 1];
    if (last && le <= last.le) last.count = total;
    else buckets.push({ le, count: total });
  });
  return buckets;
}

/** An exponential histogram's positive buckets as explicit cumulative buckets (bounds base^(index+1)). */
function exponentialBuckets(dp: ExponentialHistogramDataPoint): HistogramBucket[] {
  const base = 2 ** (2 ** -dp.scale);
  let total = int64(dp.zeroCount);
  for (const c of dp.negative?.bucketCounts ?? []) total += int64(c);
  const buckets: HistogramBucket[] = [{ le: 0, count: total }];
  const offset = dp.positive?.offset ?? 0;
  (dp.positive?.bucketCounts ?? []).forEach((c, i) => {
    total += int64(c);
    const le = base ** (offset + i + 1);
    if (Number.isFinite(le) && le > (buckets[buckets.length - 1]?.le ?? 0)) buckets.push({ le, count: total });
  });
  return buckets;
}

/**
 * OTLP metrics as contract points: gauges and non-monotonic sums as gauges, monotonic sums as counters,
 * histograms (explicit and exponential) as histograms with cumulative buckets and their sum as the value,
 * summaries as `<name>_sum`/`<name>_count` counters and one gauge per quantile (label `quantile`, as Prometheus does).
 * Labels are the data point's attributes. Non-finite values are rejected (JSON cannot carry them).
 */
export function convertMetrics(
  request: ExportMetricsServiceRequest,
  attribution: Attribution,
  now: Date = new Date(),
): ConvertedMetrics {
  const out: ConvertedMetrics = { points: [], rejected: 0 };
  const push = (point: ConvertedMetricPoint) => {
    if (!Number.isFinite(point.value) || (point.type === "counter" && point.value < 0)) {
      out.rejected++;
      out.error ??= `metric ${point.name}: value ${point.value} cannot be stored`;
      return;
    }
    out.points.push(point);
  };
  for (const rm of request.resourceMetrics ?? []) {
    const deploymentId = deploymentOf(rm.resource, attribution);
    const base = { service_id: attribution.serviceId, deployment_id: deploymentId };
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) convertMetric(metric, base, now, push);
    }
  }
  return out;
}

function convertMetric(
  metric: Metric,
  base: { service_id: string; deployment_id: string },
  now: Date,
  push: (point: ConvertedMetricPoint) => void,
): void {
  const name = (metric.name || "unnamed").slice(0, 255);
  switch (metric.data) {
    case "gauge":
    case "sum": {
      const counter = metric.data === "sum" && metric.sum?.isMonotonic === true;
      for (const dp of metric[metric.data]?.dataPoints ?? []) {
        const value = dp.value === "asInt" ? int64(dp.asInt) : (dp.asDouble ?? 0);
        push({
          ...base,
          timestamp: iso(dp.timeUnixNano, now),
          name,
          type: counter ? "counter" : "gauge",
          value,
          labels: attributesToLabels(dp.attributes),
        });
      }
      return;
    }
    case "histogram":
      for (const dp of metric.histogram?.dataPoints ?? []) push(histogramPoint(dp, name, base, now));
      return;
    case "exponentialHistogram":
      for (const dp of metric.exponentialHistogram?.dataPoints ?? []) {
        push({
          ...base,
          timestamp: iso(dp.timeUnixNano, now),
          name,
          type: "histogram",
          value: dp.sum ?? 0,
          labels: attributesToLabels(dp.attributes),
          histogram_buckets: exponentialBuckets(dp),
        });
      }
      return;
    case "summary":
      for (const dp of metric.summary?.dataPoints ?? []) {
        const labels = attributesToLabels(dp.attributes);
        const timestamp = iso(dp.timeUnixNano, now);
        push({ ...base, timestamp, name: `${name}_sum`.slice(0, 255), type: "counter", value: dp.sum ?? 0, labels });
        push({
          ...base,
          timestamp,
          name: `${name}_count`.slice(0, 255),
          type: "counter",
          value: int64(dp.count),
          labels,
        });
        for (const q of dp.quantileValues ?? []) {
          push({
            ...base,
            timestamp,
            name,
            type: "gauge",
            value: q.value,
            labels: { ...labels, quantile: String(q.quantile) },
          });
        }
      }
      return;
    case undefined:
      return;
    default: {
      const unknown: never = metric.data;
      throw new Error(`unknown metric data ${String(unknown)}`);
    }
  }
}

function histogramPoint(
  dp: HistogramDataPoint,
  name: string,
  base: { service_id: string; deployment_id: string },
  now: Date,
): ConvertedMetricPoint {
  return {
    ...base,
    timestamp: iso(dp.timeUnixNano, now),
    name,
    type: "histogram",
    value: dp.sum ?? 0,
    labels: attributesToLabels(dp.attributes),
    histogram_buckets: cumulativeBuckets(dp.explicitBounds ?? [], dp.bucketCounts ?? []),
  };
}
