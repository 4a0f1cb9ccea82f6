import { z } from "zod";
import { serviceLogEntry } from "../deployments";
import { idParam } from "../envelope";
import { serviceIngest } from "../ingest";
import {
  metricSeries,
  serviceMetricsQuery,
  span,
  trace,
  traceIdParam,
  traceSummary,
  tracesQuery,
} from "../observability";
import {
  logHistogram,
  logHistogramQuery,
  metricAggregate,
  metricAggregateQuery,
  metricCatalogEntry,
  metricCatalogQuery,
  serviceOverviewQuery,
  serviceRedOverview,
  traceErrorEvent,
  traceLogsQuery,
} from "../observability-views";
import { defineApiRoute } from "../route";
import { serverTelemetry } from "../telemetry-pipeline";
import { traceSpanParams, traceSpansPage, traceSpansQuery } from "../trace-pages";

const serviceParams = idParam("serviceId");

/** Telemetry: a service's ingest identity and the query API of interface contracts section 2.3 "Observability". */
export const telemetryRoutes = {
  serverPipeline: defineApiRoute({
    method: "GET",
    path: "/api/v1/servers/:serverId/telemetry",
    summary: "What the server's agent did with telemetry: received, dropped (buffer full), sampled out, buffered now",
    tag: "telemetry",
    access: { permission: "servers:read" },
    params: idParam("serverId"),
    response: serverTelemetry,
  }),
  ingest: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/ingest",
    summary: "The service's ingest key, DSNs and OTLP endpoints (the key is public, like a Sentry DSN's)",
    tag: "telemetry",
    // Readable by every member: like a DSN, it only lets its holder send telemetry for the service.
    access: { permission: "services:read" },
    params: serviceParams,
    response: serviceIngest,
  }),
  rotateIngestKey: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/ingest/rotate",
    summary: "Give the service a new ingest key; the old one works for SYNTRA_INGEST_KEY_GRACE_HOURS more",
    tag: "telemetry",
    access: { permission: "services:write" },
    params: serviceParams,
    response: serviceIngest,
  }),
  traces: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/traces",
    summary: "The service's traces (root spans in the range, default the last 24 h), newest first",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: serviceParams,
    query: tracesQuery,
    response: z.array(traceSummary),
  }),
  trace: defineApiRoute({
    method: "GET",
    path: "/api/v1/traces/:traceId",
    summary:
      "The spans of a trace across the organization's services, up to 10,000 in start order (`truncated` says more follow; 404 for another organization's trace)",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: traceIdParam,
    response: trace,
  }),
  traceSpans: defineApiRoute({
    method: "GET",
    path: "/api/v1/traces/:traceId/spans",
    summary:
      "A page of a trace's spans in start order, without attributes and events (meta.cursor: the next page's cursor)",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: traceIdParam,
    query: traceSpansQuery,
    response: traceSpansPage,
  }),
  traceSpan: defineApiRoute({
    method: "GET",
    path: "/api/v1/traces/:traceId/spans/:spanId",
    summary: "One span of a trace with its attributes and events",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: traceSpanParams,
    response: span,
  }),
  metrics: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/metrics",
    summary: "The service's metric series from the 1m, 5m or 1h rollups",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: serviceParams,
    query: serviceMetricsQuery,
    response: z.array(metricSeries),
  }),
  overview: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/overview",
    summary: "The service's request rate, errors and p50/p95/p99 latency (RED) per interval and per operation",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: serviceParams,
    query: serviceOverviewQuery,
    response: serviceRedOverview,
  }),
  logHistogram: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/logs/histogram",
    summary: "How many of the service's log records match the search, per interval and level",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: serviceParams,
    query: logHistogramQuery,
    response: logHistogram,
  }),
  traceLogs: defineApiRoute({
    method: "GET",
    path: "/api/v1/traces/:traceId/logs",
    summary: "The log records written inside a trace, across its services, oldest first",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: traceIdParam,
    query: traceLogsQuery,
    response: z.array(serviceLogEntry),
  }),
  traceErrors: defineApiRoute({
    method: "GET",
    path: "/api/v1/traces/:traceId/errors",
    summary: "The error events raised inside a trace, with their issues",
    tag: "telemetry",
    access: { permission: "issues:read" },
    params: traceIdParam,
    response: z.array(traceErrorEvent),
  }),
  metricNames: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/metrics/names",
    summary: "The metrics the service sent in the range (default the last 24 h): type, label keys, series",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: serviceParams,
    query: metricCatalogQuery,
    response: z.array(metricCatalogEntry),
  }),
  metricQuery: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/metrics/query",
    summary:
      "One metric rolled up by interval, aggregated (avg, min, max, sum, rate, p50/p95/p99) and split by a label",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: serviceParams,
    query: metricAggregateQuery,
    response: metricAggregate,
  }),
};
