import { z } from "zod";
import { agentId, isoTimestamp, uuid } from "../common";
import { hostname, ipAddress, requestId, semver, serverId, wireErrorCode } from "./primitives";
import { compareProtocolVersions, parseProtocolVersion, protocolVersion } from "./protocol-version";

/** `agent_hello` payload: the first message after connecting; describes the agent and its host. */
export const agentHelloPayload = z
  .object({
    agent_id: agentId,
    server_id: serverId,
    version: semver,
    // Section 4.2: the newest protocol the agent speaks and the oldest it still accepts.
    protocol_version: protocolVersion,
    min_supported: protocolVersion,
    runtime: z.enum(["docker", "kubernetes"]),
    runtime_version: z.string().min(1),
    os: z.object({
      name: z.string().min(1),
      version: z.string().min(1),
      kernel: z.string().min(1),
    }),
    arch: z.enum(["x86_64", "aarch64"]),
    resources: z.object({
      cpu_cores: z.number().int().positive(),
      cpu_model: z.string(),
      memory_total_mb: z.number().int().nonnegative(),
      disk_total_gb: z.number().nonnegative(),
    }),
    network: z.object({
      hostname,
      public_ip: ipAddress.nullable(),
      private_ip: ipAddress,
    }),
    capabilities: z.array(z.string().min(1)),
    // Syntra extensions (optional, so older agents stay compatible): the agent's edge proxy as clients reach it,
    // and the host's /etc/machine-id (the control plane tells from it that the server is its own machine).
    proxy: z
      .object({
        http_port: z.number().int().min(1).max(65535),
        https_port: z.number().int().min(1).max(65535),
        tls: z.boolean(),
      })
      .optional(),
    machine_id: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional(),
    // Syntra extension: how the agent's last self-update ended, when it did not become the version it was told to.
    update_result: z
      .object({
        version: semver,
        outcome: z.enum(["rolled_back", "verification_failed", "download_failed"]),
        message: z.string().max(2000),
      })
      .optional(),
  })
  // Zod still runs this when a format check above failed, so a malformed version is left to that check.
  .refine(
    (hello) =>
      !parseProtocolVersion(hello.min_supported) ||
      !parseProtocolVersion(hello.protocol_version) ||
      compareProtocolVersions(hello.min_supported, hello.protocol_version) <= 0,
    { path: ["min_supported"], message: "min_supported cannot be newer than protocol_version" },
  );
export type AgentHelloPayload = z.infer<typeof agentHelloPayload>;

/** Runtime state of one container of a service, as reported in each heartbeat. */
export const serviceStatus = z.object({
  service_id: uuid,
  container_id: z.string().min(1),
  status: z.enum(["running", "stopped", "restarting", "error"]),
  health: z.enum(["healthy", "unhealthy", "unknown"]),
  // Docker counts 100% per core, so a busy multi-core container exceeds 100.
  cpu_percent: z.number().nonnegative(),
  memory_mb: z.number().nonnegative(),
  restart_count: z.number().int().nonnegative(),
  started_at: isoTimestamp,
  /**
   * Syntra extension (optional, so older peers stay compatible): the deployment whose containers these
   * are. The control plane settles deployment rows from it after either side restarts.
   */
  deployment_id: uuid.optional(),
});
export type ServiceStatus = z.infer<typeof serviceStatus>;

