import type { LogEntry, LogLevel } from "@syntra/contracts";
import { levelOfText } from "@syntra/otlp";

// pino and bunyan write numeric levels.
const NUMERIC: [number, LogLevel][] = [
  [60, "fatal"],
  [50, "error"],
  [40, "warn"],
  [30, "info"],
  [20, "debug"],
  [10, "trace"],
];
const LEVEL_KEYS = ["level", "severity", "lvl", "levelname", "log.level", "loglevel"];
const MESSAGE_KEYS = ["msg", "message", "event", "@message"];
const DROPPED_KEYS = new Set([...LEVEL_KEYS, ...MESSAGE_KEYS, "time", "timestamp", "ts", "@timestamp"]);
// "level=warn", "[ERROR]", "ERROR:", " WARN " near the start, nginx's "[error]".
const KEY_VALUE = /\b(?:level|lvl|severity)=["']?([A-Za-z]+)/;
const WORD =
  /(?:^|[\s[(|:])(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC|SEVERE)(?=$|[\s\]):|,])/;
const BRACKETED = /\[(trace|debug|info|notice|warn|warning|error|crit|alert|emerg|fatal)\]/;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function levelOf(value: unknown): LogLevel | undefined {
  if (typeof value === "number") return NUMERIC.find(([n]) => value >= n)?.[1] ?? "trace";
  return typeof value === "string" ? levelOfText(value) : undefined;
}

/** The level a plain-text line states near its start, if it states one. */
export function levelInText(line: string): LogLevel | undefined {
  const head = line.slice(0, 120);
  const keyValue = KEY_VALUE.exec(head)?.[1];
  if (keyValue) return levelOfText(keyValue);
  const word = WORD.exec(head)?.[1];
  if (word) return levelOfText(word);
  const bracketed = BRACKETED.exec(head)?.[1];
  return bracketed ? levelOfText(bracketed) : undefined;
}

/**
 * One line of a container's output as a contract log entry (source stdout/stderr). A JSON object line is parsed:
 * its level (`level`, `severity`, pino's numbers ...), message (`msg`, `message` ...) and trace context
 * (`trace_id`, `span_id`) are read, its other fields become attributes. A text line's level is read from common
 * forms near its start (`level=warn`, `ERROR:`, `[error]`); without one, stdout is info and stderr error (the
 * convention of Google Cloud's logging agents).
 */
export function containerLogEntry(
  line: { timestamp: string; stream: "stdout" | "stderr"; message: string },
  source: { serviceId: string; deploymentId: string; containerId: string; containerName: string },
): LogEntry {
  const attributes: Record<string, unknown> = {
    "container.id": source.containerId.slice(0, 12),
    "container.name": source.containerName,
  };
  let level: LogLevel | undefined;
  let message = line.message;
  let traceId: string | undefined;
  let spanId: string | undefined;
  const text = line.message.trim();
  if (text.startsWith("{") && text.endsWith("}")) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        const fields = parsed as Record<string, unknown>;
        level = LEVEL_KEYS.map((k) => levelOf(fields[k])).find((l) => l !== undefined);
        const named = MESSAGE_KEYS.map((k) => fields[k]).find((m) => typeof m === "string");
        if (typeof named === "string") message = named;
        for (const [k, v] of Object.entries(fields)) if (!DROPPED_KEYS.has(k)) attributes[k] = v;
        const t = fields.trace_id ?? fields.traceId ?? fields["trace.id"];
        const s = fields.span_id ?? fields.spanId ?? fields["span.id"];
        if (typeof t === "string" && HEX32.test(t)) traceId = t;
        if (typeof s === "string" && HEX16.test(s)) spanId = s;
      }
    } catch {
      // Not JSON after all: a text line.
    }
  }
  level ??= levelInText(line.message) ?? (line.stream === "stderr" ? "error" : "info");
  return {
    timestamp: line.timestamp,
    service_id: source.serviceId,
    deployment_id: source.deploymentId,
    level,
    message,
    attributes,
    ...(traceId ? { trace_id: traceId } : {}),
    ...(spanId ? { span_id: spanId } : {}),
    source: line.stream,
  };
}
