import {
  CHART_INTERVALS,
  type ChartInterval,
  CONTAINER_METRICS,
  type MetricAggregate,
  type MetricAggregation,
  type MetricCatalogEntry,
  type MetricSeries,
} from "@syntra/contracts";
import { useSearchParams } from "react-router";
import { rowsOf, SERIES_COLORS, TimeChart } from "../components/charts/time-chart";
import { QueryView } from "../components/states";
import { TelemetrySetup } from "../components/telemetry-setup";
import { TimeRangePicker } from "../components/time-range-picker";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { Select } from "../components/ui/input";
import { api } from "../lib/api";
import { type DeployMarker, useDeployMarkers } from "../lib/deploy-markers";
import { bytes, cpuPercent } from "../lib/format";
import { useQuery } from "../lib/query";
import type { ResolvedRange } from "../lib/time-range";
import { useTimeRange } from "../lib/time-range";
import { useService } from "./service";
import { ms } from "./service-overview";

/** Aggregations offered per metric type, the default first (the API refuses the others). */
const AGGREGATIONS: Record<MetricCatalogEntry["type"], MetricAggregation[]> = {
  gauge: ["avg", "min", "max", "sum"],
  counter: ["rate", "sum", "avg", "min", "max"],
  histogram: ["p95", "p50", "p99", "avg", "sum", "rate"],
};
const AGGREGATION_LABELS: Record<MetricAggregation, string> = {
  avg: "Average",
  min: "Minimum",
  max: "Maximum",
  sum: "Sum",
  rate: "Rate (per second)",
  p50: "p50",
  p95: "p95",
  p99: "p99",
};

/** A readable number for a metric's values: bytes and percents by name, durations for histograms. */
function formatterFor(name: string, aggregation: MetricAggregation): (v: number) => string {
  if (name === CONTAINER_METRICS.memory || /bytes|memory/.test(name)) return bytes;
  if (name === CONTAINER_METRICS.cpu || /percent|utilization/.test(name)) return cpuPercent;
  if (aggregation === "rate") return (v) => `${v.toPrecision(3)}/s`;
  if (/duration|latency/.test(name) && /^p\d|avg/.test(aggregation)) {
    return /_seconds|\.s$/.test(name) ? (v) => ms(v * 1000) : ms;
  }
  return (v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3));
}

/** Chart rows and series of a metric answer, one line per label value. */
function chartOf(series: MetricSeries[]) {
  const columns = series.map((s, i) => ({
    key: `s${i}`,
    name: Object.values(s.labels).join(", ") || s.name,
    points: s.points.map((p) => ({ t: Date.parse(p.timestamp), value: p.value })),
  }));
  return {
    rows: rowsOf(columns),
    series: columns.map((c, i) => ({
      key: c.key,
      name: c.name,
      color: SERIES_COLORS[i % SERIES_COLORS.length] as string,
    })),
  };
}

