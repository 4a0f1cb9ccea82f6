import type { ServiceOverview } from "@syntra/contracts";
import { useState } from "react";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AlertsNav } from "../components/alerts-nav";
import { PageHeader } from "../components/layout";
import { Monitors } from "../components/monitors";
import { Empty, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { api } from "../lib/api";
import { timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";

const PERIODS = ["24h", "7d", "30d", "90d"] as const;
type Period = (typeof PERIODS)[number];

const pct = (v: number | null) => (v === null ? "—" : `${v}%`);

function ServiceUptimeCard({ service }: { service: ServiceOverview }) {
  const [period, setPeriod] = useState<Period>("24h");
  const query = useQuery(`uptime:${service.id}:${period}`, () =>
    api.statusPages.serviceUptime({ serviceId: service.id, period }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex flex-wrap items-center justify-between gap-2">
          <span>
            {service.project.name} / {service.name}
          </span>
          <span className="flex gap-1">
            {PERIODS.map((p) => (
              <Button key={p} size="sm" variant={p === period ? "default" : "secondary"} onClick={() => setPeriod(p)}>
                {p}
              </Button>
            ))}
          </span>
        </CardTitle>
      </CardHeader>
      <CardContent>
        <QueryView query={query}>
          {(u) => (
            <div className="grid gap-3">
              <div className="flex flex-wrap gap-4 text-sm">
                {PERIODS.map((p) => (
                  <span key={p}>
                    <span className="text-zinc-500">{p}</span> <strong>{pct(u.uptime[p])}</strong>
                  </span>
                ))}
                {u.latest && (
                  <Badge tone={u.latest.is_healthy ? "green" : "red"}>
                    {u.latest.is_healthy ? "up" : `down (${u.consecutive_failures} failed)`} ·{" "}
                    {timeAgo(u.latest.checked_at)}
                  </Badge>
                )}
              </div>
              {u.points.length === 0 ? (
                <p className="text-sm text-zinc-500">No health checks in this period.</p>
              ) : (
                <div className="h-48" role="img" aria-label="Response time">
                  <ResponsiveContainer width="100%" height="100%">
                    <LineChart data={u.points.map((p) => ({ ...p, t: new Date(p.at).toLocaleString() }))}>
                      <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                      <XAxis dataKey="t" hide />
                      <YAxis unit=" ms" width={70} />
                      <Tooltip />
                      <Line type="monotone" dataKey="avg_response_ms" name="avg" stroke="#4f46e5" dot={false} />
                      <Line type="monotone" dataKey="max_response_ms" name="max" stroke="#f59e0b" dot={false} />
                    </LineChart>
                  </ResponsiveContainer>
                </div>
              )}
            </div>
          )}
        </QueryView>
      </CardContent>
    </Card>
  );
}

/** /uptime: each service's rolling uptime and response times from its health checks. */
export function UptimePage() {
  const query = useQuery("services:all", () => api.services.list({}));
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Uptime monitors run by your servers' agents, and your services' health checks (kept 90 days)."
      />
      <AlertsNav />
      <Monitors />
      <h2 className="mb-3 text-lg font-semibold">Services</h2>
      <QueryView query={query}>
        {(services) =>
          services.length === 0 ? (
            <Empty title="No services yet" />
          ) : (
            <div className="grid gap-4">
              {services.map((s) => (
                <ServiceUptimeCard key={s.id} service={s} />
              ))}
            </div>
          )
        }
      </QueryView>
    </>
  );
}
