import { z } from "zod";
import { isoTimestamp, stringRecord, text, uuid } from "../common";
import { errorCode } from "../errors";
import { healthCheckConfig } from "../health-check";
import { logLevel } from "../telemetry/logs";
import { spanId, traceId } from "../telemetry/traces";
import { deploymentPhase, deploymentStatus } from "../ws/agent-messages";
import { execResponseData } from "../ws/commands";
import { deployStrategy } from "../ws/deploy";
import { execSessionCommand } from "../ws/exec-session";
import { absolutePath, envVars, wireErrorCode } from "../ws/primitives";
import { attributeFilters } from "./attribute-filters";
import { MAX_ENV_VARS } from "./env";
import { gitBranch } from "./projects";
import { imageTag } from "./services";
import { fromNotAfterTo, timeRangeFields, timeRangeIssue } from "./time-range";

/**
 * The control plane's status of a deployment (the `deployment_status` column). Not the agent's
 * `deploymentStatus` of `deploy_status` messages, which tracks the steps inside `deploying`.
 */
export const deploymentRecordStatuses = [
  "queued",
  "building",
  "pushing",
  "deploying",
  "running",
  "failed",
  "rolled_back",
  "cancelled",
] as const;
export const deploymentRecordStatus = z.enum(deploymentRecordStatuses);
export type DeploymentRecordStatus = z.infer<typeof deploymentRecordStatus>;

/** What started a deployment (the `trigger_type` column). */
export const triggerTypes = ["manual", "git_push", "workflow", "rollback", "api", "schedule"] as const;
export const triggerType = z.enum(triggerTypes);
export type TriggerType = z.infer<typeof triggerType>;

const durationMs = z.number().int().nonnegative();

/**
 * A deployment as the API shows it. `status`, `trigger_type` and `created_at` have column
 * defaults, so the API always reports them; the other columns are null until known.
 */
export const deployment = z.object({
  id: uuid,
  service_id: uuid,
  status: deploymentRecordStatus,
  git_commit_sha: z.string().max(40).nullable(),
  git_commit_message: z.string().nullable(),
  git_branch: z.string().max(255).nullable(),
  image_digest: z.string().max(100).nullable(),
  build_duration_ms: durationMs.nullable(),
  deploy_duration_ms: durationMs.nullable(),
  // Null for deployments no user started (git pushes, schedules) or whose user was deleted.
  triggered_by: uuid.nullable(),
  trigger_type: triggerType,
  error_message: z.string().nullable(),
  /**
   * Why it failed (or was rolled back or cancelled), as a code of the error table: the builder's (CLONE_FAILED,
   * BUILD_FAILED, PUSH_FAILED ...), the agent's (PULL_FAILED, HEALTH_CHECK_FAILED ...) or the control plane's
   * (TIMEOUT, CANCELLED ...). Null while nothing went wrong. A Syntra addition to the contracts.
   */
  error_code: errorCode.nullable(),
  rollback_from_id: uuid.nullable(),
  /** The full image reference deployed (`docker.io/library/nginx:1.27`); null until known (builds). */
  image: z.string().nullable(),
  /** For `queued` deployments in lists: 1 for the next one to go out, after any deployment in flight. */
  queue_position: z.number().int().positive().optional(),
  created_at: isoTimestamp,
  started_at: isoTimestamp.nullable(),
  finished_at: isoTimestamp.nullable(),
});
export type Deployment = z.infer<typeof deployment>;

/**
 * The non-secret service settings a deployment ran with (the `spec_snapshot` column). A rollback
 * redeploys them with the target's image; env values are never part of it.
 */
export const deploymentSpec = z.object({
  port: z.number().int().min(1).max(65535),
  replicas: z.number().int().positive(),
  cpu_limit: z.string().nullable(),
  memory_limit: z.string().nullable(),
  domains: z.array(z.string()),
  health_check: healthCheckConfig.nullable(),
  strategy: deployStrategy,
  rollback_on_failure: z.boolean(),
  timeout_seconds: z.number().int().positive(),
});
export type DeploymentSpec = z.infer<typeof deploymentSpec>;

/** One progress step the agent reported for a deployment, from its `deploy_status` messages. */
export const deployLogEntry = z.object({
  timestamp: isoTimestamp,
  status: deploymentStatus,
  phase: deploymentPhase,
  progress_percent: z.number().min(0).max(100),
  message: z.string(),
  error: z.object({ code: wireErrorCode, message: z.string() }).optional(),
});
export type DeployLogEntry = z.infer<typeof deployLogEntry>;

/** What a deployment built from git builds (the `build_spec` column); null for deployments of a ready image. */
export const buildSpec = z.object({
  source_type: z.enum(["dockerfile", "nixpacks"]),
  repo_url: z.string(),
  /** The commit SHA or branch asked for; the resolved SHA is `git_commit_sha` once cloned. */
  ref: z.string(),
  branch: z.string().nullable(),
  dockerfile_path: z.string(),
  build_context: z.string(),
});
export type BuildSpec = z.infer<typeof buildSpec>;

