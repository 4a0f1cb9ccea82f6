import { z } from "zod";
import { isoTimestamp, stringRecord, uuid } from "../common";
import { spanId, traceId } from "./traces";

/** One frame of an exception's stack trace, innermost frame last (Sentry's order). */
export const stackFrame = z.object({
  filename: z.string().min(1),
  // The module or package path where the language has one (Python `app.views`, Java `com.acme.Shop`); grouping
  // prefers it to the filename, which differs between machines and builds.
  module: z.string().optional(),
  function: z.string(),
  // 0 means "line unknown": minified or native frames often carry no position.
  lineno: z.number().int().nonnegative(),
  colno: z.number().int().nonnegative().optional(),
  context_line: z.string().optional(),
  pre_context: z.array(z.string()).optional(),
  post_context: z.array(z.string()).optional(),
  in_app: z.boolean(),
});
export type StackFrame = z.infer<typeof stackFrame>;

/** An event the SDK recorded before the error, to show what led up to it. */
export const breadcrumb = z.object({
  timestamp: isoTimestamp,
  type: z.enum(["http", "navigation", "ui", "console", "error", "query"]),
  category: z.string(),
  message: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  level: z.enum(["debug", "info", "warning", "error"]),
});
export type Breadcrumb = z.infer<typeof breadcrumb>;

/** Where the error happened: environment, release, the affected user and free-form tags. */
export const errorContext = z.object({
  environment: z.string(),
  release: z.string(),
  user: z.object({ id: z.string().min(1), email: z.email().optional() }).optional(),
  tags: stringRecord,
  extra: z.record(z.string(), z.unknown()),
});
export type ErrorContext = z.infer<typeof errorContext>;

/** How bad an event is, as the SDKs report it (Sentry's levels). */
export const errorLevel = z.enum(["fatal", "error", "warning", "info", "debug"]);
export type ErrorLevel = z.infer<typeof errorLevel>;

/** The `type` of an event that carries no exception, only a message (`captureMessage`, an error log line). */
export const MESSAGE_EVENT_TYPE = "message";

/**
 * One captured exception. The control plane groups events into issues by `fingerprint`;
 * an empty fingerprint asks it to derive one from the type and the in-app frames.
 */
export const errorEvent = z.object({
  // The SDK generates the id so that a batch re-sent after a reconnect is stored once.
  id: uuid,
  service_id: uuid,
  deployment_id: uuid,
  timestamp: isoTimestamp,
  type: z.string().min(1),
  message: z.string(),
  stack_trace: z.array(stackFrame),
  breadcrumbs: z.array(breadcrumb),
  context: errorContext,
  fingerprint: z.array(z.string().min(1)),
  // Syntra additions, optional so that earlier senders stay valid: the severity the SDK gave, whether the app
  // handled the error, and the span that was active, which links the error to its trace.
  level: errorLevel.optional(),
  handled: z.boolean().optional(),
  trace_id: traceId.optional(),
  span_id: spanId.optional(),
});
export type ErrorEvent = z.infer<typeof errorEvent>;