/** `heartbeat` payload, every `heartbeat_interval_seconds`: host resources and the state of each service. */
export const heartbeatPayload = z.object({
  agent_id: agentId,
  timestamp: isoTimestamp,
  uptime_seconds: z.number().nonnegative(),
  resources: z.object({
    // Host-wide, averaged over all cores, so it is a true percentage.
    cpu_usage_percent: z.number().min(0).max(100),
    memory_used_mb: z.number().nonnegative(),
    memory_available_mb: z.number().nonnegative(),
    disk_used_gb: z.number().nonnegative(),
    disk_available_gb: z.number().nonnegative(),
    // Bytes since the previous heartbeat, not since boot.
    network_rx_bytes: z.number().int().nonnegative(),
    network_tx_bytes: z.number().int().nonnegative(),
  }),
  containers: z.object({
    running: z.number().int().nonnegative(),
    stopped: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
  services: z.array(serviceStatus),
});
export type HeartbeatPayload = z.infer<typeof heartbeatPayload>;

/** Why a command failed. `code` is one of the error table's (see `wireErrorCode`); `details` is free-form. */
export const commandError = z.object({
  code: wireErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type CommandError = z.infer<typeof commandError>;

/**
 * `command_response` payload: the agent's answer to a command, matched by `request_id`.
 * `error` is present exactly when `success` is false; `data` depends on the command
 * (see `execResponseData`).
 */
export const commandResponsePayload = z
  .object({
    request_id: requestId,
    success: z.boolean(),
    error: commandError.optional(),
    data: z.unknown().optional(),
  })
  .superRefine((response, ctx) => {
    if (!response.success && response.error === undefined) {
      ctx.addIssue({ code: "custom", path: ["error"], message: "a failed command needs an error" });
    }
    if (response.success && response.error !== undefined) {
      ctx.addIssue({ code: "custom", path: ["error"], message: "a successful command carries no error" });
    }
  });
export type CommandResponsePayload = z.infer<typeof commandResponsePayload>;

/** Where a deployment is, from the agent's point of view. */
export const deploymentStatus = z.enum([
  "pending",
  "pulling",
  "creating",
  "starting",
  "health_checking",
  "running",
  "failed",
  "rolled_back",
]);
export type DeploymentStatus = z.infer<typeof deploymentStatus>;

/** The step of the deploy procedure the agent is in. */
export const deploymentPhase = z.enum([
  "pull_image",
  "stop_old",
  "create_container",
  "start_container",
  "configure_network",
  "health_check",
  "cleanup",
]);
export type DeploymentPhase = z.infer<typeof deploymentPhase>;

/** `deploy_status` payload: real-time progress of a deployment the agent is carrying out. */
export const deployStatusPayload = z.object({
  deployment_id: uuid,
  service_id: uuid,
  status: deploymentStatus,
  phase: deploymentPhase,
  progress_percent: z.number().min(0).max(100),
  message: z.string(),
  started_at: isoTimestamp,
  finished_at: isoTimestamp.optional(),
  // Recent log lines.
  logs: z.array(z.string()).optional(),
  // Set once the container exists.
  container_id: z.string().min(1).optional(),
  error: z
    .object({
      code: wireErrorCode,
      message: z.string(),
      stack: z.string().optional(),
    })
    .optional(),
});
export type DeployStatusPayload = z.infer<typeof deployStatusPayload>;

/** Largest JSON text of an alert's metadata. */
export const MAX_ALERT_METADATA_CHARS = 16 * 1024;

/** `alert` payload: a critical condition the agent detected on its host; its text and metadata are bounded. */
export const alertPayload = z.object({
  alert_id: z.string().min(1).max(128),
  service_id: uuid.optional(),
  server_id: serverId,
  type: z.enum(["health_check_failed", "resource_critical", "container_crash", "deployment_failed"]),
  severity: z.enum(["warning", "critical"]),
  title: z.string().min(1).max(500),
  message: z.string().max(10_000),
  timestamp: isoTimestamp,
  // Kept in memory and shown to people: a few small facts (the disk's free bytes, the container's exit code).
  metadata: z
    .record(z.string().max(100), z.unknown())
    .refine((m) => Object.keys(m).length <= 50, "at most 50 metadata fields")
    .refine((m) => JSON.stringify(m).length <= MAX_ALERT_METADATA_CHARS, "metadata is limited to 16 KiB of JSON"),
});
export type AlertPayload = z.infer<typeof alertPayload>;

/** One line of container output in a `log_stream`. */
export const logStreamLine = z.object({
  timestamp: isoTimestamp,
  stream: z.enum(["stdout", "stderr"]),
  message: z.string(),
});
export type LogStreamLine = z.infer<typeof logStreamLine>;

/**
 * `log_stream` payload (the spec names the type but gives no payload; Syntra's design): lines
 * for a `logs_subscribe`, whose id is `request_id`. `done: true` marks the last message of a
 * subscription, when a non-following tail is complete or the container is gone.
 */
export const logStreamPayload = z.object({
  request_id: requestId,
  service_id: uuid,
  container_id: z.string().min(1),
  lines: z.array(logStreamLine),
  done: z.boolean().optional(),
});
export type LogStreamPayload = z.infer<typeof logStreamPayload>;
