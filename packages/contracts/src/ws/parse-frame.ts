// Parsing one frame of the agent protocol against one direction's schema. parse.ts does it for either direction
// (the control plane); parse-to-agent.ts for the control plane's messages only, so the agent's bundle holds no
// schema of the messages it sends.
import type { z } from "zod";
import { type ErrorCode, errorCodeList } from "../errors";
import { type MessageType, messageTypes } from "./envelope";

/** One problem with a message; `path` is dotted from the message root, e.g. "payload.resources.cpu_cores". */
export interface MessageIssue {
  path: string;
  message: string;
}

/** Why a message was rejected, in the shape of the API's error envelope. */
export interface InvalidMessageError {
  code: "INVALID_MESSAGE";
  message: string;
  issues: MessageIssue[];
}

/** An error code the table lacks, as a peer sent it, and where in the message. */
export interface UnrecognizedErrorCode {
  /** Dotted path of the code in the message, e.g. "payload.error.code". */
  path: string;
  code: string;
}

/** Options of `parseMessage`. */
export interface ParseMessageOptions {
  /**
   * Called with each error code the table lacks (a peer of another version) once the message is otherwise valid;
   * those codes are read as UNRECOGNIZED_ERROR. The caller logs them: the code is not lost without a trace.
   */
  onUnrecognizedErrorCodes?(codes: UnrecognizedErrorCode[]): void;
}

/** What an error code the table lacks is read as. */
const UNRECOGNIZED: ErrorCode = "UNRECOGNIZED_ERROR";
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** What a direction of the protocol carries: its message types, their schema, and who sends them. */
export interface MessageDirectionSpec<M> {
  types: readonly string[];
  schema: z.ZodType<M>;
  sender: string;
}

/** The result of parsing a frame of one direction: the typed message, or every issue found. */
export type ParseFrameResult<M> = { ok: true; message: M } | { ok: false; error: InvalidMessageError };

/**
 * Validates one WebSocket frame against a direction's schema: what `parseMessage` and `parseControlPlaneMessage`
 * share (see parseMessage for the rules).
 */
export function parseFrame<M>(
  spec: MessageDirectionSpec<M>,
  raw: unknown,
  options: ParseMessageOptions = {},
): ParseFrameResult<M> {
  const decoded = decodeFrame(raw);
  if (!decoded.ok) return invalid("message is not valid JSON", [{ path: "", message: decoded.reason }]);

  const { types, schema, sender } = spec;
  const type = readType(decoded.value);
  if (type !== undefined && !(types as readonly string[]).includes(type)) {
    const reason = isMessageType(type) ? `"${type}" is not sent by the ${sender}` : `unknown message type "${type}"`;
    return invalid(reason, [{ path: "type", message: reason }]);
  }

  let result = schema.safeParse(decoded.value);
  if (!result.success) {
    const unrecognized = unrecognizedErrorCodes(result.error.issues, decoded.value);
    if (unrecognized.length > 0) {
      const value = structuredClone(decoded.value);
      for (const { at } of unrecognized) setAt(value, at, UNRECOGNIZED);
      const retried = schema.safeParse(value);
      if (retried.success) options.onUnrecognizedErrorCodes?.(unrecognized.map(({ path, code }) => ({ path, code })));
      result = retried;
    }
  }
  if (result.success) return { ok: true, message: result.data as M };
  const issues = result.error.issues.map(toMessageIssue);
  const [first] = issues;
  const summary = first ? `${first.path || "message"}: ${first.message}` : "failed validation";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return invalid(`invalid ${type ?? "WebSocket"} message: ${summary}${more}`, issues);
}

/** The issues that are only an UPPER_SNAKE error code missing from the table, with the code and its place. */
function unrecognizedErrorCodes(
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
): (UnrecognizedErrorCode & { at: PropertyKey[] })[] {
  const found: (UnrecognizedErrorCode & { at: PropertyKey[] })[] = [];
  for (const issue of issues) {
    if (issue.code !== "invalid_value" || issue.values.length !== errorCodeList.length) continue;
    if (!errorCodeList.every((c) => issue.values.includes(c))) continue;
    const code = getAt(value, issue.path);
    if (typeof code !== "string" || !UPPER_SNAKE.test(code)) continue;
    found.push({ at: issue.path, path: issue.path.map(String).join("."), code });
  }
  return found;
}

function getAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

function setAt(value: unknown, path: readonly PropertyKey[], to: unknown): void {
  const parent = getAt(value, path.slice(0, -1));
  const key = path.at(-1);
  if (typeof parent === "object" && parent !== null && key !== undefined) {
    (parent as Record<PropertyKey, unknown>)[key] = to;
  }
}

function decodeFrame(raw: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text: string;
  if (typeof raw === "string") text = raw;
  else if (raw instanceof Uint8Array) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      return { ok: false, reason: "the frame is not valid UTF-8" };
    }
  } else return { ok: true, value: raw };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function readType(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("type" in value)) return undefined;
  return typeof value.type === "string" ? value.type : undefined;
}

function toMessageIssue(issue: z.core.$ZodIssue): MessageIssue {
  return { path: issue.path.map((key) => String(key)).join("."), message: issue.message };
}

function invalid(message: string, issues: MessageIssue[]): { ok: false; error: InvalidMessageError } {
  return { ok: false, error: { code: "INVALID_MESSAGE", message, issues } };
}

/** True when `type` is one of the protocol's message types. */
export function isMessageType(type: string): type is MessageType {
  return (messageTypes as readonly string[]).includes(type);
}
