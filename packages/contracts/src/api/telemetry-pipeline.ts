import type { z } from "zod";
import { isoTimestamp } from "../common";
import { agentTelemetryStats } from "../telemetry/batch";

/**
 * GET /servers/:id/telemetry (Syntra addition): what the server's agent did with the telemetry it received, as it
 * last reported (counters since the agent was installed). `dropped_*` is data lost because the agent's buffer was
 * full or a batch was unusable; `sampled_out_spans` left out on purpose by adaptive sampling. `reported_at` is null
 * (and the counters 0) until the agent sends its first batch.
 */
export const serverTelemetry = agentTelemetryStats.extend({
  reported_at: isoTimestamp.nullable(),
});
export type ServerTelemetry = z.infer<typeof serverTelemetry>;
