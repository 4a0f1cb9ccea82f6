import { z } from "zod";
import { isoTimestamp, uuid } from "../common";

/**
 * `telemetry_ack` payload (Syntra extension): the control plane's answer to one `telemetry_batch`.
 * - `stored`: the batch is in the telemetry store (or was already: a resent batch is stored once, by batch_id);
 *   the agent forgets it.
 * - `retry`: not stored now (the store failed, or the control plane is at its ingest limit); the agent sends it
 *   again after `retry_after_seconds`.
 * - `rejected`: the batch can never be stored (it breaks the contract); the agent drops it and counts the loss.
 * A batch without an answer is sent again after the next reconnect. Agents that predate it never get one and
 * resend after each reconnect, which is safe (dedup by batch_id).
 */
export const telemetryAckPayload = z.object({
  batch_id: z.string().min(1).max(128),
  status: z.enum(["stored", "retry", "rejected"]),
  message: z.string().max(2000).optional(),
  retry_after_seconds: z.number().int().positive().max(3600).optional(),
});
export type TelemetryAckPayload = z.infer<typeof telemetryAckPayload>;

/** One ingest key an agent accepts for one of its server's services. */
export const ingestKeyGrant = z.object({
  key: z.string().min(1).max(128),
  service_id: uuid,
  // A rotated-out key works until then; null for the service's current key.
  expires_at: isoTimestamp.nullable(),
});
export type IngestKeyGrant = z.infer<typeof ingestKeyGrant>;

/**
 * `ingest_keys` payload (Syntra extension): every ingest key the agent's OTLP receivers accept, replacing the
 * previous list. Sent after each accepted hello and whenever the list changes (a service created, moved or deleted,
 * a key rotated). The agent refuses any other key (OTLP 401), so an app with a wrong key learns it at once.
 */
export const ingestKeysPayload = z.object({
  keys: z.array(ingestKeyGrant).max(100_000),
});
export type IngestKeysPayload = z.infer<typeof ingestKeysPayload>;
