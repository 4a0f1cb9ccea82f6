// The messages the agent sends to the control plane (the other direction: messages-to-agent.ts).
import { z } from "zod";
import { telemetryBatchPayload } from "../telemetry/batch";
import {
  agentHelloPayload,
  alertPayload,
  commandResponsePayload,
  deployStatusPayload,
  heartbeatPayload,
  logStreamPayload,
} from "./agent-messages";
import { defineMessage } from "./envelope";
import { execOutputPayload } from "./exec-session";
import { pongPayload } from "./keepalive";
import { monitorResultsPayload } from "./monitors";
import { certificateStatusPayload, routesReportPayload } from "./routing";

export const agentHelloMessage = defineMessage(
  "agent_hello",
  agentHelloPayload,
  "Agent -> control plane: first message after connecting.",
);

export const heartbeatMessage = defineMessage(
  "heartbeat",
  heartbeatPayload,
  "Agent -> control plane: periodic host and service state.",
);

export const commandResponseMessage = defineMessage(
  "command_response",
  commandResponsePayload,
  "Agent -> control plane: the result of a command.",
);

export const deployStatusMessage = defineMessage(
  "deploy_status",
  deployStatusPayload,
  "Agent -> control plane: progress of a deployment.",
);

export const telemetryBatchMessage = defineMessage(
  "telemetry_batch",
  telemetryBatchPayload,
  "Agent -> control plane: errors, spans, logs, metrics and health checks.",
);

export const alertMessage = defineMessage(
  "alert",
  alertPayload,
  "Agent -> control plane: a critical condition on the host.",
);

export const logStreamMessage = defineMessage(
  "log_stream",
  logStreamPayload,
  "Agent -> control plane: log lines for a logs_subscribe.",
);

export const pongMessage = defineMessage("pong", pongPayload, "Agent -> control plane: the answer to a ping.");

export const certificateStatusMessage = defineMessage(
  "certificate_status",
  certificateStatusPayload,
  "Agent -> control plane: TLS certificate state of the routed domains (Syntra extension).",
);

export const execOutputMessage = defineMessage(
  "exec_output",
  execOutputPayload,
  "Agent -> control plane: output, start, exit or error of an exec session (Syntra extension).",
);

export const routesReportMessage = defineMessage(
  "routes_report",
  routesReportPayload,
  "Agent -> control plane: the domains and certificates the proxy routes for each running service (Syntra extension).",
);

export const monitorResultsMessage = defineMessage(
  "monitor_results",
  monitorResultsPayload,
  "Agent -> control plane: results of the uptime monitors it runs (Syntra extension).",
);

/** Any message the agent may send. */
export const agentToControlPlaneMessage = z.discriminatedUnion("type", [
  agentHelloMessage,
  heartbeatMessage,
  commandResponseMessage,
  deployStatusMessage,
  telemetryBatchMessage,
  alertMessage,
  logStreamMessage,
  pongMessage,
  certificateStatusMessage,
  execOutputMessage,
  routesReportMessage,
  monitorResultsMessage,
]);
export type AgentToControlPlaneMessage = z.infer<typeof agentToControlPlaneMessage>;
