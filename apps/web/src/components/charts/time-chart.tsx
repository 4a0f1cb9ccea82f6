import type { ReactNode } from "react";
import { useNavigate } from "react-router";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { DeployMarker } from "../../lib/deploy-markers";

/** One line (or area, or bar stack) of a chart. */
export interface ChartSeries {
  key: string;
  name: string;
  color: string;
}

/**
 * An expected range drawn behind a chart's series (the anomaly detector's band): the shaded area between two columns
 * of the rows, and time ranges marked as anomalies.
 */
export interface ChartBand {
  lowerKey: string;
  upperKey: string;
  /** The band's name in the legend and tooltip, e.g. "expected". */
  name: string;
  color?: string;
  /** Ranges to mark, epoch milliseconds. */
  anomalies?: { from: number; to: number }[];
}

/** A row of a time chart: `t` in epoch milliseconds and a value per series key. */
export type ChartRow = { t: number } & Record<string, number | null>;

/** Colors of series, in order (indigo, emerald, amber, rose, sky, violet, lime, orange). */
export const SERIES_COLORS = ["#6366f1", "#10b981", "#f59e0b", "#f43f5e", "#0ea5e9", "#8b5cf6", "#84cc16", "#f97316"];

const MARKER_COLOR: Partial<Record<DeployMarker["status"], string>> = {
  running: "#10b981",
  failed: "#ef4444",
  rolled_back: "#ef4444",
};

/** A time tick: hours and minutes within two days, else the date. */
export function tickFormat(spanMs: number) {
  return (t: number) =>
    spanMs <= 2 * 86_400_000
      ? new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : new Date(t).toLocaleDateString([], { month: "short", day: "numeric" });
}

/** A deployment's flag on the chart: a dashed line with a clickable label opening the deployment. */
export function Marker({ marker, onOpen }: { marker: DeployMarker; onOpen(href: string): void }) {
  const color = MARKER_COLOR[marker.status] ?? "#71717a";
  return (
    <ReferenceLine
      x={marker.at}
      stroke={color}
      strokeDasharray="4 3"
      ifOverflow="hidden"
      label={({ viewBox }: { viewBox?: { x?: number; y?: number } }) => (
        // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>; it takes focus and Enter
        <g
          role="button"
          tabIndex={0}
          data-testid="deploy-marker"
          data-deployment={marker.id}
          aria-label={`Deployment ${marker.label} (${marker.status})`}
          style={{ cursor: "pointer" }}
          onClick={() => onOpen(marker.href)}
          onKeyDown={(e) => {
            if (e.key === "Enter") onOpen(marker.href);
          }}
        >
          <title>{`Deployment ${marker.label}: ${marker.status}, ${new Date(marker.at).toLocaleString()}`}</title>
          <rect x={(viewBox?.x ?? 0) - 7} y={(viewBox?.y ?? 0) - 2} width={14} height={14} rx={3} fill={color} />
          <text
            x={viewBox?.x ?? 0}
            y={(viewBox?.y ?? 0) + 9}
            fontSize={9}
            fill="#fff"
            textAnchor="middle"
            pointerEvents="none"
          >
            D
          </text>
        </g>
      )}
    />
  );
}

/** A tooltip value: a band's [low, high] as a range, a number in the chart's format. */
function tooltipValue(v: unknown, format: (v: number) => string): string {
  if (Array.isArray(v)) return v.map((x) => format(Number(x))).join(" – ");
  return typeof v === "number" ? format(v) : String(v);
}

/**
 * A chart over the page's time range (the x axis spans exactly from..to, so every chart of a page lines up) with the
 * service's deploy markers. Lines by default, areas or stacked bars on request; lines and areas may carry a band
 * (an expected range shaded behind them, anomalies marked).
 */
