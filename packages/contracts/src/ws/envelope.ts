import { z } from "zod";
import { isoTimestamp, uuid } from "../common";

/*
 * Payloads are plain `z.object`s, not strict ones: unknown keys are stripped, not rejected.
 * A newer agent (or control plane) may add optional fields within a major protocol version,
 * and the older peer must keep working; a breaking change bumps the major version instead.
 */

/** Message types the agent sends to the control plane. */
export const agentToControlPlaneTypes = [
  "agent_hello",
  "heartbeat",
  "command_response",
  "deploy_status",
  "telemetry_batch",
  "alert",
  "log_stream",
  "pong",
  "certificate_status",
  "exec_output",
  "routes_report",
  "monitor_results",
] as const;

/** Message types the control plane sends to the agent. */
export const controlPlaneToAgentTypes = [
  "hello_ack",
  "deploy",
  "stop",
  "scale",
  "restart",
  "exec",
  "logs_subscribe",
  "logs_unsubscribe",
  "update_agent",
  "configure_health_check",
  "ping",
  "error",
  "configure_routes",
  "telemetry_ack",
  "ingest_keys",
  "exec_session",
  "exec_input",
  "configure_monitors",
] as const;

/** Every message type of the protocol, in both directions. */
export const messageTypes = [...agentToControlPlaneTypes, ...controlPlaneToAgentTypes] as const;

export const messageType = z.enum(messageTypes);
export type MessageType = z.infer<typeof messageType>;
export type AgentToControlPlaneType = (typeof agentToControlPlaneTypes)[number];
export type ControlPlaneToAgentType = (typeof controlPlaneToAgentTypes)[number];

/** Which side sent a message; `parseMessage` only accepts the types of that direction. */
export type MessageDirection = "agent_to_control_plane" | "control_plane_to_agent";

/** The envelope every message shares, before its payload is checked against its type. */
export const webSocketMessage = z.object({
  // A UUID per message, so both sides can trace and de-duplicate it.
  id: uuid,
  type: messageType,
  timestamp: isoTimestamp,
  payload: z.unknown(),
});
export type WebSocketMessage = z.infer<typeof webSocketMessage>;

/** Builds the full schema of one message type: the envelope with a literal `type` and its payload. */
export function defineMessage<const T extends MessageType, P extends z.ZodType>(
  type: T,
  payload: P,
  description: string,
) {
  return z.object({ id: uuid, type: z.literal(type), timestamp: isoTimestamp, payload }).meta({ description });
}

/** Wraps a payload in the envelope with a fresh id and the current time, ready to send. */
export function envelope<const T extends MessageType, P>(
  type: T,
  payload: P,
  now: Date = new Date(),
): { id: string; type: T; timestamp: string; payload: P } {
  return { id: globalThis.crypto.randomUUID(), type, timestamp: now.toISOString(), payload };
}
