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

/**
 * An ErrorEvent as an SDK posts it to the control plane's `POST /v1/errors` (or an agent): the ingest key decides
 * the service, so `service_id` may be left out, and so may `deployment_id` (the control plane then attributes the
 * event by its release and time) and the parts that have an empty value.
 */
export const sdkErrorEvent = errorEvent.extend({
  service_id: uuid.optional(),
  deployment_id: uuid.optional(),
  stack_trace: z.array(stackFrame).default([]),
  breadcrumbs: z.array(breadcrumb).default([]),
  context: errorContext
    .extend({
      environment: z.string().default(""),
      release: z.string().default(""),
      tags: stringRecord.default({}),
      extra: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ environment: "", release: "", tags: {}, extra: {} }),
  fingerprint: z.array(z.string().min(1)).default([]),
});
export type SdkErrorEvent = z.infer<typeof sdkErrorEvent>;

/** The body of `POST /v1/errors`: up to 1000 events, stored all or none. */
export const sdkErrorsBody = z.strictObject({ errors: z.array(sdkErrorEvent).min(1).max(1000) });
export type SdkErrorsBody = z.infer<typeof sdkErrorsBody>;
