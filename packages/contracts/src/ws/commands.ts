import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { healthCheckConfig } from "../health-check";
import { MAX_RECONNECT_SPREAD_SECONDS } from "./close-codes";
import { deployPayload } from "./deploy";
import { absolutePath, envVars, requestId, semver, serverId, wireErrorCode } from "./primitives";
import { protocolVersion } from "./protocol-version";

// Payloads an agent may never receive are built at their first parse (z.lazy, see messages-to-agent.ts).

/**
 * Over how many seconds an agent spreads its first reconnect after losing its connection unexpectedly (a random
 * point of it), sized by the control plane to its fleet and the rate it admits agents at: a network failure that
 * cuts every agent at once then comes back as a stream the control plane can take, not as one herd whose
 * handshakes time out. Sent in `hello_ack`'s config and, kept current as the fleet grows, in every `ping`.
 */
export const reconnectSpread = z.number().int().min(1).max(MAX_RECONNECT_SPREAD_SECONDS).optional();

/** Agent settings the control plane hands out in `hello_ack`; omitted fields take the spec's defaults. */
export const agentConfig = z.object({
  heartbeat_interval_seconds: z.number().int().positive().default(30),
  telemetry_batch_interval_seconds: z.number().int().positive().default(5),
  telemetry_buffer_max_mb: z.number().int().positive().default(50),
  log_level: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Syntra extension: see reconnectSpread. Absent (older control planes): the agent retries within 1 s.
  reconnect_spread_seconds: reconnectSpread,
});
export type AgentConfig = z.infer<typeof agentConfig>;

/**
 * `hello_ack` payload: the answer to `agent_hello`. Accepted, it names the negotiated
 * `protocol_version` and carries the agent's config and the deployments queued while it was
 * offline. Rejected, it carries an `error` (e.g. PROTOCOL_VERSION_UNSUPPORTED, with
 * `protocol_version: null` when no version is shared) and the control plane then closes the socket.
 */
export const helloAckPayload = z.discriminatedUnion("accepted", [
  z.object({
    server_id: serverId,
    accepted: z.literal(true),
    protocol_version: protocolVersion,
    server_name: z.string().min(1),
    org_id: uuid,
    config: agentConfig,
    pending_deployments: z.array(deployPayload),
    // Syntra extension: what this control plane accepts beyond the protocol version (e.g. TELEMETRY_BINARY_CAPABILITY).
    // Absent from older control planes: the agent then uses none of them.
    capabilities: z.array(z.string().min(1).max(64)).max(100).optional(),
  }),
  z.object({
    server_id: serverId,
    accepted: z.literal(false),
    protocol_version: protocolVersion.nullable(),
    error: z.object({ code: wireErrorCode, message: z.string() }),
    // Syntra extension: an agent refused as too old (AGENT_UPDATE_REQUIRED) is told where its update is.
    update: z.lazy(() => updateAgentPayload).optional(),
  }),
]);
export type HelloAckPayload = z.infer<typeof helloAckPayload>;

/** A deployment queued while the agent was offline; the agent runs it as if it came in a `deploy`. */
export const pendingDeployment = deployPayload;
export type PendingDeployment = z.infer<typeof pendingDeployment>;

/** `stop` payload: stop a service's containers, gracefully within `timeout_seconds`. */
export const stopPayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    service_id: uuid,
    // 0 kills at once.
    timeout_seconds: z.number().int().nonnegative(),
    remove_container: z.boolean(),
  }),
);
export type StopPayload = z.infer<typeof stopPayload>;

/** `scale` payload: run `replicas` containers of a service (0 stops them all). */
export const scalePayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    service_id: uuid,
    replicas: z.number().int().nonnegative(),
    strategy: z.enum(["immediate", "rolling"]),
  }),
);
export type ScalePayload = z.infer<typeof scalePayload>;

/** `restart` payload: restart a service's containers, each stopped gracefully within `timeout_seconds`. */
export const restartPayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    service_id: uuid,
    timeout_seconds: z.number().int().nonnegative(),
  }),
);
export type RestartPayload = z.infer<typeof restartPayload>;

/** `exec` payload: run a command in a service's container, as an argv array (never a shell string). */
export const execPayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    service_id: uuid,
    command: z.array(z.string()).min(1),
    working_dir: absolutePath.optional(),
    env: envVars.optional(),
    timeout_seconds: z.number().int().positive(),
    // A terminal session rather than a one-shot command.
    interactive: z.boolean(),
  }),
);
export type ExecPayload = z.infer<typeof execPayload>;

/** `command_response.data` of a finished `exec`. */
export const execResponseData = z.object({
  exit_code: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
});
export type ExecResponseData = z.infer<typeof execResponseData>;

/**
 * `logs_subscribe` payload: stream a service's container logs back as `log_stream` messages
 * carrying this `request_id`: the last `tail` lines, then new ones while `follow` is true.
 * A `command_response` with the same `request_id` confirms the subscription or says why not.
 */
export const logsSubscribePayload = z.lazy(() =>
  z
    .object({
      request_id: requestId,
      service_id: uuid,
      follow: z.boolean(),
      tail: z.number().int().nonnegative(),
      since: isoTimestamp.optional(),
      until: isoTimestamp.optional(),
    })
    // Runs even when a timestamp failed its format check; NaN then compares false and adds nothing.
    .refine((sub) => !(sub.since && sub.until && Date.parse(sub.since) > Date.parse(sub.until)), {
      path: ["until"],
      message: "until cannot be before since",
    }),
);
export type LogsSubscribePayload = z.infer<typeof logsSubscribePayload>;

/**
 * `logs_unsubscribe` payload (the spec gives none; Syntra's design): end the subscription whose
 * `logs_subscribe` had this `request_id`. The agent answers with a final `log_stream` with `done: true`.
 */
export const logsUnsubscribePayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    service_id: uuid,
  }),
);
export type LogsUnsubscribePayload = z.infer<typeof logsUnsubscribePayload>;

/**
 * `update_agent` payload (the spec gives none; Syntra's design): replace the agent bundle with `version`. The agent
 * downloads it (from the agent endpoint, with its client certificate), checks it against `sha256` and `signature`
 * (Ed25519 by the key the agent pinned at enrolment, over `updateSignedText`), stages it and restarts into it; the
 * new version must connect within `confirm_timeout_seconds` or the agent goes back to the one it replaced.
 * `signature` and `confirm_timeout_seconds` are optional on the wire so that older agents still parse the command
 * (they answer NOT_SUPPORTED); an agent that updates refuses a command without a signature.
 */
export const updateAgentPayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    version: semver,
    download_url: z.url({ protocol: /^https?$/ }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex characters"),
    signature: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/, "expected a base64 Ed25519 signature")
      .optional(),
    confirm_timeout_seconds: z.number().int().min(5).max(3600).optional(),
  }),
);
export type UpdateAgentPayload = z.infer<typeof updateAgentPayload>;

/** The text an agent bundle's signature covers: what it is, its version and its SHA-256. */
export function updateSignedText(version: string, sha256: string): string {
  return `syntra-agent-bundle\n${version}\n${sha256}\n`;
}

/**
 * `configure_health_check` payload (the spec gives none; Syntra's design): replace the health
 * check of a running service without redeploying it.
 */
export const configureHealthCheckPayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    service_id: uuid,
    health_check: healthCheckConfig,
  }),
);
export type ConfigureHealthCheckPayload = z.infer<typeof configureHealthCheckPayload>;
