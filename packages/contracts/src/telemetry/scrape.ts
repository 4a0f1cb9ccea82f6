import { z } from "zod";

/**
 * Prometheus scraping of a service (Syntra extension, a per-service setting): the agent fetches
 * `http://<container>:<port><path>` from every running container of the service each `interval_seconds` and ships
 * the samples as metrics. `port` defaults to the service's port. Absent or null: no scraping.
 */
export const metricsScrapeConfig = z.strictObject({
  path: z
    .string()
    .max(512)
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/, "expected an absolute URL path such as /metrics")
    .default("/metrics"),
  port: z.number().int().min(1).max(65535).optional(),
  interval_seconds: z.number().int().min(5).max(3600).default(30),
});
export type MetricsScrapeConfig = z.infer<typeof metricsScrapeConfig>;
