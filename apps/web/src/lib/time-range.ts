import { type ChartInterval, chartIntervalFor } from "@syntra/contracts";
import { useCallback, useMemo, useState } from "react";
import { useSearchParams } from "react-router";

/** The ranges offered, as the `range` URL parameter spells them. */
export const RANGE_PRESETS = [
  { key: "15m", label: "Last 15 minutes", ms: 15 * 60_000 },
  { key: "1h", label: "Last hour", ms: 3_600_000 },
  { key: "6h", label: "Last 6 hours", ms: 6 * 3_600_000 },
  { key: "24h", label: "Last 24 hours", ms: 24 * 3_600_000 },
  { key: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { key: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number]["key"];

/** A time range resolved to instants, with the chart interval it calls for. */
export interface ResolvedRange {
  from: Date;
  to: Date;
  /** The preset, or "custom" for from/to in the URL. */
  key: RangePreset | "custom";
  label: string;
  interval: ChartInterval;
  /** Query parameters for the API (ISO instants). */
  query: { from: string; to: string };
}

/** Reads the range from URL parameters: `range=1h` (relative to now) or `from`/`to` (ISO instants). */
export function rangeFromParams(params: URLSearchParams, now: number, fallback: RangePreset = "1h"): ResolvedRange {
  const from = params.get("from");
  const to = params.get("to");
  if (from && to && !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to)) && from < to) {
    const f = new Date(from);
    const t = new Date(to);
    return resolved(f, t, "custom", `${f.toLocaleString()} – ${t.toLocaleString()}`);
  }
  const preset =
    RANGE_PRESETS.find((p) => p.key === params.get("range")) ?? RANGE_PRESETS.find((p) => p.key === fallback);
  const p = preset ?? RANGE_PRESETS[1];
  return resolved(new Date(now - p.ms), new Date(now), p.key, p.label);
}

function resolved(from: Date, to: Date, key: ResolvedRange["key"], label: string): ResolvedRange {
  return {
    from,
    to,
    key,
    label,
    interval: chartIntervalFor(to.getTime() - from.getTime()),
    query: { from: from.toISOString(), to: to.toISOString() },
  };
}

/**
 * The page's time range, held in the URL (so a link shows the same view) and shared by every chart of the page. A
 * relative range is resolved when the page opens and again on `refresh()`, so queries keyed by it stay stable.
 */
export function useTimeRange(fallback: RangePreset = "1h") {
  const [params, setParams] = useSearchParams();
  const [now, setNow] = useState(() => Date.now());
  const key = `${params.get("range")}|${params.get("from")}|${params.get("to")}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: resolved when the URL's range or the clock changes
  const range = useMemo(() => rangeFromParams(params, now, fallback), [key, now, fallback]);
  const update = useCallback(
    (change: (next: URLSearchParams) => void) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          change(next);
          return next;
        },
        { replace: false },
      );
      setNow(Date.now());
    },
    [setParams],
  );
  return {
    range,
    setPreset: (preset: RangePreset) =>
      update((next) => {
        next.set("range", preset);
        next.delete("from");
        next.delete("to");
      }),
    setCustom: (from: Date, to: Date) =>
      update((next) => {
        next.delete("range");
        next.set("from", from.toISOString());
        next.set("to", to.toISOString());
      }),
    refresh: () => setNow(Date.now()),
  };
}

/** The URL query string that carries a range to another page (a link from a chart to the traces, say). */
export function rangeSearch(range: ResolvedRange): string {
  return range.key === "custom"
    ? `from=${encodeURIComponent(range.query.from)}&to=${encodeURIComponent(range.query.to)}`
    : `range=${range.key}`;
}
