import {
  CHART_INTERVALS,
  type ChartInterval,
  chartIntervalFor,
  type LogHistogram,
  type LogHistogramQuery,
  type MetricAggregate,
  type MetricAggregateQuery,
  type MetricAggregation,
  type MetricCatalogEntry,
  type ServiceLogEntry,
  type ServiceOverviewQuery,
  type ServiceRedOverview,
  splitAttributeFilter,
} from "@syntra/contracts";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { rangeOf, storeScope, visibleToScope } from "./queries";
import type { MetricType, TimeRange } from "./store/types";

// The query APIs behind the dashboard's observability views: RED figures, log counts, a trace's logs, metric charts.

const HOUR = 3_600_000;
/** At most this many intervals per chart; a longer range needs a coarser interval. */
const MAX_POINTS = 1440;

/** The interval asked for, or the one the range calls for; VALIDATION_ERROR when it makes too many points. */
function intervalOf(range: TimeRange, asked: ChartInterval | undefined): ChartInterval {
  const span = range.to.getTime() - range.from.getTime();
  const interval = asked ?? chartIntervalFor(span);
  const points = Math.ceil(span / 1000 / CHART_INTERVALS[interval]);
  if (points > MAX_POINTS) {
    throw new AppError(
      "VALIDATION_ERROR",
      `The range holds ${points} intervals of ${interval}; at most ${MAX_POINTS}: use a larger interval or a shorter range`,
      [{ path: "query.interval", message: `too fine for this range (at most ${MAX_POINTS} points)` }],
    );
  }
  return interval;
}

/** A service's RED figures over a range (default the last hour): GET /services/:id/overview. */
export async function serviceOverview(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: ServiceOverviewQuery,
): Promise<ServiceRedOverview> {
  const target = await storeScope(deps, scope, serviceId);
  const range = rangeOf(deps, query, HOUR);
  const interval = intervalOf(range, query.interval);
  const red = await deps.telemetry.serviceRed(target, { ...range, intervalSeconds: CHART_INTERVALS[interval] });
  return { from: range.from.toISOString(), to: range.to.toISOString(), interval, ...red };
}

/** Counts of a log search per interval and level (default the last 24 h): GET /services/:id/logs/histogram. */
export async function serviceLogHistogram(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: LogHistogramQuery,
): Promise<LogHistogram> {
  const target = await storeScope(deps, scope, serviceId);
  const range = rangeOf(deps, query, 24 * HOUR);
  const interval = intervalOf(range, query.interval);
  const counts = await deps.telemetry.logHistogram(target, {
    ...range,
    minLevel: query.level,
    search: query.search,
    attributes: query.attribute?.map(splitAttributeFilter),
    intervalSeconds: CHART_INTERVALS[interval],
  });
  return { from: range.from.toISOString(), to: range.to.toISOString(), interval, ...counts };
}

/** The log records of a trace the caller may see, oldest first: GET /traces/:traceId/logs. */
export async function logsOfTrace(
  deps: AppDeps,
  scope: ProjectScope,
  traceId: string,
  limit: number,
): Promise<ServiceLogEntry[]> {
  return visibleToScope(deps, scope, await deps.telemetry.traceLogs(scope.orgId, traceId, limit));
}

/** The metrics a service sent (default the last 24 h): GET /services/:id/metrics/names. */
export async function serviceMetricCatalog(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: { from?: string | undefined; to?: string | undefined },
): Promise<MetricCatalogEntry[]> {
  const target = await storeScope(deps, scope, serviceId);
  return deps.telemetry.metricCatalog(target, rangeOf(deps, query, 24 * HOUR));
}

/** Aggregations that apply to each type; the first is the default. */
const AGGREGATIONS: Record<MetricType, MetricAggregation[]> = {
  gauge: ["avg", "min", "max", "sum"],
  counter: ["rate", "sum", "avg", "min", "max"],
  histogram: ["p95", "p50", "p99", "avg", "sum", "rate"],
};

/** One metric's chart (default the last hour): GET /services/:id/metrics/query. */
export async function serviceMetricAggregate(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: MetricAggregateQuery,
): Promise<MetricAggregate> {
  const target = await storeScope(deps, scope, serviceId);
  const range = rangeOf(deps, query, HOUR);
  const interval = intervalOf(range, query.interval);
  const catalog = await deps.telemetry.metricCatalog(target, range);
  const type = catalog.find((m) => m.name === query.metric)?.type ?? null;
  if (type === null) {
    return { metric: query.metric, type, interval, aggregation: query.aggregation ?? "avg", series: [] };
  }
  const allowed = AGGREGATIONS[type];
  const aggregation = query.aggregation ?? (allowed[0] as MetricAggregation);
  if (!allowed.includes(aggregation)) {
    throw new AppError("VALIDATION_ERROR", `${query.metric} is a ${type}: aggregate it by ${allowed.join(", ")}`, [
      { path: "query.aggregation", message: `not for a ${type} (use ${allowed.join(", ")})` },
    ]);
  }
  const result = await deps.telemetry.metricAggregate(target, {
    ...range,
    metric: query.metric,
    type,
    intervalSeconds: CHART_INTERVALS[interval],
    aggregation,
    groupBy: query.group_by,
  });
  return { metric: query.metric, type, interval, aggregation, series: result.series };
}
