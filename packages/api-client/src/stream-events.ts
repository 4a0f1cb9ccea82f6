import { type DeploymentLogStreamEvent, deploymentLogStreamEvent } from "@syntra/contracts";
import type { z } from "zod";
import type { SseMessage } from "./sse";

/**
 * One Server-Sent Event read as a route's declared event: `{ type: <event name>, ...<JSON data> }`, checked
 * against the schema. Null for data that is not a JSON object or does not match (an event a newer server added,
 * or a comment), so a reader skips it rather than failing the whole stream.
 */
export function parseStreamEvent<S extends z.ZodType>(schema: S, message: SseMessage): z.output<S> | null {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
  const parsed = schema.safeParse({ ...data, type: message.event });
  return parsed.success ? parsed.data : null;
}

/**
 * One event of a deployment's log stream (GET /deployments/:id/logs/stream), checked against its contract
 * schema; null for events this client does not know or data that does not match (a newer server). For readers
 * with an EventSource of their own (the dashboard).
 */
export function parseDeploymentLogEvent(event: string, data: string): DeploymentLogStreamEvent | null {
  return parseStreamEvent(deploymentLogStreamEvent, { event, data });
}
