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
import {
  configureHealthCheckPayload,
  execPayload,
  helloAckPayload,
  logsSubscribePayload,
  logsUnsubscribePayload,
  restartPayload,
  scalePayload,
  stopPayload,
  updateAgentPayload,
} from "./commands";
import { deployPayload } from "./deploy";
import { defineMessage, type MessageType } from "./envelope";
import { errorReplyPayload } from "./error-reply";
import { execInputPayload, execOutputPayload, execSessionPayload } from "./exec-session";
import { pingPayload, pongPayload } from "./keepalive";
import { configureMonitorsPayload, monitorResultsPayload } from "./monitors";
import { certificateStatusPayload, configureRoutesPayload, routesReportPayload } from "./routing";
import { ingestKeysPayload, telemetryAckPayload } from "./telemetry";

/** The payload schema of each message type. */
export const payloadSchemas = {
  agent_hello: agentHelloPayload,
  heartbeat: heartbeatPayload,
  command_response: commandResponsePayload,
  deploy_status: deployStatusPayload,
  telemetry_batch: telemetryBatchPayload,
  alert: alertPayload,
  log_stream: logStreamPayload,
  pong: pongPayload,
  hello_ack: helloAckPayload,
  deploy: deployPayload,
  stop: stopPayload,
  scale: scalePayload,
  restart: restartPayload,
  exec: execPayload,
  logs_subscribe: logsSubscribePayload,
  logs_unsubscribe: logsUnsubscribePayload,
  update_agent: updateAgentPayload,
  configure_health_check: configureHealthCheckPayload,
  ping: pingPayload,
  error: errorReplyPayload,
  certificate_status: certificateStatusPayload,
  configure_routes: configureRoutesPayload,
  telemetry_ack: telemetryAckPayload,
  ingest_keys: ingestKeysPayload,
  exec_session: execSessionPayload,
  exec_input: execInputPayload,
  exec_output: execOutputPayload,
  routes_report: routesReportPayload,
  monitor_results: monitorResultsPayload,
  configure_monitors: configureMonitorsPayload,
} as const satisfies Record<MessageType, z.ZodType>;

// Agent -> control plane
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

// Control plane -> agent
export const helloAckMessage = defineMessage(
  "hello_ack",
  helloAckPayload,
  "Control plane -> agent: accepts or rejects an agent_hello.",
);
export const deployMessage = defineMessage("deploy", deployPayload, "Control plane -> agent: deploy a service.");
export const stopMessage = defineMessage("stop", stopPayload, "Control plane -> agent: stop a service.");
export const scaleMessage = defineMessage(
  "scale",
  scalePayload,
  "Control plane -> agent: change a service's replicas.",
);
export const restartMessage = defineMessage("restart", restartPayload, "Control plane -> agent: restart a service.");
export const execMessage = defineMessage("exec", execPayload, "Control plane -> agent: run a command in a container.");
export const logsSubscribeMessage = defineMessage(
  "logs_subscribe",
  logsSubscribePayload,
  "Control plane -> agent: start streaming a service's logs.",
);
export const logsUnsubscribeMessage = defineMessage(
  "logs_unsubscribe",
  logsUnsubscribePayload,
  "Control plane -> agent: stop a log stream.",
);
export const updateAgentMessage = defineMessage(
  "update_agent",
  updateAgentPayload,
  "Control plane -> agent: install a new agent version.",
);
export const configureHealthCheckMessage = defineMessage(
  "configure_health_check",
  configureHealthCheckPayload,
  "Control plane -> agent: replace a service's health check.",
);
export const pingMessage = defineMessage(
  "ping",
  pingPayload,
  "Control plane -> agent: liveness probe, answered by pong.",
);

export const errorReplyMessage = defineMessage(
  "error",
  errorReplyPayload,
  "Control plane -> agent: a frame the agent sent was refused (Syntra extension).",
);

