import { hash } from "node:crypto";
import { type ErrorEvent, MESSAGE_EVENT_TYPE, type StackFrame } from "@syntra/contracts";
import { normalizeContextLine, normalizeFilename, normalizeFunction, normalizeMessage } from "./normalize";

/** Which rule grouped an event (docs/error-grouping.md describes each). */
export type GroupingRule = "fingerprint" | "stack" | "exception" | "message";

/** The grouping of one event: the hash stored as `error_groups.fingerprint` and what it was made of. */
export interface Grouping {
  /** SHA-256 of the components, 64 hex characters. */
  fingerprint: string;
  rule: GroupingRule;
  components: string[];
}

/** The parts of an event grouping reads. */
export type GroupingInput = Pick<ErrorEvent, "type" | "message" | "stack_trace" | "fingerprint">;

// `{{ default }}` in an explicit fingerprint stands for the grouping Syntra would have made (Sentry's syntax).
const VARIABLE = /^\{\{\s*(default|type|message)\s*\}\}$/i;

/**
 * Groups an event. An explicit fingerprint from the SDK wins (`{{ default }}`, `{{ type }}`, `{{ message }}`
 * expand); else the exception type with the in-app frames; else the exception type with the normalized
 * message; else, for events without an exception, the normalized message.
 */
export function groupEvent(event: GroupingInput): Grouping {
  const fallback = defaultGrouping(event);
  if (event.fingerprint.length === 0) return finish(fallback.rule, fallback.components);
  const components = event.fingerprint.flatMap((part) => {
    const variable = VARIABLE.exec(part.trim())?.[1]?.toLowerCase();
    if (variable === "default") return fallback.components;
    if (variable === "type") return [`type:${event.type}`];
    if (variable === "message") return [`message:${normalizeMessage(event.message)}`];
    return [`value:${part}`];
  });
  return finish("fingerprint", components);
}

function defaultGrouping(event: GroupingInput): { rule: GroupingRule; components: string[] } {
  const isMessage = event.type === MESSAGE_EVENT_TYPE;
  const frames = event.stack_trace.filter((f) => f.in_app).map(frameKey);
  if (frames.length > 0) {
    return { rule: "stack", components: [`type:${isMessage ? "" : event.type}`, ...collapseRecursion(frames)] };
  }
  if (!isMessage) return { rule: "exception", components: [`type:${event.type}`, normalizeMessage(event.message)] };
  return { rule: "message", components: [normalizeMessage(event.message)] };
}

/** One frame as grouping sees it: where (module or file), which function, and the line of code, never its number. */
function frameKey(frame: StackFrame): string {
  // An issue's events repeat the same frames: each distinct frame is normalized once (a dozen regular expressions).
  const raw = `${frame.module ?? ""}\u0000${frame.filename}\u0000${frame.function}\u0000${frame.context_line === undefined ? "" : `L${frame.context_line}`}`;
  // Long frames (minified code, generated names) are rare and normalized each time, which bounds the memory kept.
  if (raw.length > FRAME_KEY_MAX_CHARS) return normalizedFrameKey(frame);
  let key = frameKeys.get(raw);
  if (key === undefined) {
    key = normalizedFrameKey(frame);
    if (frameKeys.size >= FRAME_KEYS_KEPT) frameKeys.clear();
    frameKeys.set(raw, key);
  }
  return key;
}

/** The frames normalized last: at most 5,000 of at most 512 characters (and their keys, no longer), ~10 MB. */
const frameKeys = new Map<string, string>();
const FRAME_KEYS_KEPT = 5_000;
const FRAME_KEY_MAX_CHARS = 512;

function normalizedFrameKey(frame: StackFrame): string {
  const where = frame.module?.trim() || normalizeFilename(frame.filename);
  const context = normalizeContextLine(frame.context_line);
  return [where, normalizeFunction(frame.function), context ?? ""].join(" | ");
}

/** Consecutive repeats of a frame (recursion) count once, so a stack overflow at any depth is one issue. */
function collapseRecursion(frames: string[]): string[] {
  return frames.filter((frame, i) => i === 0 || frames[i - 1] !== frame);
}

function finish(rule: GroupingRule, components: string[]): Grouping {
  const fingerprint = hash("sha256", JSON.stringify(components));
  return { fingerprint, rule, components };
}