/** GET /deployments/:deploymentId: the deployment with its build output and deploy progress, oldest first. */
export const deploymentDetail = deployment.extend({
  build_spec: buildSpec.nullable(),
  /** The Dockerfile Syntra wrote for a repository without one (stack detection); null otherwise. */
  generated_dockerfile: z.string().nullable(),
  build_logs: z.string().nullable(),
  deploy_log: z.array(deployLogEntry),
  spec_snapshot: deploymentSpec.nullable(),
});
export type DeploymentDetail = z.infer<typeof deploymentDetail>;

/**
 * POST /services/:serviceId/deploy. `git_ref` (a commit SHA or branch) is for services built from
 * git and `image_tag` for `image` services, so at most one is given; none deploys the configured one.
 * `strategy` is how the new containers replace the old ones (default `rolling`).
 */
export const triggerDeployBody = z
  .strictObject({
    // A commit SHA also matches the branch grammar, and the grammar keeps refs from being read as options.
    git_ref: gitBranch.optional(),
    image_tag: imageTag.optional(),
    strategy: deployStrategy.optional(),
  })
  .refine((body) => body.git_ref === undefined || body.image_tag === undefined, {
    message: "give git_ref or image_tag, not both",
    path: ["image_tag"],
  });
export type TriggerDeployBody = z.infer<typeof triggerDeployBody>;

/** POST /services/:serviceId/rollback: redeploy the image of an earlier deployment of the service. */
export const rollbackBody = z.strictObject({ deployment_id: uuid });
export type RollbackBody = z.infer<typeof rollbackBody>;

/** POST /services/:serviceId/scale. Zero replicas stops the service without deleting it. */
export const scaleBody = z.strictObject({ replicas: z.number().int().min(0).max(100) });
export type ScaleBody = z.infer<typeof scaleBody>;

// The agent hands argv to the runtime as C strings, where a NUL byte would cut an argument short.
const argument = z
  .string()
  .max(8192)
  .refine((value) => !value.includes("\0"), { message: "cannot contain a NUL byte" });

/** POST /services/:serviceId/exec: run one command in the service's container, as an argv array. */
export const execBody = z.strictObject({
  command: z
    .array(argument)
    .min(1)
    .max(256)
    .refine((argv) => argv[0] !== "", { message: "the program name cannot be empty", path: [0] }),
  working_dir: absolutePath.optional(),
  env: envVars
    .refine((vars) => Object.keys(vars).length <= MAX_ENV_VARS, `at most ${MAX_ENV_VARS} variables`)
    .optional(),
  timeout_seconds: z.number().int().min(1).max(3600).default(30),
});
export type ExecBody = z.infer<typeof execBody>;

/** Answer to POST /services/:serviceId/exec: the agent's `exec` result as it reported it. */
export const execResult = execResponseData;
export type ExecResult = z.infer<typeof execResult>;

const queryFlag = z
  .enum(["true", "false"])
  .transform((v) => v === "true")
  .default(false);

/**
 * GET /services/:serviceId/exec/session query (a WebSocket): the command as repeated `command` values, one per
 * argv item (as Kubernetes' exec does), whether to allocate a terminal and attach stdin, and the terminal's size.
 */
export const execSessionQuery = z.strictObject({
  // One value arrives as a string, several as an array.
  command: z.preprocess((v) => (typeof v === "string" ? [v] : v), execSessionCommand.shape.command),
  tty: queryFlag,
  stdin: queryFlag,
  cols: z.coerce.number().int().min(1).max(1000).optional(),
  rows: z.coerce.number().int().min(1).max(1000).optional(),
  working_dir: absolutePath.optional(),
});
export type ExecSessionQuery = z.infer<typeof execSessionQuery>;

/** GET /services/:serviceId/deployments query, newest first. Any deployment status can be filtered on. */
export const listDeploymentsQuery = z
  .strictObject({
    status: deploymentRecordStatus.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    /** Only deployments created in this range (a Syntra addition, for the deploy markers on charts). */
    ...timeRangeFields,
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type ListDeploymentsQuery = z.infer<typeof listDeploymentsQuery>;

/**
 * GET /services/:serviceId/logs query. `level` is the lowest level returned (`warn` also returns
 * `error` and `fatal`); `search` matches message text; `cursor` is the previous page's `meta.cursor`.
 */
export const serviceLogsQuery = z
  .strictObject({
    ...timeRangeFields,
    level: z.enum(["debug", "info", "warn", "error"]).optional(),
    search: text(500).min(1).optional(),
    /** `key:value` filters on attributes (and the trace_id, span_id, source, deployment_id columns); a Syntra addition. */
    attribute: attributeFilters.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: text(512).min(1).optional(),
  })
  .refine(fromNotAfterTo, timeRangeIssue);
export type ServiceLogsQuery = z.infer<typeof serviceLogsQuery>;

/**
 * One item of GET /services/:serviceId/logs, as stored in the `logs` table: attributes are
 * strings there, and `trace_id`/`span_id` are absent when no span was active.
 */
export const serviceLogEntry = z.object({
  timestamp: isoTimestamp,
  service_id: uuid,
  deployment_id: uuid,
  level: logLevel,
  message: z.string(),
  attributes: stringRecord,
  trace_id: traceId.optional(),
  span_id: spanId.optional(),
  source: z.enum(["stdout", "stderr", "sdk"]),
});
export type ServiceLogEntry = z.infer<typeof serviceLogEntry>;