export const certificateStatusMessage = defineMessage(
  "certificate_status",
  certificateStatusPayload,
  "Agent -> control plane: TLS certificate state of the routed domains (Syntra extension).",
);
export const configureRoutesMessage = defineMessage(
  "configure_routes",
  configureRoutesPayload,
  "Control plane -> agent: replace a running service's domains and custom certificates (Syntra extension).",
);

export const telemetryAckMessage = defineMessage(
  "telemetry_ack",
  telemetryAckPayload,
  "Control plane -> agent: the outcome of one telemetry_batch, by batch_id (Syntra extension).",
);
export const ingestKeysMessage = defineMessage(
  "ingest_keys",
  ingestKeysPayload,
  "Control plane -> agent: the ingest keys the agent's OTLP receivers accept (Syntra extension).",
);
export const execSessionMessage = defineMessage(
  "exec_session",
  execSessionPayload,
  "Control plane -> agent: start an interactive exec session in a service's container (Syntra extension).",
);
export const execInputMessage = defineMessage(
  "exec_input",
  execInputPayload,
  "Control plane -> agent: stdin, end of stdin, a terminal resize or the client's leaving, for an exec session (Syntra extension).",
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
export const configureMonitorsMessage = defineMessage(
  "configure_monitors",
  configureMonitorsPayload,
  "Control plane -> agent: the uptime monitors the agent runs from now on (Syntra extension, a command).",
);

/** The full schema (envelope and payload) of each message type. */
export const messageSchemas = {
  agent_hello: agentHelloMessage,
  heartbeat: heartbeatMessage,
  command_response: commandResponseMessage,
  deploy_status: deployStatusMessage,
  telemetry_batch: telemetryBatchMessage,
  alert: alertMessage,
  log_stream: logStreamMessage,
  pong: pongMessage,
  hello_ack: helloAckMessage,
  deploy: deployMessage,
  stop: stopMessage,
  scale: scaleMessage,
  restart: restartMessage,
  exec: execMessage,
  logs_subscribe: logsSubscribeMessage,
  logs_unsubscribe: logsUnsubscribeMessage,
  update_agent: updateAgentMessage,
  configure_health_check: configureHealthCheckMessage,
  ping: pingMessage,
  error: errorReplyMessage,
  certificate_status: certificateStatusMessage,
  configure_routes: configureRoutesMessage,
  telemetry_ack: telemetryAckMessage,
  ingest_keys: ingestKeysMessage,
  exec_session: execSessionMessage,
  exec_input: execInputMessage,
  exec_output: execOutputMessage,
  routes_report: routesReportMessage,
  monitor_results: monitorResultsMessage,
  configure_monitors: configureMonitorsMessage,
} as const satisfies Record<MessageType, z.ZodType>;

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

/** Any message the control plane may send. */
export const controlPlaneToAgentMessage = z.discriminatedUnion("type", [
  helloAckMessage,
  deployMessage,
  stopMessage,
  scaleMessage,
  restartMessage,
  execMessage,
  logsSubscribeMessage,
  logsUnsubscribeMessage,
  updateAgentMessage,
  configureHealthCheckMessage,
  pingMessage,
  errorReplyMessage,
  configureRoutesMessage,
  telemetryAckMessage,
  ingestKeysMessage,
  execSessionMessage,
  execInputMessage,
  configureMonitorsMessage,
]);
export type ControlPlaneToAgentMessage = z.infer<typeof controlPlaneToAgentMessage>;
/** What a sender may build: like ControlPlaneToAgentMessage, but fields with defaults (hello_ack config) may be left out. */
export type ControlPlaneToAgentMessageInput = z.input<typeof controlPlaneToAgentMessage>;

/** One message of a given type, e.g. `MessageOf<"deploy">`. */
export type MessageOf<T extends MessageType> = z.infer<(typeof messageSchemas)[T]>;
/** The payload of a given message type, e.g. `PayloadOf<"heartbeat">`. */
export type PayloadOf<T extends MessageType> = z.infer<(typeof payloadSchemas)[T]>;
