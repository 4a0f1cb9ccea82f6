import { z } from "zod";
import { agentId } from "../common";
import { errorEvent } from "./error-events";
import { healthCheckResult } from "./health";
import { logEntry } from "./logs";
import { metricPoint } from "./metrics";
import { traceSpan } from "./traces";

/**
 * Everything the agent collected during one batch interval. These are Syntra's extensions
 * around OTLP: spans, logs and metrics keyed by service and deployment, plus error events
 * and health checks that OTLP has no signal for.
 */
export const telemetryData = z.object({
  errors: z.array(errorEvent),
  traces: z.array(traceSpan),
  logs: z.array(logEntry),
  metrics: z.array(metricPoint),
  health_checks: z.array(healthCheckResult),
});
export type TelemetryData = z.infer<typeof telemetryData>;

// batch_id lets the control plane drop a batch it already stored when the agent re-sends after a reconnect.
const batchFields = {
  batch_id: z.string().min(1).max(128),
  agent_id: agentId,
};

/**
 * The `telemetry_batch` payload. With `compression: "zstd"`, `data` is the zstd-compressed
 * JSON of a TelemetryData, base64-encoded; with `"none"` it is the TelemetryData itself.
 * A discriminated union, so a mismatch (an object with "zstd", a string with "none") is rejected.
 */
export const telemetryBatchPayload = z.discriminatedUnion("compression", [
  z.object({ ...batchFields, compression: z.literal("zstd"), data: z.base64().min(1) }),
  z.object({ ...batchFields, compression: z.literal("none"), data: telemetryData }),
]);
export type TelemetryBatchPayload = z.infer<typeof telemetryBatchPayload>;
