import { normalize, normalizeRecord, truncate } from "./normalize";
import type { Scope } from "./scope";
import type { CaptureHint, Level, RequestData, StackFrame, SyntraEvent } from "./types";

/** The exception's type, message and stack, whatever the app threw. */
export interface ExceptionDetails {
  type: string;
  message: string;
  stack?: string;
  /** `cause` chain (ES2022), outermost first, as type and message. */
  causes: { type: string; message: string }[];
}

function errorType(err: Error): string {
  // `class PaymentError extends Error {}` keeps the name "Error"; its constructor knows better.
  const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
  if (err.name === "Error" && typeof ctor === "string" && ctor !== "" && ctor !== "Error") return ctor;
  return err.name || "Error";
}

function isErrorLike(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === "object" &&
      value !== null &&
      typeof (value as Error).message === "string" &&
      typeof (value as Error).stack === "string")
  );
}

/** Reads anything thrown or rejected: Errors, strings, plain objects, undefined. */
export function exceptionDetails(value: unknown): ExceptionDetails {
  if (isErrorLike(value)) {
    const causes: ExceptionDetails["causes"] = [];
    let cause: unknown = (value as { cause?: unknown }).cause;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      causes.push(
        isErrorLike(cause)
          ? { type: errorType(cause), message: truncate(cause.message) }
          : { type: "Error", message: truncate(String(cause)) },
      );
      cause = isErrorLike(cause) ? (cause as { cause?: unknown }).cause : undefined;
    }
    return { type: errorType(value), message: truncate(value.message), stack: value.stack, causes };
  }
  if (typeof value === "string") return { type: "Error", message: truncate(value), causes: [] };
  if (typeof value === "object" && value !== null) {
    const text = JSON.stringify(normalize(value, 2));
    return { type: "Error", message: truncate(`Non-Error value thrown: ${text}`), causes: [] };
  }
  return { type: "Error", message: `Non-Error value thrown: ${String(value)}`, causes: [] };
}

/** What the runtime adds to every event: its name and version and where it runs. */
export interface RuntimeInfo {
  /** Tags such as `runtime: node 20.20.2`, `os: linux`, `browser: Chrome 141`. */
  tags: Record<string, string>;
  /** Context objects kept in `extra.contexts`. */
  contexts: Record<string, Record<string, unknown>>;
}

/** Everything buildEvent needs besides the scope. */
export interface EventInput {
  id: string;
  type: string;
  message: string;
  frames: StackFrame[];
  level: Level;
  handled: boolean;
  hint: CaptureHint;
  environment: string;
  release: string;
  deploymentId: string | undefined;
  trace: { trace_id: string; span_id: string } | undefined;
  runtime: RuntimeInfo;
  sdk: { name: string; version: string };
  causes?: ExceptionDetails["causes"];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requestExtra(request: RequestData): Record<string, unknown> {
  const { route: _route, ...rest } = request;
  return rest;
}

/**
 * An event made from the scope at the moment of capture and what the app said about this one exception
 * (hint values win over the scope's). Tags follow what Sentry shows, so issues look alike whichever SDK sent them.
 */
export function buildEvent(input: EventInput, scope: Scope): SyntraEvent {
  const { hint } = input;
  const request = hint.request ?? scope.request;
  const tags: Record<string, string> = {
    ...input.runtime.tags,
    level: input.level,
    handled: input.handled ? "yes" : "no",
    ...(hint.mechanism && { mechanism: hint.mechanism }),
    ...(request?.url && { url: truncate(request.url, 200) }),
    ...(request?.route && { transaction: `${request.method ?? "GET"} ${request.route}` }),
    ...scope.tags,
    ...hint.tags,
  };
  const extra = normalizeRecord({
    ...scope.extra,
    ...hint.extra,
    ...(request && { request: requestExtra(request) }),
    ...(input.causes && input.causes.length > 0 && { cause: input.causes }),
    ...(Object.keys(input.runtime.contexts).length > 0 && { contexts: input.runtime.contexts }),
    sdk: input.sdk,
  });
  const event: SyntraEvent = {
    id: input.id,
    timestamp: new Date().toISOString(),
    type: truncate(input.type || "Error", 200),
    message: input.message,
    stack_trace: input.frames,
    breadcrumbs: scope.breadcrumbs.slice(),
    context: {
      environment: input.environment,
      release: input.release,
      ...(scope.user && { user: { ...scope.user } }),
      tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [truncate(k, 200), truncate(String(v), 200)])),
      extra,
    },
    fingerprint: (hint.fingerprint ?? scope.fingerprint ?? []).filter((f) => f !== ""),
    level: input.level,
    handled: input.handled,
  };
  // The contract wants a UUID; anything else would make the control plane refuse the whole batch.
  if (input.deploymentId && UUID.test(input.deploymentId)) event.deployment_id = input.deploymentId;
  if (input.trace) {
    event.trace_id = input.trace.trace_id;
    event.span_id = input.trace.span_id;
  }
  return event;
}