export function TimeChart({
  rows,
  series,
  from,
  to,
  markers = [],
  format = (v) => String(v),
  kind = "line",
  height = 180,
  empty,
  label,
  band,
}: {
  rows: ChartRow[];
  series: ChartSeries[];
  from: Date;
  to: Date;
  markers?: DeployMarker[];
  format?(v: number): string;
  kind?: "line" | "area" | "bar";
  height?: number;
  empty?: ReactNode;
  label: string;
  band?: ChartBand;
}) {
  const navigate = useNavigate();
  const span = to.getTime() - from.getTime();
  const common = {
    data: rows,
    margin: { top: 16, right: 12, bottom: 0, left: 0 },
  };
  const axes = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" vertical={false} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={[from.getTime(), to.getTime()]}
        tickFormatter={tickFormat(span)}
        fontSize={11}
        minTickGap={40}
        allowDataOverflow
      />
      <YAxis fontSize={11} width={56} tickFormatter={(v: number) => format(v)} allowDecimals />
      <Tooltip
        labelFormatter={(t) => new Date(Number(t)).toLocaleString()}
        formatter={(v) => tooltipValue(v, format)}
      />
      {series.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
      {markers.map((m) => (
        <Marker key={m.id} marker={m} onOpen={navigate} />
      ))}
    </>
  );
  const areas = series.map((s) => (
    <Area
      key={s.key}
      dataKey={s.key}
      name={s.name}
      stroke={s.color}
      fill={s.color}
      fillOpacity={0.15}
      isAnimationActive={false}
      connectNulls
    />
  ));
  const lines = series.map((s) => (
    <Line
      key={s.key}
      dataKey={s.key}
      name={s.name}
      stroke={s.color}
      dot={rows.length < 3}
      strokeWidth={1.5}
      isAnimationActive={false}
      connectNulls
    />
  ));
  const bandColor = band?.color ?? "#a1a1aa";
  const body =
    kind === "bar" ? (
      <BarChart {...common}>
        {axes}
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.name} stackId="1" fill={s.color} isAnimationActive={false} />
        ))}
      </BarChart>
    ) : band ? (
      // The band first, so the series draw over it; gaps (the detector still learning) stay gaps.
      <ComposedChart {...common}>
        {axes}
        {(band.anomalies ?? []).map((a) => (
          <ReferenceArea
            key={a.from}
            x1={a.from}
            x2={a.to}
            fill="#ef4444"
            fillOpacity={0.12}
            stroke="#ef4444"
            strokeOpacity={0.3}
            ifOverflow="hidden"
          />
        ))}
        <Area
          dataKey={(r: ChartRow) => {
            const low = r[band.lowerKey];
            const high = r[band.upperKey];
            return low == null || high == null ? null : [low, high];
          }}
          name={band.name}
          stroke="none"
          fill={bandColor}
          fillOpacity={0.25}
          isAnimationActive={false}
          activeDot={false}
        />
        {kind === "area" ? areas : lines}
      </ComposedChart>
    ) : kind === "area" ? (
      <AreaChart {...common}>
        {axes}
        {areas}
      </AreaChart>
    ) : (
      <LineChart {...common}>
        {axes}
        {lines}
      </LineChart>
    );
  return (
    <figure aria-label={label} className="relative" style={{ height }}>
      {rows.length === 0 && (
        <figcaption className="pointer-events-none absolute inset-0 z-10 flex items-center justify-center text-sm text-zinc-500">
          {empty ?? "No data in this range."}
        </figcaption>
      )}
      <ResponsiveContainer width="100%" height="100%">
        {body}
      </ResponsiveContainer>
      {/* The chart's figures for screen readers (and tests): a picture of numbers is not the only way to read them. */}
      <table className="sr-only" aria-label={`${label}: data`}>
        <thead>
          <tr>
            <th>time</th>
            {series.map((s) => (
              <th key={s.key}>{s.name}</th>
            ))}
            {band && <th>{band.name} low</th>}
            {band && <th>{band.name} high</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.t} data-t={r.t}>
              <td>{new Date(r.t).toISOString()}</td>
              {series.map((s) => (
                <td key={s.key} data-series={s.key}>
                  {r[s.key] ?? ""}
                </td>
              ))}
              {band && <td data-series={band.lowerKey}>{r[band.lowerKey] ?? ""}</td>}
              {band && <td data-series={band.upperKey}>{r[band.upperKey] ?? ""}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {band && (band.anomalies ?? []).length > 0 && (
        <ul className="sr-only" aria-label={`${label}: anomalies`}>
          {(band.anomalies ?? []).map((a) => (
            <li key={a.from} data-testid="chart-anomaly" data-from={a.from} data-to={a.to}>
              {`Anomaly from ${new Date(a.from).toISOString()} to ${new Date(a.to).toISOString()}`}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** Rows for a TimeChart from several series of points (one column per series key), in time order. */
export function rowsOf(columns: { key: string; points: { t: number; value: number | null }[] }[]): ChartRow[] {
  const byTime = new Map<number, ChartRow>();
  for (const c of columns) {
    for (const p of c.points) {
      const row = byTime.get(p.t) ?? ({ t: p.t } as ChartRow);
      row[c.key] = p.value;
      byTime.set(p.t, row);
    }
  }
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}
