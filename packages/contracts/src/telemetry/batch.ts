import { z } from "zod";
import { agentId, isoTimestamp, uuid } from "../common";
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

/** The OTLP signals an agent forwards. */
export const otlpSignal = z.enum(["traces", "logs", "metrics"]);
export type OtlpSignalName = z.infer<typeof otlpSignal>;

/**
 * One OTLP export request the agent received and forwards as it came (Syntra extension, format `json+otlp`): the
 * protobuf-encoded `Export{Trace,Logs,Metrics}ServiceRequest` (OTLP/JSON requests are re-encoded to protobuf), of
 * the service whose ingest key it was sent with. Its bytes follow the batch head (see `telemetryBatchPayload`).
 */
export const otlpPayloadRef = z.object({
  service_id: uuid,
  // The service's deployment current when the agent received it: used when the resource names no deployment.id.
  deployment_id: uuid.optional(),
  signal: otlpSignal,
  // Spans, log records or metric data points in it, counted by the agent without decoding.
  items: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type OtlpPayloadRef = z.infer<typeof otlpPayloadRef>;

/** The JSON head of a `json+otlp` batch: the contract's TelemetryData plus the OTLP payloads that follow it. */
export const telemetryBatchHead = telemetryData.extend({ otlp: z.array(otlpPayloadRef).max(100_000) });
export type TelemetryBatchHead = z.infer<typeof telemetryBatchHead>;

const counter = z.number().int().nonnegative();

/**
 * What an agent's telemetry pipeline did since it was installed (counters survive agent restarts), sent with every
 * batch (Syntra extension). `dropped_*` were lost: the buffer was full and the oldest data went first, or the control
 * plane rejected a batch as invalid. `sampled_out_spans` were left out on purpose by adaptive sampling (their weight
 * is carried by the kept spans). The control plane keeps the latest per server and shows it in the API.
 */
export const agentTelemetryStats = z.object({
  received_spans: counter,
  received_log_records: counter,
  received_metric_points: counter,
  dropped_spans: counter,
  dropped_log_records: counter,
  dropped_metric_points: counter,
  dropped_bytes: counter,
  sampled_out_spans: counter,
  refused_requests: counter,
  // The buffer now: bytes waiting for the control plane (in memory and on disk) and their oldest age.
  buffered_bytes: counter,
  buffer_limit_bytes: counter,
  oldest_buffered_at: isoTimestamp.nullable(),
});
export type AgentTelemetryStats = z.infer<typeof agentTelemetryStats>;

/** How a telemetry batch's data is compressed (gzip and brotli: Syntra extensions for agents without zstd). */
export const batchCompression = z.enum(["zstd", "gzip", "br"]);
export type BatchCompression = z.infer<typeof batchCompression>;

// batch_id lets the control plane drop a batch it already stored when the agent re-sends after a reconnect.
const batchFields = {
  batch_id: z.string().min(1).max(128),
  agent_id: agentId,
  stats: agentTelemetryStats.optional(),
};

/**
 * The `telemetry_batch` payload. With `compression: "zstd"` (or `"gzip"` or `"br"`, Syntra extensions for agents
 * without zstd; `"br"` only to control planes whose hello_ack names TELEMETRY_BROTLI_CAPABILITY), `data` is the
 * compressed batch, base64-encoded; with `"none"` it is the TelemetryData itself.
 * The compressed batch is, by `format`:
 * - `json` (the default, section 1.3): the JSON of a TelemetryData.
 * - `json+otlp` (Syntra extension): a 4-byte big-endian length N, N bytes of JSON `telemetryBatchHead`, then the
 *   bytes of each `otlp` payload in order (their `bytes` add up to the rest exactly). The agent forwards the OTLP
 *   requests it received without decoding them; the control plane decodes them with the official protos.
 * A discriminated union, so a mismatch (an object with "zstd", a string with "none") is rejected.
 */
export const telemetryBatchPayload = z.discriminatedUnion("compression", [
  z.object({
    ...batchFields,
    compression: batchCompression,
    format: z.enum(["json", "json+otlp"]).optional(),
    // The size of the data once decompressed (Syntra extension): checked against the limit before decompressing.
    raw_bytes: z.number().int().positive().optional(),
    data: z.base64().min(1),
  }),
  z.object({ ...batchFields, compression: z.literal("none"), data: telemetryData }),
]);
export type TelemetryBatchPayload = z.infer<typeof telemetryBatchPayload>;

/**
 * The payload of a `telemetry_batch` sent as a binary WebSocket frame (Syntra extension, see
 * `encodeTelemetryBatchFrame`): a compressed `json+otlp` batch whose `data_bytes` bytes follow the envelope in the
 * frame itself, not base64 in JSON. Agents send it only to control planes whose hello_ack names
 * TELEMETRY_BINARY_CAPABILITY; older ones get the JSON form.
 */
export const telemetryBatchBinaryPayload = z.object({
  ...batchFields,
  compression: batchCompression,
  format: z.literal("json+otlp"),
  raw_bytes: z.number().int().positive(),
  data_bytes: z.number().int().positive(),
});
export type TelemetryBatchBinaryPayload = z.infer<typeof telemetryBatchBinaryPayload>;

/** A telemetry_batch as the control plane received it: the JSON form, or the binary form with its data. */
export type ReceivedTelemetryBatch = TelemetryBatchPayload | (TelemetryBatchBinaryPayload & { data: Uint8Array });
