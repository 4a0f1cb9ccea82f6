import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { errorCode } from "../errors";
import { deployLogEntry, deploymentRecordStatus, serviceLogEntry } from "./deployments";

/**
 * The real-time channel of the dashboard and the CLI: GET /events is a Server-Sent Events stream of these,
 * each sent as `event: <type>` with the JSON object as `data`. Only the caller's organization's events.
 */
export const liveEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), at: isoTimestamp }),
  z.object({ type: z.literal("deployment"), service_id: uuid, deployment_id: uuid, status: deploymentRecordStatus }),
  z.object({
    type: z.literal("deployment_log"),
    service_id: uuid,
    deployment_id: uuid,
    /** "build" lines come from the builder (secrets already masked), "deploy" lines from the agent. */
    stream: z.enum(["build", "deploy"]),
    line: z.string(),
    timestamp: isoTimestamp,
  }),
  z.object({ type: z.literal("server"), server_id: uuid, status: z.string() }),
  z.object({ type: z.literal("domain"), service_id: uuid, domain: z.string(), status: z.string() }),
]);
export type LiveEvent = z.infer<typeof liveEvent>;
export type LiveEventType = LiveEvent["type"];

/** GET /events query. */
export const liveEventsQuery = z.strictObject({
  /** Closes the stream after this many seconds (a bounded wait, e.g. a CLI); 0 sends `ready` and closes. */
  timeout_seconds: z.coerce.number().int().min(0).max(86_400).optional(),
});
export type LiveEventsQuery = z.infer<typeof liveEventsQuery>;

/**
 * GET /services/:serviceId/logs/stream query: the last `tail` lines (of those since `since`), then (with follow)
 * new ones as they come. `level` is the lowest level sent (stdout lines are `info`, stderr lines `error`);
 * `search` keeps lines containing it, ignoring case.
 */
export const serviceLogStreamQuery = z.strictObject({
  tail: z.coerce.number().int().min(0).max(1000).default(100),
  follow: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .default(true),
  since: isoTimestamp.optional(),
  level: z.enum(["debug", "info", "warn", "error"]).optional(),
  search: z.string().min(1).max(500).optional(),
});
export type ServiceLogStreamQuery = z.infer<typeof serviceLogStreamQuery>;

/**
 * Events of a service log stream: `log` carries one line (a service log entry), `end` says the stream is
 * over (the agent finished, or its connection ended), `error` carries an API error code and message.
 */
export const logStreamEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("log"), entry: serviceLogEntry }),
  z.object({ type: z.literal("end"), reason: z.string() }),
  z.object({ type: z.literal("error"), code: errorCode, message: z.string() }),
]);
export type LogStreamEvent = z.infer<typeof logStreamEvent>;

/**
 * Events of GET /deployments/:deploymentId/logs/stream, by SSE event name (the data carries no `type`):
 * `build` new build output (whole lines), `deploy` one deploy progress step, `status` the deployment's new
 * status, `end` its final status, after which the stream closes. A new connection replays from the start.
 */
export const deploymentLogStreamEvents = {
  build: z.object({ text: z.string() }),
  deploy: z.object({ entry: deployLogEntry }),
  status: z.object({ status: deploymentRecordStatus }),
  end: z.object({ status: deploymentRecordStatus }),
} as const;
export type DeploymentLogStreamEventName = keyof typeof deploymentLogStreamEvents;

/** One event of a deployment log stream as a client reads it: its SSE event name as `type`, with its data. */
export const deploymentLogStreamEvent = z.discriminatedUnion("type", [
  deploymentLogStreamEvents.build.extend({ type: z.literal("build") }),
  deploymentLogStreamEvents.deploy.extend({ type: z.literal("deploy") }),
  deploymentLogStreamEvents.status.extend({ type: z.literal("status") }),
  deploymentLogStreamEvents.end.extend({ type: z.literal("end") }),
]);
export type DeploymentLogStreamEvent = z.infer<typeof deploymentLogStreamEvent>;
