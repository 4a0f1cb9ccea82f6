import {
  type AIAnomalyBand,
  CONTAINER_METRICS,
  type MetricAggregate,
  type ServiceRedOverview,
} from "@syntra/contracts";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { AnomalyCard } from "../components/anomaly-card";
import { type ChartBand, rowsOf, SERIES_COLORS, TimeChart } from "../components/charts/time-chart";
import { ResourceRecommendations } from "../components/resource-recommendations";
import { QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { TelemetrySetup } from "../components/telemetry-setup";
import { TimeRangePicker } from "../components/time-range-picker";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { api } from "../lib/api";
import { type DeployMarker, useDeployMarkers } from "../lib/deploy-markers";
import { bytes, cpuPercent, timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";
import { type ResolvedRange, rangeSearch, useTimeRange } from "../lib/time-range";
import { useService } from "./service";

/** "12.3 ms", "1.24 s". */
export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (v === 0) return "0 ms";
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 1000) return `${v.toFixed(v < 10 ? 1 : 0)} ms`;
  return `${(v / 1000).toFixed(2)} s`;
}
const percent = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
const perSecond = (v: number) => (v >= 100 ? `${v.toFixed(0)}/s` : `${v.toPrecision(2)}/s`);

function Stat({ label, value, hint, tone }: { label: string; value: string; hint?: ReactNode; tone?: "bad" }) {
  return (
    <Card className="p-4">
      <p className="text-xs font-medium text-zinc-500">{label}</p>
      <p className={`mt-1 text-2xl font-semibold tabular-nums ${tone === "bad" ? "text-red-600" : ""}`}>{value}</p>
      {hint && <p className="mt-1 text-xs text-zinc-500">{hint}</p>}
    </Card>
  );
}

