import { z } from "zod";
import { idParam } from "../envelope";
import { serviceIngest } from "../ingest";
import { metricSeries, serviceMetricsQuery, trace, traceIdParam, traceSummary, tracesQuery } from "../observability";
import { defineApiRoute } from "../route";
import { serverTelemetry } from "../telemetry-pipeline";

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
    summary: "Every span of a trace across the organization's services (404 for another organization's trace)",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: traceIdParam,
    response: trace,
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
};
