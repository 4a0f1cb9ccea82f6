import { createHash } from "node:crypto";
import type { Breadcrumb, ErrorEvent, IssueSeverity, StackFrame } from "@syntra/contracts";
import { MESSAGE_EVENT_TYPE } from "@syntra/contracts";
import { type Grouping, groupEvent } from "./fingerprint";

// What one stored event may hold at most. Larger parts are cut (as Sentry trims), never rejected: the error
// is still worth keeping, and a row stays small enough for the issue pages to read quickly.
export const EVENT_LIMITS = {
  messageChars: 8192,
  typeChars: 255,
  frames: 250,
  frameStringChars: 1024,
  contextLines: 5,
  breadcrumbs: 100,
  breadcrumbMessageChars: 1024,
  tags: 100,
  tagChars: 200,
  extraJsonChars: 64 * 1024,
  environmentChars: 64,
  releaseChars: 200,
} as const;

/** An event trimmed to the limits, with what grouping and the issue row need computed once. */
export interface PreparedEvent {
  event: ErrorEvent;
  grouping: Grouping;
  title: string;
  culprit: string | null;
  severity: IssueSeverity;
  /** SHA-256 of the service and the user's id (or email), so users are counted without being stored. */
  userHash: string | null;
  timestamp: Date;
}

/** Trims an event to the limits and computes its grouping, title, culprit, severity and user hash. */
export function prepareEvent(raw: ErrorEvent): PreparedEvent {
  const event = trimEvent(raw);
  const user = event.context.user;
  return {
    event,
    grouping: groupEvent(event),
    title: titleOf(event),
    culprit: culpritOf(event),
    severity: severityOf(event),
    userHash: user ? createHash("sha256").update(`${event.service_id}\u0000${user.id}`).digest("hex") : null,
    timestamp: new Date(event.timestamp),
  };
}

/** "TypeError: Cannot read properties of undefined", or the first line of a message event. */
export function titleOf(event: Pick<ErrorEvent, "type" | "message">): string {
  const line = event.message.split("\n", 1)[0]?.trim() ?? "";
  const title =
    event.type === MESSAGE_EVENT_TYPE ? line || "(no message)" : line ? `${event.type}: ${line}` : event.type;
  return title.slice(0, 255);
}

/** The innermost in-app frame (else the innermost frame) as "function (module or file)". */
export function culpritOf(event: Pick<ErrorEvent, "stack_trace" | "context">): string | null {
  const frames = event.stack_trace;
  const frame = frames.findLast((f) => f.in_app) ?? frames.at(-1);
  if (!frame) return event.context.tags.transaction?.slice(0, 255) ?? null;
  const where = frame.module || frame.filename;
  return (frame.function ? `${frame.function} (${where})` : where).slice(0, 255);
}

/** fatal -> critical, an unhandled error -> high, a handled error -> medium, warnings and below -> low. */
export function severityOf(event: Pick<ErrorEvent, "level" | "handled">): IssueSeverity {
  switch (event.level) {
    case "fatal":
      return "critical";
    case "warning":
    case "info":
    case "debug":
      return "low";
    case "error":
    case undefined:
      return event.handled === false ? "high" : "medium";
    default: {
      const never: never = event.level;
      throw new Error(`unknown level ${String(never)}`);
    }
  }
}

/** Text PostgreSQL can store: no NUL characters (text and jsonb refuse them), no lone surrogates. */
export function storable(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  // Almost every string is clean: one scan finds that, and only the others are rewritten.
  if (!cut.includes("\u0000") && !SURROGATE.test(cut)) return cut;
  return cut.replaceAll("\u0000", "").replace(LONE_SURROGATE, "\uFFFD");
}

const SURROGATE = /[\uD800-\uDFFF]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function trimEvent(e: ErrorEvent): ErrorEvent {
  const frames = e.stack_trace.length > EVENT_LIMITS.frames ? keepEnds(e.stack_trace) : e.stack_trace;
  const tags = Object.entries(e.context.tags).slice(0, EVENT_LIMITS.tags);
  return {
    ...e,
    type: storable(e.type, EVENT_LIMITS.typeChars) || "Error",
    message: storable(e.message, EVENT_LIMITS.messageChars),
    stack_trace: frames.map(trimFrame),
    breadcrumbs: e.breadcrumbs.slice(-EVENT_LIMITS.breadcrumbs).map(trimBreadcrumb),
    fingerprint: e.fingerprint.slice(0, 20).map((part) => storable(part, 256)),
    context: {
      environment: storable(e.context.environment, EVENT_LIMITS.environmentChars),
      release: storable(e.context.release, EVENT_LIMITS.releaseChars),
      ...(e.context.user && {
        user: {
          id: storable(e.context.user.id, 256),
          ...(e.context.user.email !== undefined && { email: storable(e.context.user.email, 256) }),
        },
      }),
      tags: Object.fromEntries(
        tags.map(([k, v]) => [storable(k, EVENT_LIMITS.tagChars), storable(v, EVENT_LIMITS.tagChars)]),
      ),
      extra: trimJson(e.context.extra, EVENT_LIMITS.extraJsonChars),
    },
  };
}

// A deep recursion keeps its outermost and innermost frames: where it started and where it blew up.
function keepEnds(frames: StackFrame[]): StackFrame[] {
  const half = EVENT_LIMITS.frames / 2;
  return [...frames.slice(0, half), ...frames.slice(-half)];
}

function trimFrame(f: StackFrame): StackFrame {
  const s = (text: string) => storable(text, EVENT_LIMITS.frameStringChars);
  const lines = (list: string[] | undefined, end: "start" | "end") =>
    list &&
    (end === "start" ? list.slice(-EVENT_LIMITS.contextLines) : list.slice(0, EVENT_LIMITS.contextLines)).map(s);
  return {
    filename: s(f.filename) || "?",
    function: s(f.function),
    lineno: f.lineno,
    in_app: f.in_app,
    ...(f.module !== undefined && { module: s(f.module) }),
    ...(f.colno !== undefined && { colno: f.colno }),
    ...(f.context_line !== undefined && { context_line: s(f.context_line) }),
    ...(f.pre_context !== undefined && { pre_context: lines(f.pre_context, "start") }),
    ...(f.post_context !== undefined && { post_context: lines(f.post_context, "end") }),
  };
}

function trimBreadcrumb(b: Breadcrumb): Breadcrumb {
  return {
    timestamp: b.timestamp,
    type: b.type,
    level: b.level,
    category: storable(b.category, 128),
    ...(b.message !== undefined && { message: storable(b.message, EVENT_LIMITS.breadcrumbMessageChars) }),
    ...(b.data !== undefined && { data: trimJson(b.data, 4096) }),
  };
}

/** A JSON object as stored: strings made storable, replaced by a marker when its text is over `max`. */
function trimJson(value: Record<string, unknown>, max: number): Record<string, unknown> {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? storable(v, 4096) : v));
  if (text.length <= max) return JSON.parse(text) as Record<string, unknown>;
  return { _syntra_truncated: `${text.length} characters of JSON, over the limit of ${max}` };
}
