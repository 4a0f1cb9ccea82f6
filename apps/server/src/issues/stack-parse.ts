import type { StackFrame } from "@syntra/contracts";

// OpenTelemetry carries an exception's stack as the runtime printed it (`exception.stacktrace`). These parsers read
// the formats of the runtimes Syntra's users deploy most (V8, CPython, the JVM, Go) into frames, innermost last as
// Sentry orders them. A line none of them reads is skipped; a stack none reads gives no frames, and grouping falls
// back to the exception type and message.

/** Frames of a printed stack trace, innermost last; empty when the format is not recognised. */
export function parseStackTrace(text: string): StackFrame[] {
  const lines = text.split(/\r?\n/).slice(0, 2000);
  // V8 frames end in line:column; JVM frames carry a line only.
  if (lines.some((l) => /^\s+at .*:\d+:\d+\)?$/.test(l))) return parseV8(lines);
  if (lines.some((l) => /^\s*File ".+", line \d+/.test(l))) return parsePython(lines);
  if (lines.some((l) => /^\s+at [\w$.<>/]+\(.*\)/.test(l))) return parseJava(lines);
  if (lines.some((l) => /^\t.+\.go:\d+/.test(l))) return parseGo(lines);
  return [];
}

/** The exception type a printed stack starts with (`TypeError: x` -> `TypeError`), if any. */
export function typeFromStackTrace(text: string): string | undefined {
  const first = text.split("\n", 1)[0]?.trim() ?? "";
  return /^([A-Za-z_$][\w$.]*(?:Error|Exception|Panic|Fault)?)(?::|$)/.exec(first)?.[1];
}

/** Whether a file belongs to the app rather than to a runtime or a dependency. */
export function isInApp(filename: string): boolean {
  return !/(?:^node:|^internal\/|\/node_modules\/|\/(?:site|dist)-packages\/|^<frozen |\/lib\/python\d|\/usr\/(?:local\/)?lib\/|\/go\/src\/|\/go\/pkg\/mod\/|^native$)/.test(
    filename,
  );
}

function frame(filename: string, fn: string, lineno: number, colno?: number): StackFrame {
  return {
    filename,
    function: fn,
    lineno: Number.isFinite(lineno) ? lineno : 0,
    ...(colno !== undefined && Number.isFinite(colno) && { colno }),
    in_app: isInApp(filename),
  };
}

// "    at fn (file:12:5)", "    at file:12:5", "    at async fn (file:12:5)", "    at new Foo (file:1:2)"
function parseV8(lines: string[]): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of lines) {
    const m = /^\s+at (?:async )?(?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const [, fn = "", file = "", ln = "0", col = "0"] = m;
    frames.push(frame(file.replace(/^file:\/\//, ""), fn.replace(/^new /, ""), Number(ln), Number(col)));
  }
  return frames.reverse();
}

// '  File "/app/views.py", line 12, in checkout' followed by the source line.
function parsePython(lines: string[]): StackFrame[] {
  const frames: StackFrame[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*File "(.+)", line (\d+), in (.+)$/.exec(lines[i] ?? "");
    if (!m) continue;
    const [, file = "", ln = "0", fn = ""] = m;
    const f = frame(file, fn, Number(ln));
    const next = lines[i + 1];
    if (next !== undefined && /^\s{4,}\S/.test(next) && !/^\s*File "/.test(next)) f.context_line = next.trim();
    frames.push(f);
  }
  return frames;
}

// "\tat com.acme.Shop.checkout(Shop.java:42)"
function parseJava(lines: string[]): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of lines) {
    const m = /^\s+at ([\w$.<>/]+)\.([\w$<>]+)\((?:([^:)]+)(?::(\d+))?)?\)/.exec(line);
    if (!m) continue;
    const [, cls = "", fn = "", file = "Unknown", ln = "0"] = m;
    const f = frame(file, fn, Number(ln));
    f.module = cls;
    f.in_app = !/^(?:java|javax|jdk|sun|com\.sun|kotlin|scala)\./.test(cls);
    frames.push(f);
  }
  return frames.reverse();
}

// "main.handler(...)\n\t/app/main.go:42 +0x1d"
function parseGo(lines: string[]): StackFrame[] {
  const frames: StackFrame[] = [];
  for (let i = 1; i < lines.length; i++) {
    const m = /^\t(.+\.go):(\d+)/.exec(lines[i] ?? "");
    if (!m) continue;
    const [, file = "", ln = "0"] = m;
    const fn = (lines[i - 1] ?? "").replace(/\(.*\)$/, "").trim();
    frames.push(frame(file, fn, Number(ln)));
  }
  return frames.reverse();
}
