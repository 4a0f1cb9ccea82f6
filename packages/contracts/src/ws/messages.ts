import type { z } from "zod";
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
import type { MessageType } from "./envelope";
import { errorReplyPayload } from "./error-reply";
import { execInputPayload, execOutputPayload, execSessionPayload } from "./exec-session";
import { pingPayload, pongPayload } from "./keepalive";
import {
  agentHelloMessage,
  alertMessage,
  certificateStatusMessage,
  commandResponseMessage,
  deployStatusMessage,
  execOutputMessage,
  heartbeatMessage,
  logStreamMessage,
  monitorResultsMessage,
  pongMessage,
  routesReportMessage,
  telemetryBatchMessage,
} from "./messages-from-agent";
import {
  configureHealthCheckMessage,
  configureMonitorsMessage,
  configureRoutesMessage,
  deployMessage,
  errorReplyMessage,
  execInputMessage,
  execMessage,
  execSessionMessage,
  helloAckMessage,
  ingestKeysMessage,
  logsSubscribeMessage,
  logsUnsubscribeMessage,
  pingMessage,
  restartMessage,
  scaleMessage,
  stopMessage,
  telemetryAckMessage,
  updateAgentMessage,
} from "./messages-to-agent";
import { configureMonitorsPayload, monitorResultsPayload } from "./monitors";
import { certificateStatusPayload, configureRoutesPayload, routesReportPayload } from "./routing";
import { ingestKeysPayload, telemetryAckPayload } from "./telemetry";

export * from "./messages-from-agent";
export * from "./messages-to-agent";

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

/** One message of a given type, e.g. `MessageOf<"deploy">`. */
export type MessageOf<T extends MessageType> = z.infer<(typeof messageSchemas)[T]>;
/** The payload of a given message type, e.g. `PayloadOf<"heartbeat">`. */
export type PayloadOf<T extends MessageType> = z.infer<(typeof payloadSchemas)[T]>;
