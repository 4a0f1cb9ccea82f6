// The messages the control plane sends to the agent, apart from those the agent sends (messages-from-agent.ts):
// the agent parses only these, and its bundle builds no schema of the other direction (less of its idle heap).
// The payloads of the messages an agent may never get (all but hello_ack, deploy, ping, telemetry_ack, ingest_keys)
// are `z.lazy`, built at their first parse: an agent holds the schemas of what it has received, not of every command
// (--version's heap with the to-agent schemas 5.00 -> 4.83 MB; zod alone 3.78).
import { z } from "zod";
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
import { defineMessage } from "./envelope";
import { errorReplyPayload } from "./error-reply";
import { execInputPayload, execSessionPayload } from "./exec-session";
import { pingPayload } from "./keepalive";
import { configureMonitorsPayload } from "./monitors";
import { configureRoutesPayload } from "./routing";
import { ingestKeysPayload, telemetryAckPayload } from "./telemetry";

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

export const configureMonitorsMessage = defineMessage(
  "configure_monitors",
  configureMonitorsPayload,
  "Control plane -> agent: the uptime monitors the agent runs from now on (Syntra extension, a command).",
);

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
