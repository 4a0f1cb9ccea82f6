import { controlPlaneToAgentTypes } from "./envelope";
import { type ControlPlaneToAgentMessage, controlPlaneToAgentMessage } from "./messages-to-agent";
import { type ParseFrameResult, type ParseMessageOptions, parseFrame } from "./parse-frame";

const toAgent = { types: controlPlaneToAgentTypes, schema: controlPlaneToAgentMessage, sender: "control plane" };

/**
 * `parseMessage("control_plane_to_agent", …)` for the agent: the same checks and results, but this module reaches
 * only the schemas of the control plane's messages, so the agent's bundle builds none of those it sends (~0.7 MB
 * of its heap at idle).
 */
export function parseControlPlaneMessage(
  raw: unknown,
  options: ParseMessageOptions = {},
): ParseFrameResult<ControlPlaneToAgentMessage> {
  return parseFrame(toAgent, raw, options);
}
