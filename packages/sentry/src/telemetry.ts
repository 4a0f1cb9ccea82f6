import type { LogEntry, LogLevel, TraceSpan } from "@syntra/contracts";
import type { ConversionTarget } from "./event";
import { arr, hexId, num, obj, scalarText, sentryTime, str } from "./values";

// Sentry's performance data in Syntra's telemetry shapes: a `transaction` event is a root span with its child spans,
// a `span` item holds spans of the streaming format (v2: `{ items: [...] }` with typed attributes) or one legacy
// span, and a `log` item holds `{ items: [...] }` log records.

type Attributes = TraceSpan["attributes"];

/** Attribute values as OTel allows them; Sentry's typed attributes (`{ type, value }`) are unwrapped. */
function attributesOf(...sources: (Record<string, unknown> | undefined)[]): Attributes {
  const out: Attributes = {};
  for (const source of sources) {
    for (const [key, raw] of Object.entries(source ?? {})) {
      const value = obj(raw) && "value" in (raw as object) ? (raw as { value: unknown }).value : raw;
      if (typeof value === "string" || typeof value === "boolean") out[key] = value;
      else if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
      else if (value !== null && value !== undefined) out[key] = JSON.stringify(value).slice(0, 1024);
      if (Object.keys(out).length >= 128) return out;
    }
  }
  return out;
}

const secondsToNs = (seconds: number) => Math.round(seconds * 1e6) * 1000;

/** Sentry's span status (`ok`, `internal_error`, `not_found`, ...) as OTel's status code. */
function statusOf(status: unknown): TraceSpan["status"] {
  const s = str(status);
  if (s === undefined || s === "unknown" || s === "") return { code: "unset" };
  if (s === "ok") return { code: "ok" };
  return { code: "error", message: s };
}

function kindOf(op: string | undefined): TraceSpan["span_kind"] {
  if (!op) return "internal";
  if (op.startsWith("http.server") || op === "pageload" || op === "navigation") return "server";
  if (op.startsWith("http.client") || op.startsWith("db") || op.startsWith("cache") || op.startsWith("rpc")) {
    return "client";
  }
  if (op.startsWith("queue.publish")) return "producer";
  if (op.startsWith("queue.process")) return "consumer";
  return "internal";
}

interface SpanFields {
  traceId: string | undefined;
  spanId: string | undefined;
  parent: string | undefined;
  name: string;
  op: string | undefined;
  start: number | undefined;
  end: number | undefined;
  status: unknown;
  attributes: Attributes;
}

function toSpan(f: SpanFields, target: ConversionTarget): TraceSpan | null {
  if (!f.traceId || !f.spanId || f.start === undefined) return null;
  const startNs = secondsToNs(f.start);
  const endNs = f.end === undefined ? startNs : Math.max(startNs, secondsToNs(f.end));
  return {
    trace_id: f.traceId,
    span_id: f.spanId,
    ...(f.parent && f.parent !== f.spanId && { parent_span_id: f.parent }),
    service_id: target.serviceId,
    deployment_id: target.deploymentId,
    operation_name: (f.name || f.op || "span").slice(0, 1024),
    span_kind: kindOf(f.op),
    start_time_ns: startNs,
    duration_ns: endNs - startNs,
    status: statusOf(f.status),
    attributes: { ...f.attributes, ...(f.op && { "sentry.op": f.op }) },
    events: [],
  };
}

const seconds = (v: unknown) => num(v) ?? (sentryTime(v) ? (sentryTime(v) as Date).getTime() / 1000 : undefined);

/** A transaction event: its root span (the transaction) and child spans; spans without ids or times are left out. */
export function spansFromTransaction(event: Record<string, unknown>, target: ConversionTarget): TraceSpan[] {
  const trace = obj(obj(event.contexts)?.trace);
  const traceId = hexId(trace?.trace_id, 32);
  const tags = obj(event.tags);
  const root = toSpan(
    {
      traceId,
      spanId: hexId(trace?.span_id, 16),
      parent: hexId(trace?.parent_span_id, 16),
      name: str(event.transaction) ?? "",
      op: str(trace?.op),
      start: seconds(event.start_timestamp),
      end: seconds(event.timestamp),
      status: trace?.status,
      attributes: attributesOf(obj(trace?.data), tags, {
        "sentry.release": str(event.release),
        "sentry.environment": str(event.environment),
      }),
    },
    target,
  );
  const children = (arr(event.spans) ?? []).map((raw) => {
    const s = obj(raw);
    if (!s) return null;
    return toSpan(
      {
        traceId: hexId(s.trace_id, 32) ?? traceId,
        spanId: hexId(s.span_id, 16),
        parent: hexId(s.parent_span_id, 16),
        name: str(s.description) ?? "",
        op: str(s.op),
        start: seconds(s.start_timestamp),
        end: seconds(s.timestamp),
        status: s.status,
        attributes: attributesOf(obj(s.data), obj(s.tags)),
      },
      target,
    );
  });
  return [root, ...children].filter((s): s is TraceSpan => s !== null);
}

/** A `span` item: `{ items: [...] }` of streamed spans (v2), or a single span object. */
export function spansFromSpanItem(payload: Record<string, unknown>, target: ConversionTarget): TraceSpan[] {
  const list = arr(payload.items) ?? [payload];
  return list
    .map((raw) => {
      const s = obj(raw);
      if (!s) return null;
      const attributes = attributesOf(obj(s.attributes), obj(s.data));
      const op = str(s.op) ?? scalarText(attributes["sentry.op"]);
      return toSpan(
        {
          traceId: hexId(s.trace_id, 32),
          spanId: hexId(s.span_id, 16),
          parent: hexId(s.parent_span_id, 16),
          name: str(s.name) ?? str(s.description) ?? "",
          op,
          start: seconds(s.start_timestamp),
          end: seconds(s.end_timestamp) ?? seconds(s.timestamp),
          status: s.status,
          attributes,
        },
        target,
      );
    })
    .filter((s): s is TraceSpan => s !== null);
}

const LOG_LEVELS: Record<string, LogLevel> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  fatal: "fatal",
};

/** A `log` item's records. */
export function logsFromLogItem(payload: Record<string, unknown>, target: ConversionTarget, now: Date): LogEntry[] {
  const out: LogEntry[] = [];
  for (const raw of arr(payload.items) ?? []) {
    const r = obj(raw);
    if (!r) continue;
    const traceId = hexId(r.trace_id, 32);
    const spanId = hexId(r.span_id, 16);
    out.push({
      timestamp: (sentryTime(r.timestamp) ?? now).toISOString(),
      service_id: target.serviceId,
      deployment_id: target.deploymentId,
      level: LOG_LEVELS[str(r.level) ?? "info"] ?? "info",
      message: str(r.body) ?? scalarText(r.body) ?? "",
      attributes: attributesOf(obj(r.attributes)),
      ...(traceId && { trace_id: traceId }),
      ...(spanId && { span_id: spanId }),
      source: "sdk",
    });
  }
  return out;
}
