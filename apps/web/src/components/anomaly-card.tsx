import type { AIAnomalyBand } from "@syntra/contracts";
import { useState } from "react";
import { api } from "../lib/api";
import type { DeployMarker } from "../lib/deploy-markers";
import { useQuery } from "../lib/query";
import { AnomalyExplanations } from "./anomaly-explanations";
import { rowsOf, TimeChart } from "./charts/time-chart";
import { Badge } from "./ui/badge";
import { Button } from "./ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "./ui/card";

type Signal = AIAnomalyBand["signal"];

const SIGNALS: { key: Signal; label: string; format(v: number): string }[] = [
  { key: "error_rate", label: "Error rate", format: (v) => `${(v * 100).toFixed(1)}%` },
  { key: "latency_p95", label: "p95 latency", format: (v) => `${Math.round(v)} ms` },
  { key: "request_rate", label: "Requests", format: (v) => `${Math.round(v)}/5 min` },
  { key: "cpu", label: "CPU", format: (v) => `${v.toFixed(1)}%` },
  { key: "memory", label: "Memory", format: (v) => `${Math.round(v / 1024 / 1024)} MiB` },
];

const STATE_TONE = { learning: "neutral", normal: "green", deviation: "amber", anomaly: "red" } as const;

/**
 * The anomaly detector's view of a service over the last 24 hours: the signal, its expected value and normal band
 * (what the `anomaly` alert type judges against), the state now, and each anomaly with its explanation (the
 * likeliest cause, the deployments, issues and traces of its window).
 */
export function AnomalyCard({
  serviceId,
  base,
  markers,
}: {
  serviceId: string;
  /** The service's page path, for the explanations' links. */
  base: string;
  markers: DeployMarker[];
}) {
  const [signal, setSignal] = useState<Signal>("error_rate");
  const query = useQuery(`service:${serviceId}:anomalies:${signal}`, () =>
    api.ai.anomalies({ serviceId, signal, hours: 24 }),
  );
  const meta = SIGNALS.find((s) => s.key === signal) ?? SIGNALS[0];
  const band = query.data;
  const to = band?.points.at(-1) ? new Date(Date.parse(band.points.at(-1)?.timestamp ?? "") + 300_000) : new Date();
  const from = new Date(to.getTime() - 24 * 3_600_000);
  const col = (key: "value" | "expected" | "lower" | "upper") => ({
    key,
    points: (band?.points ?? []).map((p) => ({ t: Date.parse(p.timestamp), value: p[key] })),
  });
  return (
    <Card data-testid="anomaly-card">
      <CardHeader className="flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle className="flex items-center gap-2 text-sm">
          Anomaly detector
          {band && (
            <Badge tone={STATE_TONE[band.state]} data-testid="anomaly-state">
              {band.state}
            </Badge>
          )}
          {band && band.anomalies.length > 0 && <Badge tone="red">{band.anomalies.length} in 24 h</Badge>}
        </CardTitle>
        <div className="flex gap-1">
          {SIGNALS.map((s) => (
            <Button
              key={s.key}
              size="sm"
              variant={s.key === signal ? "secondary" : "ghost"}
              onClick={() => setSignal(s.key)}
            >
              {s.label}
            </Button>
          ))}
        </div>
      </CardHeader>
      <CardContent>
        {query.error != null ? (
          <p className="text-sm text-zinc-500">The detector's view could not be loaded.</p>
        ) : (
          <TimeChart
            // Not the signal's name: the page's own charts are found by theirs ("Error rate").
            label="Anomaly detector band"
            from={from}
            to={to}
            markers={markers}
            rows={rowsOf([col("value"), col("expected"), col("lower"), col("upper")])}
            series={[
              { key: "value", name: meta?.label ?? signal, color: "#ef4444" },
              { key: "expected", name: "expected", color: "#6366f1" },
              { key: "lower", name: "band low", color: "#c7d2fe" },
              { key: "upper", name: "band high", color: "#c7d2fe" },
            ]}
            format={meta?.format}
            empty={
              band?.state === "learning" ? (
                <p className="text-sm text-zinc-500">Learning: the detector needs 7 days of history.</p>
              ) : undefined
            }
          />
        )}
        {band && <AnomalyExplanations anomalies={band.anomalies} base={base} />}
      </CardContent>
    </Card>
  );
}
