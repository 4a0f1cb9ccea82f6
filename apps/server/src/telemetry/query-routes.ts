import {
  idParam,
  metricSeries,
  serviceLogEntry,
  serviceLogsQuery,
  serviceMetricsQuery,
  trace,
  traceIdParam,
  traceSummary,
  tracesQuery,
} from "@syntra/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import { getTraceById, listTraces, serviceLogs, serviceMetrics } from "./queries";

const serviceParams = idParam("serviceId");

const traces = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/traces",
  summary: "The service's traces (root spans in the range, default the last 24 h), newest first",
  tag: "telemetry",
  access: { permission: "services:read" },
  params: serviceParams,
  query: tracesQuery,
  response: z.array(traceSummary),
  handler: async ({ auth, deps, params, query }) => listTraces(deps, projectScope(auth), params.serviceId, query),
});

const traceById = defineRoute({
  method: "GET",
  url: "/api/v1/traces/:traceId",
  summary: "Every span of a trace across the organization's services (404 for another organization's trace)",
  tag: "telemetry",
  access: { permission: "services:read" },
  params: traceIdParam,
  response: trace,
  handler: async ({ auth, deps, params }) => getTraceById(deps, projectScope(auth), params.traceId),
});

const metrics = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/metrics",
  summary: "The service's metric series from the 1m, 5m or 1h rollups",
  tag: "telemetry",
  access: { permission: "services:read" },
  params: serviceParams,
  query: serviceMetricsQuery,
  response: z.array(metricSeries),
  handler: async ({ auth, deps, params, query }) => serviceMetrics(deps, projectScope(auth), params.serviceId, query),
});

const logs = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/logs",
  summary: "The service's stored logs, newest first (level floor, substring search); meta.cursor pages on",
  tag: "telemetry",
  access: { permission: "services:read" },
  params: serviceParams,
  query: serviceLogsQuery,
  response: z.array(serviceLogEntry),
  handler: async ({ auth, deps, params, query, setMeta }) => {
    const page = await serviceLogs(deps, projectScope(auth), params.serviceId, query);
    if (page.cursor !== null) setMeta({ cursor: page.cursor });
    return page.items;
  },
});

/** The telemetry query API of interface contracts section 2.3 "Observability". */
export const telemetryQueryRoutes = [traces, traceById, metrics, logs];
