import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { spanId, traceId } from "./traces";

/** Log severity, lowest first. */
export const logLevel = z.enum(["trace", "debug", "info", "warn", "error", "fatal"]);
export type LogLevel = z.infer<typeof logLevel>;

/**
 * One log line: from a container's stdout/stderr, or structured from an SDK. `trace_id` and
 * `span_id` link it to the span that was active when it was written.
 */
export const logEntry = z.object({
  timestamp: isoTimestamp,
  service_id: uuid,
  deployment_id: uuid,
  level: logLevel,
  message: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  trace_id: traceId.optional(),
  span_id: spanId.optional(),
  source: z.enum(["stdout", "stderr", "sdk"]),
});
export type LogEntry = z.infer<typeof logEntry>;
