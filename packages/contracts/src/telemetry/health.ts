import { z } from "zod";
import { isoTimestamp, uuid } from "../common";

/** The outcome of one health probe the agent ran against a service. */
export const healthCheckResult = z.object({
  service_id: uuid,
  timestamp: isoTimestamp,
  is_healthy: z.boolean(),
  // Only HTTP checks have a status code.
  status_code: z.number().int().min(100).max(599).optional(),
  response_time_ms: z.number().nonnegative(),
  error: z.string().optional(),
});
export type HealthCheckResult = z.infer<typeof healthCheckResult>;
