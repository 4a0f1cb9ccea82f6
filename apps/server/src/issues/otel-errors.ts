import { createHash } from "node:crypto";
import { type ErrorEvent, type LogEntry, MESSAGE_EVENT_TYPE, type TraceSpan } from "@syntra/contracts";
import { parseStackTrace, typeFromStackTrace } from "./stack-parse";

// OpenTelemetry has no error signal: an exception is a span event named `exception` (semantic conventions
// `exception.type`, `exception.message`, `exception.stacktrace`, `exception.escaped`), or a log record with those
// attributes. These turn both into ErrorEvents, so apps instrumented with OTel alone get issues too.

/** A UUID derived from the parts that identify an occurrence, so the same span or record sent twice is one event. */
export function derivedEventId(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  // Version 5-style layout (name-based, SHA hash), so it is a valid RFC 9562 UUID.
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Attributes = Record<string, unknown>;

/** The attribute Syntra's SDKs put on an exception span event whose exception they sent as an error event. */
export const SDK_EVENT_ID_ATTRIBUTE = "syntra.event_id";

const text = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : undefined;

/** Environment, release, user and tags from the semantic-convention attributes present. */
function contextOf(attrs: Attributes): ErrorEvent["context"] {
  const tags: Record<string, string> = {};
  for (const key of [
    "http.route",
    "http.method",
    "http.request.method",
    "url.path",
    "http.status_code",
    "rpc.method",
  ]) {
    const value = text(attrs[key]);
    if (value !== undefined) tags[key] = value;
  }
  const userId = text(attrs["enduser.id"]) ?? text(attrs["user.id"]);
  return {
    environment: text(attrs["deployment.environment.name"]) ?? text(attrs["deployment.environment"]) ?? "",
    release: text(attrs["service.version"]) ?? "",
    ...(userId && { user: { id: userId } }),
    tags,
    extra: {},
  };
}

function exceptionParts(
  attrs: Attributes,
  fallbackMessage: string,
): Pick<ErrorEvent, "type" | "message" | "stack_trace"> {
  const stack = text(attrs["exception.stacktrace"]) ?? "";
  const type = text(attrs["exception.type"]) || typeFromStackTrace(stack) || "Error";
  const message = text(attrs["exception.message"]) ?? fallbackMessage;
  return { type, message, stack_trace: stack ? parseStackTrace(stack) : [] };
}

/** The error events of a span: one per `exception` event it recorded. */
export function errorsFromSpan(span: TraceSpan): ErrorEvent[] {
  return span.events.flatMap((event, index) => {
    if (event.name !== "exception") return [];
    // Syntra's SDKs send the exceptions they capture as error events of their own (with breadcrumbs and context) and
    // mark the span's record of it with that event's id: it is not a second occurrence.
    if (event.attributes[SDK_EVENT_ID_ATTRIBUTE] !== undefined) return [];
    const attrs: Attributes = { ...span.attributes, ...event.attributes };
    const escaped = attrs["exception.escaped"];
    return [
      {
        id: derivedEventId("span", span.trace_id, span.span_id, String(index)),
        service_id: span.service_id,
        deployment_id: span.deployment_id,
        timestamp: new Date(Math.round(event.timestamp_ns / 1e6)).toISOString(),
        ...exceptionParts(attrs, span.status.message ?? ""),
        breadcrumbs: [],
        context: { ...contextOf(attrs), tags: { ...contextOf(attrs).tags, "span.operation": span.operation_name } },
        fingerprint: [],
        level: "error",
        // `exception.escaped` says the exception left the span unhandled.
        ...((escaped === true || escaped === "true") && { handled: false }),
        trace_id: span.trace_id,
        span_id: span.span_id,
      },
    ];
  });
}

/**
 * The error event of a log record at level error or fatal that describes an exception (any `exception.*`
 * attribute); null for other records. An error log without exception attributes stays a log line.
 */
export function errorFromLog(log: LogEntry): ErrorEvent | null {
  if (log.level !== "error" && log.level !== "fatal") return null;
  const attrs = log.attributes;
  const isException = ["exception.type", "exception.message", "exception.stacktrace"].some(
    (k) => attrs[k] !== undefined,
  );
  if (!isException) return null;
  const parts = exceptionParts(attrs, log.message);
  return {
    id: derivedEventId("log", log.service_id, log.timestamp, log.trace_id ?? "", log.span_id ?? "", log.message),
    service_id: log.service_id,
    deployment_id: log.deployment_id,
    timestamp: new Date(log.timestamp).toISOString(),
    ...parts,
    // A record that names no type is a message with a stack, not an exception of type "Error".
    type:
      attrs["exception.type"] === undefined && !typeFromStackTrace(text(attrs["exception.stacktrace"]) ?? "")
        ? MESSAGE_EVENT_TYPE
        : parts.type,
    breadcrumbs: [],
    context: contextOf(attrs),
    fingerprint: [],
    level: log.level === "fatal" ? "fatal" : "error",
    ...(log.trace_id && { trace_id: log.trace_id }),
    ...(log.span_id && { span_id: log.span_id }),
  };
}

/** Every error event in a batch's spans and logs. */
export function errorsFromTelemetry(spans: readonly TraceSpan[], logs: readonly LogEntry[]): ErrorEvent[] {
  const fromLogs = logs.map(errorFromLog).filter((e): e is ErrorEvent => e !== null);
  return [...spans.flatMap(errorsFromSpan), ...fromLogs];
}
