import { z } from "zod";
import { isoTimestamp, stringRecord, uuid } from "../common";

/** One frame of an exception's stack trace, innermost frame last (Sentry's order). */
export const stackFrame = z.object({
  filename: z.string().min(1),
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
});
export type ErrorEvent = z.infer<typeof errorEvent>;
