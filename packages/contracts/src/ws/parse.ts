import type { z } from "zod";
import {
  agentToControlPlaneTypes,
  controlPlaneToAgentTypes,
  type MessageDirection,
  type MessageType,
  messageTypes,
} from "./envelope";
import {
  type AgentToControlPlaneMessage,
  agentToControlPlaneMessage,
  type ControlPlaneToAgentMessage,
  controlPlaneToAgentMessage,
} from "./messages";

/** One problem with a message; `path` is dotted from the message root, e.g. "payload.resources.cpu_cores". */
export interface MessageIssue {
  path: string;
  message: string;
}

/** Why a message was rejected, in the shape of the API's error envelope. */
export interface InvalidMessageError {
  code: "INVALID_MESSAGE";
  message: string;
  issues: MessageIssue[];
}

/** The messages one direction may carry. */
export type DirectionMessage<D extends MessageDirection> = D extends "agent_to_control_plane"
  ? AgentToControlPlaneMessage
  : ControlPlaneToAgentMessage;

/** The result of `parseMessage`: the typed message, or every issue found. */
export type ParseMessageResult<D extends MessageDirection> =
  | { ok: true; message: DirectionMessage<D> }
  | { ok: false; error: InvalidMessageError };

const directions = {
  agent_to_control_plane: { types: agentToControlPlaneTypes, schema: agentToControlPlaneMessage, sender: "agent" },
  control_plane_to_agent: {
    types: controlPlaneToAgentTypes,
    schema: controlPlaneToAgentMessage,
    sender: "control plane",
  },
} as const;

/**
 * Validates one WebSocket message travelling in `direction`. `raw` is the frame as received
 * (a JSON string or UTF-8 bytes) or an already-parsed value. Never throws: malformed JSON, a
 * type of the other direction, an unknown type and schema violations all come back as
 * INVALID_MESSAGE with their dotted paths.
 */
export function parseMessage<D extends MessageDirection>(direction: D, raw: unknown): ParseMessageResult<D> {
  const decoded = decodeFrame(raw);
  if (!decoded.ok) return invalid("message is not valid JSON", [{ path: "", message: decoded.reason }]);

  const { types, schema, sender } = directions[direction];
  const type = readType(decoded.value);
  if (type !== undefined && !(types as readonly string[]).includes(type)) {
    const reason = isMessageType(type) ? `"${type}" is not sent by the ${sender}` : `unknown message type "${type}"`;
    return invalid(reason, [{ path: "type", message: reason }]);
  }

  const result = schema.safeParse(decoded.value);
  if (result.success) return { ok: true, message: result.data as DirectionMessage<D> };
  const issues = result.error.issues.map(toMessageIssue);
  const [first] = issues;
  const summary = first ? `${first.path || "message"}: ${first.message}` : "failed validation";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return invalid(`invalid ${type ?? "WebSocket"} message: ${summary}${more}`, issues);
}

function decodeFrame(raw: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text: string;
  if (typeof raw === "string") text = raw;
  else if (raw instanceof Uint8Array) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      return { ok: false, reason: "the frame is not valid UTF-8" };
    }
  } else return { ok: true, value: raw };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function readType(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("type" in value)) return undefined;
  return typeof value.type === "string" ? value.type : undefined;
}

function toMessageIssue(issue: z.core.$ZodIssue): MessageIssue {
  return { path: issue.path.map((key) => String(key)).join("."), message: issue.message };
}

function invalid(message: string, issues: MessageIssue[]): { ok: false; error: InvalidMessageError } {
  return { ok: false, error: { code: "INVALID_MESSAGE", message, issues } };
}

/** True when `type` is one of the protocol's message types. */
export function isMessageType(type: string): type is MessageType {
  return (messageTypes as readonly string[]).includes(type);
}
