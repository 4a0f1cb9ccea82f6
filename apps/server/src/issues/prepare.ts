import { hash } from "node:crypto";
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
    userHash: user ? hash("sha256", `${event.service_id}\u0000${user.id}`) : null,
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
  if (!UNSTORABLE.test(cut)) return cut;
  return cut.replaceAll("\u0000", "").replace(LONE_SURROGATE, "\uFFFD");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters PostgreSQL refuses.
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// The trimming below runs for every frame, breadcrumb and tag of every event: it builds each object once, in a
// fixed key order (the stack's JSON names it in error_stacks), without spreads or closures made per call.
function trimEvent(e: ErrorEvent): ErrorEvent {
  const frames = e.stack_trace.length > EVENT_LIMITS.frames ? keepEnds(e.stack_trace) : e.stack_trace;
  const crumbs =
    e.breadcrumbs.length > EVENT_LIMITS.breadcrumbs ? e.breadcrumbs.slice(-EVENT_LIMITS.breadcrumbs) : e.breadcrumbs;
  const user = e.context.user;
  // Stored as JSONB, which orders keys itself.
  const context: ErrorEvent["context"] = {
    environment: storable(e.context.environment, EVENT_LIMITS.environmentChars),
    release: storable(e.context.release, EVENT_LIMITS.releaseChars),
    tags: trimTags(e.context.tags),
    extra: trimJson(e.context.extra, EVENT_LIMITS.extraJsonChars),
  };
  if (user) {
    const id = storable(user.id, 256);
    context.user = user.email === undefined ? { id } : { id, email: storable(user.email, 256) };
  }
  return {
    ...e,
    type: storable(e.type, EVENT_LIMITS.typeChars) || "Error",
    message: storable(e.message, EVENT_LIMITS.messageChars),
    stack_trace: frames.map(trimFrame),
    breadcrumbs: crumbs.map(trimBreadcrumb),
    fingerprint: e.fingerprint.length === 0 ? e.fingerprint : e.fingerprint.slice(0, 20).map(trimFingerprintPart),
    context,
  };
}

const trimFingerprintPart = (part: string) => storable(part, 256);

// A deep recursion keeps its outermost and innermost frames: where it started and where it blew up.
function keepEnds(frames: StackFrame[]): StackFrame[] {
  const half = EVENT_LIMITS.frames / 2;
  return [...frames.slice(0, half), ...frames.slice(-half)];
}

function trimFrame(f: StackFrame): StackFrame {
  const max = EVENT_LIMITS.frameStringChars;
  const frame: StackFrame = {
    filename: storable(f.filename, max) || "?",
    function: storable(f.function, max),
    lineno: f.lineno,
    in_app: f.in_app,
  };
  if (f.module !== undefined) frame.module = storable(f.module, max);
  if (f.colno !== undefined) frame.colno = f.colno;
  if (f.context_line !== undefined) frame.context_line = storable(f.context_line, max);
  if (f.pre_context !== undefined) frame.pre_context = trimLines(f.pre_context.slice(-EVENT_LIMITS.contextLines));
  if (f.post_context !== undefined) frame.post_context = trimLines(f.post_context.slice(0, EVENT_LIMITS.contextLines));
  return frame;
}

function trimLines(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) lines[i] = storable(lines[i] ?? "", EVENT_LIMITS.frameStringChars);
  return lines;
}

function trimBreadcrumb(b: Breadcrumb): Breadcrumb {
  const crumb: Breadcrumb = {
    timestamp: b.timestamp,
    type: b.type,
    level: b.level,
    category: storable(b.category, 128),
  };
  if (b.message !== undefined) crumb.message = storable(b.message, EVENT_LIMITS.breadcrumbMessageChars);
  if (b.data !== undefined) crumb.data = trimJson(b.data, 4096);
  return crumb;
}

/** At most `tags` tags, names and values cut to `tagChars`; the same object when it is within the limits. */
function trimTags(tags: Record<string, string>): Record<string, string> {
  let count = 0;
  let clean = true;
  for (const key in tags) {
    const value = tags[key] ?? "";
    if (++count > EVENT_LIMITS.tags || storable(key, EVENT_LIMITS.tagChars) !== key) clean = false;
    else if (storable(value, EVENT_LIMITS.tagChars) !== value) clean = false;
    if (!clean) break;
  }
  if (clean) return tags;
  const kept = Object.entries(tags).slice(0, EVENT_LIMITS.tags);
  return Object.fromEntries(
    kept.map(([k, v]) => [storable(k, EVENT_LIMITS.tagChars), storable(v, EVENT_LIMITS.tagChars)]),
  );
}

/** A JSON object as stored: strings made storable, replaced by a marker when its text is over `max`. */
function trimJson(value: Record<string, unknown>, max: number): Record<string, unknown> {
  const plain = JSON.stringify(value);
  // No string inside can be longer than the whole text, and JSON.stringify escapes NUL and lone surrogates (as
  // \u0000 and \udxxx): short text without those escapes is stored as it is.
  if (plain.length <= Math.min(max, 4096) && !plain.includes("\\u0000") && !/\\ud[89a-f]/i.test(plain)) {
    return value;
  }
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? storable(v, 4096) : v));
  if (text.length <= max) return JSON.parse(text) as Record<string, unknown>;
  return { _syntra_truncated: `${text.length} characters of JSON, over the limit of ${max}` };
}
