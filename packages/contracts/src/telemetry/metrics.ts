import { z } from "zod";
import { isoTimestamp, stringRecord, uuid } from "../common";

/**
 * One histogram bucket: `count` observations were <= `le` (cumulative, as in Prometheus).
 * The +Inf bucket is implicit, because JSON has no Infinity.
 */
export const histogramBucket = z.object({
  le: z.number(),
  count: z.number().int().nonnegative(),
});
export type HistogramBucket = z.infer<typeof histogramBucket>;

/**
 * One sample of a metric. A histogram carries its buckets (ascending `le`, non-decreasing
 * counts) and `value` is the sum of its observations; gauges and counters carry no buckets.
 */
export const metricPoint = z
  .object({
    timestamp: isoTimestamp,
    service_id: uuid,
    name: z.string().min(1).max(255),
    type: z.enum(["gauge", "counter", "histogram"]),
    value: z.number(),
    labels: stringRecord,
    histogram_buckets: z.array(histogramBucket).optional(),
  })
  .superRefine((point, ctx) => {
    if (point.type === "counter" && point.value < 0) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "a counter cannot be negative" });
    }
    if (point.type !== "histogram") {
      if (point.histogram_buckets !== undefined) {
        ctx.addIssue({ code: "custom", path: ["histogram_buckets"], message: `a ${point.type} has no buckets` });
      }
      return;
    }
    if (point.histogram_buckets === undefined) {
      ctx.addIssue({ code: "custom", path: ["histogram_buckets"], message: "a histogram needs its buckets" });
      return;
    }
    point.histogram_buckets.forEach((bucket, index) => {
      const previous = point.histogram_buckets?.[index - 1];
      if (previous && (bucket.le <= previous.le || bucket.count < previous.count)) {
        ctx.addIssue({
          code: "custom",
          path: ["histogram_buckets", index],
          message: "buckets must have ascending `le` and non-decreasing cumulative counts",
        });
      }
    });
  });
export type MetricPoint = z.infer<typeof metricPoint>;
