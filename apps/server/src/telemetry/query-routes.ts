import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { traceErrors } from "../issues/trace-errors";
import { projectScope } from "../projects/routes";
import { getTraceById, listTraces, serviceLogs, serviceMetrics } from "./queries";
import { spanById, traceSpansPage } from "./trace-pages";
import {
  logsOfTrace,
  serviceLogHistogram,
  serviceMetricAggregate,
  serviceMetricCatalog,
  serviceOverview,
} from "./view-queries";

const traces = implement(apiRoutes.telemetry.traces, {
  handler: async ({ auth, deps, params, query }) => listTraces(deps, projectScope(auth), params.serviceId, query),
});

const traceById = implement(apiRoutes.telemetry.trace, {
  handler: async ({ auth, deps, params }) => getTraceById(deps, projectScope(auth), params.traceId),
});

const traceSpans = implement(apiRoutes.telemetry.traceSpans, {
  handler: async ({ auth, deps, params, query, setMeta }) => {
    const { page, cursor } = await traceSpansPage(deps, projectScope(auth), params.traceId, query);
    if (cursor !== null) setMeta({ cursor });
    return page;
  },
});

const traceSpan = implement(apiRoutes.telemetry.traceSpan, {
  handler: async ({ auth, deps, params }) => spanById(deps, projectScope(auth), params.traceId, params.spanId),
});

const metrics = implement(apiRoutes.telemetry.metrics, {
  handler: async ({ auth, deps, params, query }) => serviceMetrics(deps, projectScope(auth), params.serviceId, query),
});

const logs = implement(apiRoutes.services.logs, {
  handler: async ({ auth, deps, params, query, setMeta }) => {
    const page = await serviceLogs(deps, projectScope(auth), params.serviceId, query);
    if (page.cursor !== null) setMeta({ cursor: page.cursor });
    return page.items;
  },
});

const overview = implement(apiRoutes.telemetry.overview, {
  handler: async ({ auth, deps, params, query }) => serviceOverview(deps, projectScope(auth), params.serviceId, query),
});

const logHistogram = implement(apiRoutes.telemetry.logHistogram, {
  handler: async ({ auth, deps, params, query }) =>
    serviceLogHistogram(deps, projectScope(auth), params.serviceId, query),
});

const traceLogs = implement(apiRoutes.telemetry.traceLogs, {
  handler: async ({ auth, deps, params, query }) => logsOfTrace(deps, projectScope(auth), params.traceId, query.limit),
});

const errorsOfTrace = implement(apiRoutes.telemetry.traceErrors, {
  handler: async ({ auth, deps, params }) => traceErrors(deps.db, projectScope(auth), params.traceId),
});

const metricNames = implement(apiRoutes.telemetry.metricNames, {
  handler: async ({ auth, deps, params, query }) =>
    serviceMetricCatalog(deps, projectScope(auth), params.serviceId, query),
});

const metricQuery = implement(apiRoutes.telemetry.metricQuery, {
  handler: async ({ auth, deps, params, query }) =>
    serviceMetricAggregate(deps, projectScope(auth), params.serviceId, query),
});

/**
 * The telemetry query API of interface contracts section 2.3 "Observability", answered from the telemetry store, and
 * Syntra's additions for the dashboard's views (RED overview, log histogram, a trace's logs and errors, metric charts).
 */
export const telemetryQueryRoutes = [
  traces,
  traceById,
  traceSpans,
  traceSpan,
  metrics,
  logs,
  overview,
  logHistogram,
  traceLogs,
  errorsOfTrace,
  metricNames,
  metricQuery,
];
