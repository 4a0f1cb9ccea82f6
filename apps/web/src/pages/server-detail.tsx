import type { MetricSeries, ServerMetricsQuery } from "@syntra/contracts";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { PageHeader } from "../components/layout";
import { ServerAgentCard } from "../components/server-agent";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { api } from "../lib/api";
import { bytes, timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";

const RANGES: { label: string; ms: number; interval: ServerMetricsQuery["interval"] }[] = [
  { label: "1 h", ms: 3_600_000, interval: "1m" },
  { label: "6 h", ms: 6 * 3_600_000, interval: "5m" },
  { label: "24 h", ms: 24 * 3_600_000, interval: "5m" },
  { label: "7 d", ms: 7 * 24 * 3_600_000, interval: "1h" },
];

const CHARTS: { title: string; series: string[]; unit: (v: number) => string }[] = [
  { title: "CPU", series: ["cpu_percent"], unit: (v) => `${v.toFixed(0)}%` },
  { title: "Memory used", series: ["memory_used_mb"], unit: (v) => bytes(v * 1024 * 1024) },
  { title: "Disk used", series: ["disk_used_gb"], unit: (v) => `${v.toFixed(1)} GB` },
  { title: "Network (rx / tx)", series: ["network_rx_bytes", "network_tx_bytes"], unit: (v) => bytes(v) },
];
const COLORS = ["#6366f1", "#10b981"];

function Chart({
  title,
  names,
  data,
  unit,
}: {
  title: string;
  names: string[];
  data: MetricSeries[];
  unit(v: number): string;
}) {
  const byTime = new Map<string, Record<string, number | string>>();
  for (const s of data.filter((d) => names.includes(d.name))) {
    for (const p of s.points) {
      const row = byTime.get(p.timestamp) ?? {
        t: new Date(p.timestamp).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
      };
      row[s.name] = p.value;
      byTime.set(p.timestamp, row);
    }
  }
  const rows = [...byTime.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-sm">{title}</CardTitle>
      </CardHeader>
      <CardContent className="h-48">
        {rows.length === 0 ? (
          <p className="text-sm text-zinc-500">No samples in this range.</p>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ left: 0, right: 8, top: 4, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
              <XAxis dataKey="t" fontSize={11} minTickGap={24} />
              <YAxis fontSize={11} width={56} tickFormatter={unit} />
              <Tooltip formatter={(v) => unit(Number(v))} />
              {names.map((n, i) => (
                <Line
                  key={n}
                  dataKey={n}
                  stroke={COLORS[i]}
                  // A line of one or two points is hard to see; dots make the first samples visible.
                  dot={rows.length <= 2}
                  isAnimationActive={false}
                  strokeWidth={2}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        )}
      </CardContent>
    </Card>
  );
}

/** /servers/:id: the host, its agent (certificate, version, update, revoke), resource charts, the services it runs. */
export function ServerDetailPage() {
  const { serverId = "" } = useParams();
  const [range, setRange] = useState(RANGES[0] ?? { label: "1 h", ms: 3_600_000, interval: "1m" as const });
  const server = useQuery(`server:${serverId}`, () => api.servers.get({ serverId }));
  const metrics = useQuery(`server:${serverId}:metrics:${range.label}`, () =>
    api.servers.metrics({
      serverId,
      from: new Date(Date.now() - range.ms).toISOString(),
      interval: range.interval,
    }),
  );
  // Heartbeats keep coming: the charts follow them without a reload.
  const refetchMetrics = metrics.refetch;
  useEffect(() => {
    const timer = setInterval(refetchMetrics, 15_000);
    return () => clearInterval(timer);
  }, [refetchMetrics]);
  const services = useQuery(`server:${serverId}:services`, async () =>
    (await api.services.list({ server_id: serverId })).map((s) => ({ p: s.project, s })),
  );
  return (
    <QueryView query={server}>
      {(s) => (
        <>
          <PageHeader
            title={
              <span className="flex items-center gap-3">
                {s.name} <StatusBadge status={s.status} />
              </span>
            }
            description={`Last heartbeat ${timeAgo(s.last_heartbeat_at)}`}
            back={{ to: "/servers", label: "Servers" }}
          />
          <div className="flex flex-col gap-6">
            <Card>
              <CardContent className="grid grid-cols-2 gap-3 pt-4 text-sm sm:grid-cols-4 sm:pt-5">
                {[
                  ["Hostname", s.hostname],
                  ["Address", s.public_ip ?? s.private_ip],
                  ["OS", s.os_name && `${s.os_name} ${s.os_version ?? ""}`],
                  ["Arch", s.arch],
                  ["CPU", s.cpu_cores && `${s.cpu_cores} cores`],
                  ["Memory", s.memory_mb && bytes(s.memory_mb * 1024 * 1024)],
                  ["Disk", s.disk_gb && `${s.disk_gb} GB`],
                  ["Agent", s.agent_version && `${s.agent_version} · ${s.runtime} ${s.runtime_version ?? ""}`],
                ].map(([k, v]) => (
                  <div key={String(k)} className="min-w-0">
                    <p className="text-xs text-zinc-500">{k}</p>
                    <p className="truncate">{v || "—"}</p>
                  </div>
                ))}
              </CardContent>
            </Card>
            <ServerAgentCard server={s} queryKey={`server:${serverId}`} />
            <section aria-label="Resource charts" className="flex flex-col gap-3">
              <div className="flex items-center justify-between">
                <h2 className="font-semibold">Resources</h2>
                <fieldset className="flex gap-1" aria-label="Time range">
                  {RANGES.map((r) => (
                    <Button
                      key={r.label}
                      size="sm"
                      variant={r.label === range.label ? "default" : "secondary"}
                      aria-pressed={r.label === range.label}
                      onClick={() => setRange(r)}
                    >
                      {r.label}
                    </Button>
                  ))}
                </fieldset>
              </div>
              {metrics.error ? (
                <ErrorNote error={metrics.error} onRetry={metrics.refetch} />
              ) : (
                <div className="grid gap-3 md:grid-cols-2">
                  {CHARTS.map((c) => (
                    <Chart key={c.title} title={c.title} names={c.series} data={metrics.data ?? []} unit={c.unit} />
                  ))}
                </div>
              )}
            </section>
            <section className="flex flex-col gap-3">
              <h2 className="font-semibold">Services on this server</h2>
              <QueryView query={services}>
                {(list) =>
                  list.length === 0 ? (
                    <Empty title="No services run here" />
                  ) : (
                    <ul className="grid gap-2">
                      {list.map(({ p, s: svc }) => (
                        <li key={svc.id}>
                          <Link
                            className="text-indigo-600 hover:underline dark:text-indigo-400"
                            to={`/projects/${p.id}/services/${svc.id}/deployments`}
                          >
                            {p.name} / {svc.name}
                          </Link>
                        </li>
                      ))}
                    </ul>
                  )
                }
              </QueryView>
            </section>
          </div>
        </>
      )}
    </QueryView>
  );
}
