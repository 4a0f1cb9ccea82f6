import {
  MAX_TRACE_SPANS,
  type MetricSeries,
  type ServiceLogEntry,
  type ServiceLogsQuery,
  type ServiceMetricsQuery,
  splitAttributeFilter,
  type Trace,
  type TraceSummary,
  type TracesQuery,
} from "@syntra/contracts";
import { and, eq, inArray } from "drizzle-orm";
import { services } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError, notFound } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { getServiceRow } from "../services/services";
import type { LogCursor, ServiceScope, TimeRange } from "./store/types";

const HOUR = 3_600_000;
/** Ranges without `from` look back this far. */
const DEFAULT_LOOKBACK_MS = 24 * HOUR;
const INTERVAL_MS = { "1m": 60_000, "5m": 300_000, "1h": HOUR } as const;
/** Points per series a metrics answer may hold; a longer range needs a larger interval. */
export const MAX_METRIC_POINTS = 1440;

/** The service in the caller's scope, as a store scope; NOT_FOUND outside it. */
export async function storeScope(deps: AppDeps, scope: ProjectScope, serviceId: string): Promise<ServiceScope> {
  const row = await getServiceRow(deps.db, scope, serviceId);
  return { orgId: scope.orgId, serviceId: row.id };
}

/** `from`/`to` of a query with its defaults: up to now, looking back `lookbackMs`. */
export function rangeOf(
  deps: AppDeps,
  query: { from?: string | undefined; to?: string | undefined },
  lookbackMs: number,
): TimeRange {
  const to = query.to !== undefined ? new Date(query.to) : deps.now();
  const from = query.from !== undefined ? new Date(query.from) : new Date(to.getTime() - lookbackMs);
  return { from, to };
}

/** A service's traces, newest first (GET /services/:id/traces). */
export async function listTraces(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: TracesQuery,
): Promise<TraceSummary[]> {
  const target = await storeScope(deps, scope, serviceId);
  return deps.telemetry.searchTraces(target, {
    ...rangeOf(deps, query, DEFAULT_LOOKBACK_MS),
    minDurationMs: query.min_duration_ms,
    status: query.status,
    operation: query.operation,
    attributes: query.attribute?.map(splitAttributeFilter),
    limit: query.limit,
  });
}

/**
 * The spans of a trace within the caller's organization, the first `MAX_TRACE_SPANS` (GET /traces/:traceId); a
 * project-scoped token sees the spans of its project's services only. NOT_FOUND when nothing of it is visible, as
 * for another org's trace. One span more than the cap is read to know whether the answer is truncated.
 */
export async function getTraceById(deps: AppDeps, scope: ProjectScope, traceId: string): Promise<Trace> {
  const read = await deps.telemetry.getTrace(scope.orgId, traceId, MAX_TRACE_SPANS + 1);
  const spans = await visibleToScope(deps, scope, read.slice(0, MAX_TRACE_SPANS));
  if (spans.length === 0) throw notFound("Trace");
  return { trace_id: traceId, spans, truncated: read.length > MAX_TRACE_SPANS };
}

/**
 * The items (spans, logs) of services the scope may see: all of the organization's, or for a project-scoped token
 * those of its project's services only.
 */
export async function visibleToScope<T extends { service_id: string }>(
  deps: AppDeps,
  scope: ProjectScope,
  items: T[],
): Promise<T[]> {
  const projectId = scope.projectId;
  if (!projectId || items.length === 0) return items;
  const ids = [...new Set(items.map((s) => s.service_id))];
  const visible = await deps.db
    .select({ id: services.id })
    .from(services)
    .where(and(inArray(services.id, ids), eq(services.projectId, projectId)));
  const allowed = new Set(visible.map((v) => v.id));
  return items.filter((s) => allowed.has(s.service_id));
}

/** A service's metric series from the rollup of the interval (GET /services/:id/metrics). */
export async function serviceMetrics(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: ServiceMetricsQuery,
): Promise<MetricSeries[]> {
  const target = await storeScope(deps, scope, serviceId);
  const step = INTERVAL_MS[query.interval];
  // By default as many points as a chart shows well: an hour of minutes, a day of 5 minutes, a week of hours.
  const range = rangeOf(deps, query, { "1m": HOUR, "5m": 24 * HOUR, "1h": 7 * 24 * HOUR }[query.interval]);
  const points = Math.ceil((range.to.getTime() - range.from.getTime()) / step);
  if (points > MAX_METRIC_POINTS) {
    throw new AppError(
      "VALIDATION_ERROR",
      `The range holds ${points} intervals of ${query.interval}; at most ${MAX_METRIC_POINTS}: use a larger interval or a shorter range`,
      [{ path: "query.interval", message: `too fine for this range (at most ${MAX_METRIC_POINTS} points)` }],
    );
  }
  return deps.telemetry.metricSeries(target, { ...range, names: query.metrics, interval: query.interval });
}

/** A page cursor as the API shows it: opaque, URL-safe. */
export function encodeLogCursor(cursor: LogCursor): string {
  return Buffer.from(`${cursor.timestampNs}.${cursor.skip}`).toString("base64url");
}

/** Reads a cursor of `encodeLogCursor`; VALIDATION_ERROR for anything else. */
export function decodeLogCursor(raw: string): LogCursor {
  const match = /^(\d{1,20})\.(\d{1,9})$/.exec(Buffer.from(raw, "base64url").toString("utf8"));
  if (!match?.[1] || !match[2]) {
    throw new AppError("VALIDATION_ERROR", "The cursor is not one this API returned", [
      { path: "query.cursor", message: "not a cursor of this API" },
    ]);
  }
  return { timestampNs: match[1], skip: Number(match[2]) };
}

/**
 * A page of a service's stored logs, newest first (GET /services/:id/logs): container output the agents collect and
 * SDK logs. The next page's cursor, when there is one, is returned beside the items.
 */
export async function serviceLogs(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: ServiceLogsQuery,
): Promise<{ items: ServiceLogEntry[]; cursor: string | null }> {
  const cursor = query.cursor !== undefined ? decodeLogCursor(query.cursor) : undefined;
  const target = await storeScope(deps, scope, serviceId);
  const page = await deps.telemetry.searchLogs(target, {
    ...rangeOf(deps, query, DEFAULT_LOOKBACK_MS),
    minLevel: query.level,
    search: query.search,
    attributes: query.attribute?.map(splitAttributeFilter),
    limit: query.limit,
    cursor,
  });
  return { items: page.items, cursor: page.next ? encodeLogCursor(page.next) : null };
}