function ChartCard({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Card>
      <CardHeader className="flex-row items-center justify-between">
        <CardTitle className="text-sm">{title}</CardTitle>
        {action}
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

/** The RED signals the anomaly detector judges, as the overview's charts show them. */
type RedSignal = "request_rate" | "error_rate" | "latency_p95";

/**
 * A chart's band from the detector's answer: its lower/upper columns (scaled to the chart's unit, e.g. requests per
 * 5 minutes to per second) and its anomalies. Without an answer the chart has no band.
 */
function bandOf(
  answer: AIAnomalyBand | undefined,
  range: ResolvedRange,
  scale = 1,
): { columns: Column[]; band?: ChartBand } {
  // Only steps with a band within the page's range: a learning detector adds nothing to the chart.
  const points = (answer?.points ?? [])
    .map((p) => ({ ...p, t: Date.parse(p.timestamp) }))
    .filter((p) => p.lower !== null && p.upper !== null && p.t >= range.from.getTime() && p.t <= range.to.getTime());
  if (!answer || points.length === 0) return { columns: [] };
  const column = (key: "lower" | "upper") => ({
    key: `band_${key}`,
    points: points.map((p) => ({ t: p.t, value: (p[key] ?? 0) * scale })),
  });
  return {
    columns: [column("lower"), column("upper")],
    band: {
      lowerKey: "band_lower",
      upperKey: "band_upper",
      name: "expected",
      anomalies: answer.anomalies.map((a) => ({ from: Date.parse(a.from), to: Date.parse(a.to) })),
    },
  };
}

type Column = { key: string; points: { t: number; value: number | null }[] };

/**
 * RED charts: requests per second, error rate, latency percentiles, with the deploy markers and the anomaly
 * detector's expected band (p95 latency's on the latency chart) with its anomalies marked.
 */
function RedCharts({
  red,
  range,
  markers,
  bands,
}: {
  red: ServiceRedOverview;
  range: ResolvedRange;
  markers: DeployMarker[];
  bands: Partial<Record<RedSignal, AIAnomalyBand>>;
}) {
  const points = red.series.map((p) => ({ ...p, t: Date.parse(p.timestamp) }));
  const col = (key: string, pick: (p: ServiceRedOverview["series"][number]) => number | null) => ({
    key,
    points: points.map((p) => ({ t: p.t, value: pick(p) })),
  });
  const span = { from: range.from, to: range.to, markers };
  const requests = bandOf(bands.request_rate, range, 1 / (bands.request_rate?.step_seconds ?? 300));
  const errors = bandOf(bands.error_rate, range);
  const latency = bandOf(bands.latency_p95, range);
  return (
    <>
      <ChartCard title="Requests">
        <TimeChart
          label="Requests per second"
          {...span}
          rows={rowsOf([col("rate", (p) => p.rate_per_second), ...requests.columns])}
          band={requests.band}
          series={[{ key: "rate", name: "requests/s", color: SERIES_COLORS[0] as string }]}
          format={perSecond}
          kind="area"
        />
      </ChartCard>
      <ChartCard title="Error rate">
        <TimeChart
          label="Error rate"
          {...span}
          rows={rowsOf([col("errors", (p) => p.error_rate), ...errors.columns])}
          band={errors.band}
          series={[{ key: "errors", name: "error rate", color: "#ef4444" }]}
          format={percent}
          kind="area"
        />
      </ChartCard>
      <ChartCard title="Latency">
        <TimeChart
          label="Latency percentiles"
          {...span}
          rows={rowsOf([
            col("p50", (p) => p.p50_ms),
            col("p95", (p) => p.p95_ms),
            col("p99", (p) => p.p99_ms),
            ...latency.columns,
          ])}
          band={latency.band}
          series={[
            { key: "p50", name: "p50", color: SERIES_COLORS[1] as string },
            { key: "p95", name: "p95", color: SERIES_COLORS[2] as string },
            { key: "p99", name: "p99", color: SERIES_COLORS[3] as string },
          ]}
          format={ms}
        />
      </ChartCard>
    </>
  );
}

/** A container metric (CPU or memory), one line per container. */
function ContainerChart({
  answer,
  range,
  markers,
  format,
  title,
}: {
  answer: MetricAggregate | undefined;
  range: ResolvedRange;
  markers: DeployMarker[];
  format(v: number): string;
  title: string;
}) {
  const series = answer?.series ?? [];
  const columns = series.map((s, i) => ({
    key: `c${i}`,
    name: s.labels["container.id"] ?? "container",
    points: s.points.map((p) => ({ t: Date.parse(p.timestamp), value: p.value })),
  }));
  return (
    <ChartCard title={title}>
      <TimeChart
        label={title}
        from={range.from}
        to={range.to}
        markers={markers}
        rows={rowsOf(columns)}
        series={columns.map((c, i) => ({
          key: c.key,
          name: c.name,
          color: SERIES_COLORS[i % SERIES_COLORS.length] as string,
        }))}
        format={format}
        empty="No running container reported in this range."
      />
    </ChartCard>
  );
}

/** The detector's bands of the RED signals over the page's range (it answers for the last N hours, at most 7 days). */
function useRedBands(serviceId: string, range: ResolvedRange): Partial<Record<RedSignal, AIAnomalyBand>> {
  const hours = Math.min(168, Math.max(1, Math.ceil((Date.now() - range.from.getTime()) / 3_600_000)));
  const key = (signal: RedSignal) => `service:${serviceId}:anomalies:${signal}:${hours}`;
  // The charts draw the ranges only; the anomaly card shows the explanations.
  const get = (signal: RedSignal) => () => api.ai.anomalies({ serviceId, signal, hours, explain: "false" });
  const requests = useQuery(key("request_rate"), get("request_rate"));
  const errors = useQuery(key("error_rate"), get("error_rate"));
  const latency = useQuery(key("latency_p95"), get("latency_p95"));
  return { request_rate: requests.data, error_rate: errors.data, latency_p95: latency.data };
}

/** The service's first tab: is it healthy, and did the last deploy change that? */
export function ServiceOverviewPage() {
  const { service, projectId } = useService();
  const time = useTimeRange();
  const { range } = time;
  const key = `${service.id}:${range.query.from}:${range.query.to}`;
  const red = useQuery(`service:${service.id}:overview:${key}`, () =>
    api.telemetry.overview({ serviceId: service.id, ...range.query, interval: range.interval }),
  );
  const container = (metric: string) =>
    api.telemetry.metricQuery({
      serviceId: service.id,
      ...range.query,
      interval: range.interval,
      metric,
      group_by: "container.id",
    });
  const cpu = useQuery(`service:${service.id}:cpu:${key}`, () => container(CONTAINER_METRICS.cpu));
  const memory = useQuery(`service:${service.id}:memory:${key}`, () => container(CONTAINER_METRICS.memory));
  const issues = useQuery(`service:${service.id}:open-issues`, () =>
    api.issues.list({ projectId, service_id: service.id, status: "unresolved", limit: 5 }),
  );
  const markers = useDeployMarkers(service.id, projectId, range);
  const bands = useRedBands(service.id, range);
  const base = `/projects/${projectId}/services/${service.id}`;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-zinc-500">Server spans (RED), its containers, open issues and deployments.</p>
        <TimeRangePicker time={time} />
      </div>
      <QueryView query={red}>
        {(o) => (
          <>
            <div className="grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="red-summary">
              <Stat
                label="Requests"
                value={perSecond(o.summary.rate_per_second)}
                hint={`${o.summary.requests} in range`}
              />
              <Stat
                label="Error rate"
                value={percent(o.summary.error_rate)}
                hint={`${o.summary.errors} failed`}
                tone={o.summary.error_rate > 0.01 ? "bad" : undefined}
              />
              <Stat
                label="Latency p95"
                value={ms(o.summary.p95_ms)}
                hint={`p50 ${ms(o.summary.p50_ms)} · p99 ${ms(o.summary.p99_ms)}`}
              />
              <Stat
                label="Open issues"
                value={issues.data ? String(issues.data.length === 5 ? "5+" : issues.data.length) : "…"}
                hint={<Link to={`/projects/${projectId}/issues?service_id=${service.id}`}>See issues</Link>}
              />
            </div>
            {o.summary.requests === 0 && <TelemetrySetup serviceId={service.id} what="requests (server spans)" />}
            <div className="grid gap-4 lg:grid-cols-2">
              <RedCharts red={o} range={range} markers={markers} bands={bands} />
              <AnomalyCard serviceId={service.id} base={base} markers={markers} />
              <ContainerChart
                title="CPU per container"
                answer={cpu.data}
                range={range}
                markers={markers}
                format={cpuPercent}
              />
              <ContainerChart
                title="Memory per container"
                answer={memory.data}
                range={range}
                markers={markers}
                format={bytes}
              />
              <ResourceRecommendations serviceId={service.id} />
            </div>
            {o.operations.length > 0 && (
              <Card>
                <CardHeader>
                  <CardTitle className="text-sm">Operations</CardTitle>
                </CardHeader>
                <CardContent className="overflow-x-auto">
                  <table className="w-full text-sm" aria-label="Operations">
                    <thead className="text-left text-xs text-zinc-500">
                      <tr>
                        <th className="py-1 pr-3 font-medium">Operation</th>
                        <th className="py-1 pr-3 text-right font-medium">Requests</th>
                        <th className="py-1 pr-3 text-right font-medium">Errors</th>
                        <th className="py-1 pr-3 text-right font-medium">p50</th>
                        <th className="py-1 pr-3 text-right font-medium">p95</th>
                        <th className="py-1 text-right font-medium">p99</th>
                      </tr>
                    </thead>
                    <tbody className="tabular-nums">
                      {o.operations.map((op) => (
                        <tr key={op.operation} className="border-t border-zinc-100 dark:border-zinc-800">
                          <td className="max-w-xs truncate py-1.5 pr-3">
                            <Link
                              className="text-indigo-600 hover:underline dark:text-indigo-400"
                              to={`${base}/traces?${rangeSearch(range)}&operation=${encodeURIComponent(op.operation)}`}
                            >
                              {op.operation}
                            </Link>
                          </td>
                          <td className="py-1.5 pr-3 text-right">{Math.round(op.requests)}</td>
                          <td className={`py-1.5 pr-3 text-right ${op.errors > 0 ? "text-red-600" : ""}`}>
                            {percent(op.error_rate)}
                          </td>
                          <td className="py-1.5 pr-3 text-right">{ms(op.p50_ms)}</td>
                          <td className="py-1.5 pr-3 text-right">{ms(op.p95_ms)}</td>
                          <td className="py-1.5 text-right">{ms(op.p99_ms)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </CardContent>
              </Card>
            )}
          </>
        )}
      </QueryView>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle className="text-sm">Open issues</CardTitle>
          </CardHeader>
          <CardContent>
            <QueryView query={issues} rows={2}>
              {(list) =>
                list.length === 0 ? (
                  <p className="text-sm text-zinc-500">No open issues.</p>
                ) : (
                  <ul className="flex flex-col gap-2 text-sm" aria-label="Open issues">
                    {list.map((issue) => (
                      <li key={issue.id} className="flex items-center justify-between gap-3">
                        <Link
                          to={`/issues/${issue.id}`}
                          className="truncate text-indigo-600 hover:underline dark:text-indigo-400"
                        >
                          {issue.title}
                        </Link>
                        <span className="shrink-0 text-xs text-zinc-500">
                          {issue.event_count} · {timeAgo(issue.last_seen_at)}
                        </span>
                      </li>
                    ))}
                  </ul>
                )
              }
            </QueryView>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle className="text-sm">Recent deployments</CardTitle>
          </CardHeader>
          <CardContent>
            {service.recent_deployments.length === 0 ? (
              <p className="text-sm text-zinc-500">Not deployed yet.</p>
            ) : (
              <ul className="flex flex-col gap-2 text-sm" aria-label="Recent deployments">
                {service.recent_deployments.slice(0, 5).map((d) => (
                  <li key={d.id} className="flex items-center justify-between gap-3">
                    <Link
                      to={`${base}/deployments?d=${d.id}`}
                      className="truncate font-mono text-xs text-indigo-600 hover:underline dark:text-indigo-400"
                    >
                      {d.git_commit_sha?.slice(0, 7) ?? d.image ?? d.id.slice(0, 8)}
                    </Link>
                    <span className="flex shrink-0 items-center gap-2 text-xs text-zinc-500">
                      <StatusBadge status={d.status} /> {timeAgo(d.created_at)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
