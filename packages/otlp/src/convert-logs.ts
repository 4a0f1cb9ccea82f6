import type { LogEntry, LogLevel } from "@syntra/contracts";
import { anyValueToJs, attributesToJs } from "./attributes";
import { type Attribution, deploymentOf } from "./attribution";
import { type ExportLogsServiceRequest, type InstrumentationScope, int64, type LogRecord } from "./messages";

/** OTLP SeverityNumber ranges (1-4 TRACE ... 21-24 FATAL) as contract levels. */
export function levelOfSeverity(severityNumber: number, severityText: string): LogLevel {
  if (severityNumber >= 21) return "fatal";
  if (severityNumber >= 17) return "error";
  if (severityNumber >= 13) return "warn";
  if (severityNumber >= 9) return "info";
  if (severityNumber >= 5) return "debug";
  if (severityNumber >= 1) return "trace";
  return levelOfText(severityText) ?? "info";
}

/** A level named in text ("WARNING", "err", "Critical" ...), when it is one. */
export function levelOfText(text: string): LogLevel | undefined {
  switch (text.trim().toLowerCase()) {
    case "trace":
    case "finest":
      return "trace";
    case "debug":
    case "dbg":
    case "fine":
      return "debug";
    case "info":
    case "information":
    case "notice":
    case "log":
      return "info";
    case "warn":
    case "warning":
      return "warn";
    case "error":
    case "err":
    case "severe":
      return "error";
    case "fatal":
    case "critical":
    case "crit":
    case "panic":
    case "emergency":
    case "alert":
      return "fatal";
    default:
      return undefined;
  }
}

function hexId(bytes: Uint8Array | undefined, length: number): string | undefined {
  if (bytes?.length !== length) return undefined;
  for (const b of bytes) if (b !== 0) return Buffer.from(bytes).toString("hex");
  return undefined;
}

function isoOfNanos(nanos: number): string {
  return new Date(Math.floor(nanos / 1e6)).toISOString();
}

/**
 * OTLP log records as contract log entries (source "sdk"). The body becomes the message (structured bodies as
 * their JSON); record attributes are merged over the resource's; the level comes from the severity number, else
 * its text; the time from the record's time, else its observed time, else `now`.
 */
export function convertLogs(
  request: ExportLogsServiceRequest,
  attribution: Attribution,
  now: Date = new Date(),
): LogEntry[] {
  const out: LogEntry[] = [];
  for (const rl of request.resourceLogs ?? []) {
    const deploymentId = deploymentOf(rl.resource, attribution);
    const resourceAttributes = attributesToJs(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      const inherited = inheritedLogAttributes(resourceAttributes, sl.scope);
      for (const record of sl.logRecords ?? []) {
        out.push(convertRecord(record, attribution.serviceId, deploymentId, inherited, now));
      }
    }
  }
  return out;
}

/** What every record of a scope carries before its own attributes: its resource's, then the scope's name. */
export function inheritedLogAttributes(
  resourceAttributes: Record<string, unknown>,
  scope: InstrumentationScope | null | undefined,
): Record<string, unknown> {
  return { ...resourceAttributes, ...(scope?.name ? { "otel.scope.name": scope.name } : {}) };
}

/** One OTLP log record as a contract log entry of the service and deployment (see convertLogs). */
export function convertRecord(
  record: LogRecord,
  serviceId: string,
  deploymentId: string,
  inherited: Record<string, unknown>,
  now: Date,
): LogEntry {
  const time = int64(record.timeUnixNano) || int64(record.observedTimeUnixNano);
  const body = anyValueToJs(record.body);
  const traceId = hexId(record.traceId, 16);
  const spanId = hexId(record.spanId, 8);
  const attributes = attributesToJs(record.attributes, { ...inherited });
  if (record.eventName) attributes["event.name"] = record.eventName;
  return {
    timestamp: time > 0 ? isoOfNanos(time) : now.toISOString(),
    service_id: serviceId,
    deployment_id: deploymentId,
    level: levelOfSeverity(record.severityNumber ?? 0, record.severityText ?? ""),
    message: typeof body === "string" ? body : body === null ? "" : JSON.stringify(body),
    attributes,
    ...(traceId ? { trace_id: traceId } : {}),
    ...(spanId ? { span_id: spanId } : {}),
    source: "sdk",
  };
}
