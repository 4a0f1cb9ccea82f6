import { randomBytes, randomUUID } from "node:crypto";
import type { LogRow, MetricRow, SpanRow } from "../telemetry/store/types";

/** A random W3C trace id (32 hex characters). */
export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}

/** A random W3C span id (16 hex characters). */
export function newSpanId(): string {
  return randomBytes(8).toString("hex");
}

/** Where test rows belong: an organization, a service and a deployment. */
export interface RowOwner {
  org_id: string;
  service_id: string;
  deployment_id: string;
}

/** A fresh owner (random ids), so a test's rows never meet another test's. */
export function newOwner(): RowOwner {
  return { org_id: randomUUID(), service_id: randomUUID(), deployment_id: randomUUID() };
}

/** A server span of `owner` that started at `start` and lasted `durationMs`; override anything. */
export function spanRow(owner: RowOwner, start: Date, durationMs: number, over: Partial<SpanRow> = {}): SpanRow {
  return {
    ...owner,
    trace_id: newTraceId(),
    span_id: newSpanId(),
    operation_name: "GET /api/orders/:id",
    span_kind: "server",
    start_time_ns: start.getTime() * 1e6,
    duration_ns: durationMs * 1e6,
    status: { code: "ok" },
    attributes: { "http.method": "GET", "http.status_code": 200, "http.route": "/api/orders/:id" },
    events: [],
    ...over,
  };
}

/** A log record of `owner` at `at`; override anything. */
export function logRow(owner: RowOwner, at: Date, message: string, over: Partial<LogRow> = {}): LogRow {
  return {
    ...owner,
    timestamp: at.toISOString(),
    level: "info",
    message,
    attributes: {},
    source: "stdout",
    ...over,
  };
}

/** A gauge sample of `owner`; override anything (type, labels, buckets). */
export function metricRow(
  owner: RowOwner,
  at: Date,
  name: string,
  value: number,
  over: Partial<MetricRow> = {},
): MetricRow {
  return {
    org_id: owner.org_id,
    service_id: owner.service_id,
    deployment_id: owner.deployment_id,
    timestamp: at.toISOString(),
    name,
    type: "gauge",
    value,
    labels: {},
    ...over,
  } as MetricRow;
}
