import type { StackFrame } from "./types";

/** Frames kept per event: the innermost ones, where the error happened. */
export const MAX_FRAMES = 50;

/** A frame as read from a stack line, before in_app and the module are decided. */
export interface RawFrame {
  filename: string;
  function: string;
  lineno: number;
  colno?: number;
}

const ANONYMOUS = "<anonymous>";

/** Turns a location's URL into what users recognise: file:// URLs into paths; others kept as they are. */
function cleanFilename(location: string): string {
  if (location.startsWith("file://")) {
    try {
      return decodeURIComponent(new URL(location).pathname);
    } catch {
      return location.slice("file://".length);
    }
  }
  return location;
}

/** `file:12:5` -> filename, line and column; a position-less location (`native`, `<anonymous>`) gets line 0. */
function splitLocation(location: string, fn: string): RawFrame | undefined {
  const loc = location.trim();
  if (loc === "") return undefined;
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(loc);
  if (!m) return { filename: cleanFilename(loc), function: fn, lineno: 0 };
  const frame: RawFrame = { filename: cleanFilename(m[1] as string), function: fn, lineno: Number(m[2]) };
  if (m[3] !== undefined) frame.colno = Number(m[3]);
  return frame;
}

/** V8 (Node, Chrome, Edge, Deno): `    at fn (file:1:2)`, `    at file:1:2`, `    at async fn (...)`. */
function parseV8Line(line: string): RawFrame | undefined {
  const m = /^\s*at (?:async )?(.*?)\s*$/.exec(line);
  if (!m) return undefined;
  let rest = m[1] as string;
  let fn = ANONYMOUS;
  const open = rest.indexOf(" (");
  if (rest.endsWith(")") && open > 0) {
    fn = rest.slice(0, open).replace(/ \[as [^\]]+\]$/, "");
    rest = rest.slice(open + 2, -1);
  } else if (rest.startsWith("(") && rest.endsWith(")")) {
    rest = rest.slice(1, -1);
  }
  // `eval at outer (file:1:2), <anonymous>:3:4`: the eval'd code has no file; its caller's position is the useful one.
  if (rest.startsWith("eval at ")) {
    const inner = /\((.+?:\d+(?::\d+)?)\)/.exec(rest);
    rest = inner ? (inner[1] as string) : ANONYMOUS;
  }
  if (rest.startsWith("index ")) rest = "native"; // `at Promise.all (index 0)`
  return splitLocation(rest, fn);
}

const V8_LINE = /^\s*at /;
const SCHEME_OR_PATH = /^(?:[a-z][\w+.-]*:|\/|\[native code\])/i;

/** Firefox and Safari (JavaScriptCore): `fn@url:1:2`, `@url:1:2`, `global code@url:1:2`, `[native code]`. */
function parseGeckoLine(line: string): RawFrame | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  if (text === "[native code]") return { filename: "[native code]", function: ANONYMOUS, lineno: 0 };
  let fn = ANONYMOUS;
  let location: string | undefined;
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    if (SCHEME_OR_PATH.test(text.slice(at + 1))) {
      fn = text.slice(0, at) || ANONYMOUS;
      location = text.slice(at + 1);
      break;
    }
  }
  if (location === undefined) {
    if (!SCHEME_OR_PATH.test(text)) return undefined;
    location = text;
  }
  // Firefox names eval'd code `url line 12 > eval:1:5`: keep the caller's file and line.
  const evalled = /^(.*?) line (\d+) > (?:eval|Function)/.exec(location);
  if (evalled) return { filename: cleanFilename(evalled[1] as string), function: fn, lineno: Number(evalled[2]) };
  return splitLocation(location, fn);
}

/**
 * Reads an Error's `stack` in the V8, Firefox or Safari format into frames, innermost frame last (the contract's
 * order). Lines that are not frames (the message, possibly several lines of it) are skipped.
 */
export function parseStack(stack: string | undefined): RawFrame[] {
  if (!stack) return [];
  const frames: RawFrame[] = [];
  const lines = stack.split("\n");
  // A V8 stack starts with the message, which may look like a location ("TypeError: ..."): only `at` lines count.
  const v8 = lines.some((line) => V8_LINE.test(line));
  for (const line of lines) {
    const frame = v8 ? (V8_LINE.test(line) ? parseV8Line(line) : undefined) : parseGeckoLine(line);
    if (frame) frames.push(frame);
  }
  frames.reverse();
  return frames.slice(-MAX_FRAMES);
}

/**
 * The default in_app rule: the app's own code, not a dependency (node_modules), the runtime (`node:`, `internal/`)
 * or native code.
 */
export function isInApp(filename: string): boolean {
  if (filename.includes("/node_modules/") || filename.includes("\\node_modules\\")) return false;
  if (filename.startsWith("node:") || filename.startsWith("internal/")) return false;
  if (filename === "native" || filename === ANONYMOUS || filename === "[native code]") return false;
  return true;
}

/** Frames as the contract wants them, with in_app decided by the app's rule or the default. */
export function toStackFrames(
  frames: RawFrame[],
  inApp: ((filename: string) => boolean) | undefined,
  moduleOf?: (filename: string) => string | undefined,
): StackFrame[] {
  return frames.map((f) => {
    const frame: StackFrame = {
      filename: f.filename,
      function: f.function,
      lineno: f.lineno,
      in_app: (inApp ?? isInApp)(f.filename),
    };
    if (f.colno !== undefined) frame.colno = f.colno;
    const module = moduleOf?.(f.filename);
    if (module) frame.module = module;
    return frame;
  });
}
