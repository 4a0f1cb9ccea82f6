import type { z } from "zod";
import type { MessageType } from "./envelope";
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

export * from "./messages-from-agent";
export * from "./messages-to-agent";

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
export type PayloadOf<T extends MessageType> = MessageOf<T>["payload"];