/** One metric's chart card (its own query). */
function MetricChart({
  serviceId,
  metric,
  aggregation,
  groupBy,
  interval,
  range,
  markers,
  title,
  height,
}: {
  serviceId: string;
  metric: string;
  aggregation?: MetricAggregation;
  groupBy?: string;
  interval: ChartInterval;
  range: ResolvedRange;
  markers: DeployMarker[];
  title?: string;
  height?: number;
}) {
  const answer = useQuery(
    `service:${serviceId}:metric:${metric}:${aggregation}:${groupBy}:${interval}:${range.query.from}:${range.query.to}`,
    () =>
      api.telemetry.metricQuery({
        serviceId,
        ...range.query,
        metric,
        interval,
        ...(aggregation && { aggregation }),
        ...(groupBy && { group_by: groupBy }),
      }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle className="truncate text-sm" title={metric}>
          {title ?? metric}
          {answer.data && (
            <span className="ml-2 text-xs font-normal text-zinc-500">
              {AGGREGATION_LABELS[answer.data.aggregation]}
            </span>
          )}
        </CardTitle>
      </CardHeader>
      <CardContent>
        <QueryView query={answer} rows={1}>
          {(a: MetricAggregate) => {
            const chart = chartOf(a.series);
            return (
              <TimeChart
                label={title ?? metric}
                {...chart}
                from={range.from}
                to={range.to}
                markers={markers}
                format={formatterFor(metric, a.aggregation)}
                height={height}
              />
            );
          }}
        </QueryView>
      </CardContent>
    </Card>
  );
}

/** The host the service runs on: CPU and memory from its agent's heartbeats. */
function HostCharts({ serverId, range, markers }: { serverId: string; range: ResolvedRange; markers: DeployMarker[] }) {
  const host = useQuery(`server:${serverId}:metrics:${range.query.from}:${range.query.to}`, () =>
    api.servers.metrics({ serverId, ...range.query, interval: range.interval }),
  );
  const pick = (name: string) => host.data?.filter((s) => s.name === name) ?? [];
  return (
    <>
      {(
        [
          ["cpu_percent", "Host CPU", (v: number) => `${v.toFixed(0)}%`],
          ["memory_used_mb", "Host memory used", (v: number) => bytes(v * 1024 * 1024)],
        ] as const
      ).map(([name, title, format]) => (
        <Card key={name}>
          <CardHeader>
            <CardTitle className="text-sm">{title}</CardTitle>
          </CardHeader>
          <CardContent>
            <TimeChart
              label={title}
              {...chartOf(pick(name))}
              from={range.from}
              to={range.to}
              markers={markers}
              format={format}
            />
          </CardContent>
        </Card>
      ))}
    </>
  );
}

/** The Metrics tab: any metric of the service, rolled up, aggregated and split by a label; containers and host beside. */
export function ServiceMetricsPage() {
  const { service, projectId } = useService();
  const time = useTimeRange();
  const { range } = time;
  const [params, setParams] = useSearchParams();
  const markers = useDeployMarkers(service.id, projectId, range);
  const catalog = useQuery(`service:${service.id}:metric-names:${range.query.from}:${range.query.to}`, () =>
    api.telemetry.metricNames({ serviceId: service.id, ...range.query }),
  );
  const set = (name: string, value: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (value) next.set(name, value);
      else next.delete(name);
      if (name === "metric") {
        next.delete("agg");
        next.delete("by");
      }
      return next;
    });
  const interval = (params.get("interval") as ChartInterval | null) ?? range.interval;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-zinc-500">The app's metrics, its containers' and its server's.</p>
        <div className="flex flex-wrap items-center gap-2">
          <Select
            aria-label="Interval"
            className="w-auto"
            value={params.get("interval") ?? ""}
            onChange={(e) => set("interval", e.target.value)}
          >
            <option value="">Auto ({range.interval})</option>
            {Object.keys(CHART_INTERVALS).map((i) => (
              <option key={i} value={i}>
                Every {i}
              </option>
            ))}
          </Select>
          <TimeRangePicker time={time} />
        </div>
      </div>
      <QueryView query={catalog}>
        {(entries) => {
          const app = entries.filter((m) => m.source === "app");
          const chosen = app.find((m) => m.name === params.get("metric")) ?? app[0];
          const aggregation = (params.get("agg") as MetricAggregation | null) ?? undefined;
          const groupBy = params.get("by") ?? undefined;
          return (
            <>
              <section aria-label="App metrics" className="flex flex-col gap-3">
                {!chosen ? (
                  <TelemetrySetup serviceId={service.id} what="app metrics" />
                ) : (
                  <>
                    <div className="flex flex-wrap items-center gap-2">
                      <Select
                        aria-label="Metric"
                        className="w-auto max-w-full"
                        value={chosen.name}
                        onChange={(e) => set("metric", e.target.value)}
                      >
                        {app.map((m) => (
                          <option key={m.name} value={m.name}>
                            {m.name} ({m.type})
                          </option>
                        ))}
                      </Select>
                      <Select
                        aria-label="Aggregation"
                        className="w-auto"
                        value={aggregation ?? AGGREGATIONS[chosen.type][0]}
                        onChange={(e) => set("agg", e.target.value)}
                      >
                        {AGGREGATIONS[chosen.type].map((a) => (
                          <option key={a} value={a}>
                            {AGGREGATION_LABELS[a]}
                          </option>
                        ))}
                      </Select>
                      <Select
                        aria-label="Split by"
                        className="w-auto"
                        value={groupBy ?? ""}
                        onChange={(e) => set("by", e.target.value)}
                      >
                        <option value="">All series together</option>
                        {chosen.label_keys.map((k) => (
                          <option key={k} value={k}>
                            By {k}
                          </option>
                        ))}
                      </Select>
                      <span className="text-xs text-zinc-500">{chosen.series} series</span>
                    </div>
                    <MetricChart
                      serviceId={service.id}
                      metric={chosen.name}
                      aggregation={aggregation}
                      groupBy={groupBy}
                      interval={interval}
                      range={range}
                      markers={markers}
                      height={260}
                    />
                  </>
                )}
              </section>
              <section aria-label="Containers and host" className="grid gap-4 lg:grid-cols-2">
                <MetricChart
                  serviceId={service.id}
                  metric={CONTAINER_METRICS.cpu}
                  groupBy="container.id"
                  interval={interval}
                  range={range}
                  markers={markers}
                  title="Container CPU"
                />
                <MetricChart
                  serviceId={service.id}
                  metric={CONTAINER_METRICS.memory}
                  groupBy="container.id"
                  interval={interval}
                  range={range}
                  markers={markers}
                  title="Container memory"
                />
                {service.server_id && <HostCharts serverId={service.server_id} range={range} markers={markers} />}
              </section>
            </>
          );
        }}
      </QueryView>
    </div>
  );
}
