import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { getTraceById, listTraces, serviceLogs, serviceMetrics } from "./queries";

const traces = implement(apiRoutes.telemetry.traces, {
  handler: async ({ auth, deps, params, query }) => listTraces(deps, projectScope(auth), params.serviceId, query),
});

const traceById = implement(apiRoutes.telemetry.trace, {
  handler: async ({ auth, deps, params }) => getTraceById(deps, projectScope(auth), params.traceId),
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

/** The telemetry query API of interface contracts section 2.3 "Observability", answered from the telemetry store. */
export const telemetryQueryRoutes = [traces, traceById, metrics, logs];
