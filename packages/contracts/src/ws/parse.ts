import { agentToControlPlaneTypes, controlPlaneToAgentTypes, type MessageDirection } from "./envelope";
import { type AgentToControlPlaneMessage, agentToControlPlaneMessage } from "./messages-from-agent";
import { type ControlPlaneToAgentMessage, controlPlaneToAgentMessage } from "./messages-to-agent";
import { type MessageDirectionSpec, type ParseFrameResult, type ParseMessageOptions, parseFrame } from "./parse-frame";

/** The messages one direction may carry. */
export type DirectionMessage<D extends MessageDirection> = D extends "agent_to_control_plane"
  ? AgentToControlPlaneMessage
  : ControlPlaneToAgentMessage;

/** The result of `parseMessage`: the typed message, or every issue found. */
export type ParseMessageResult<D extends MessageDirection> = ParseFrameResult<DirectionMessage<D>>;

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
 *
 * Protocol compatibility: an error code (UPPER_SNAKE, where the schema wants a code of the table)
 * that this version's table lacks does not refuse the frame. It is read as UNRECOGNIZED_ERROR, the
 * rest of the error (its message) kept, and reported through `onUnrecognizedErrorCodes` for the
 * caller to log. An older agent's report of a failed deploy thus still ends the deployment.
 */
export function parseMessage<D extends MessageDirection>(
  direction: D,
  raw: unknown,
  options: ParseMessageOptions = {},
): ParseMessageResult<D> {
  const spec: MessageDirectionSpec<AgentToControlPlaneMessage | ControlPlaneToAgentMessage> = directions[direction];
  return parseFrame(spec, raw, options) as ParseMessageResult<D>;
}
