import { type LogHistogram, parseSearchText, type ServiceLogEntry } from "@syntra/contracts";
import { type FormEvent, useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { rowsOf, TimeChart } from "../components/charts/time-chart";
import { LiveTail } from "../components/live-tail";
import { LogLine } from "../components/log-line";
import { Empty, ErrorNote, LoadingRows } from "../components/states";
import { TelemetrySetup } from "../components/telemetry-setup";
import { TimeRangePicker } from "../components/time-range-picker";
import { Button } from "../components/ui/button";
import { Card, CardContent } from "../components/ui/card";
import { Input, Select } from "../components/ui/input";
import { api } from "../lib/api";
import { useDeployMarkers } from "../lib/deploy-markers";
import { useQuery } from "../lib/query";
import { type ResolvedRange, rangeSearch, useTimeRange } from "../lib/time-range";
import { useService } from "./service";

const PAGE = 100;
const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
const LEVEL_COLORS: Record<(typeof LEVELS)[number], string> = {
  trace: "#a1a1aa",
  debug: "#71717a",
  info: "#6366f1",
  warn: "#f59e0b",
  error: "#ef4444",
  fatal: "#7f1d1d",
};

/** Counts per interval, stacked by level, with the deploy markers. */
function LogHistogramChart({
  histogram,
  range,
  markers,
}: {
  histogram: LogHistogram;
  range: ResolvedRange;
  markers: ReturnType<typeof useDeployMarkers>;
}) {
  const present = LEVELS.filter((l) => histogram.buckets.some((b) => b.counts[l]));
  const rows = rowsOf(
    present.map((level) => ({
      key: level,
      points: histogram.buckets.map((b) => ({ t: Date.parse(b.timestamp), value: b.counts[level] ?? 0 })),
    })),
  );
  return (
    <TimeChart
      label="Log records over time"
      rows={rows}
      series={present.map((l) => ({ key: l, name: l, color: LEVEL_COLORS[l] }))}
      from={range.from}
      to={range.to}
      markers={markers}
      kind="bar"
      height={120}
      format={(v) => String(Math.round(v))}
    />
  );
}

/** Stored logs: the search, its histogram, and the matching lines newest first, a page at a time (cursor). */
function LogSearch() {
  const { service, projectId } = useService();
  const time = useTimeRange();
  const { range } = time;
  const [params, setParams] = useSearchParams();
  const text = params.get("q") ?? "";
  const level = params.get("level") ?? "";
  // What the boxes hold, following the URL when it changes (back, a link) and the person's typing in between.
  const [draft, setDraft] = useState({ text, level });
  useEffect(() => setDraft({ text, level }), [text, level]);
  const parsed = parseSearchText(text);
  const filters = {
    serviceId: service.id,
    ...range.query,
    ...(parsed.text && { search: parsed.text }),
    ...(parsed.attributes.length > 0 && { attribute: parsed.attributes }),
    ...(level && { level: level as "debug" | "info" | "warn" | "error" }),
  };
  const key = `service:${service.id}:logs:${range.query.from}:${range.query.to}:${text}:${level}`;
  const histogram = useQuery(`${key}:histogram`, () =>
    api.telemetry.logHistogram({ ...filters, interval: range.interval }),
  );
  const markers = useDeployMarkers(service.id, projectId, range);
  const [pages, setPages] = useState<{ key: string; items: ServiceLogEntry[]; cursor: string | null; error?: unknown }>(
    {
      key: "",
      items: [],
      cursor: null,
    },
  );
  const [loading, setLoading] = useState(false);
  const load = async (cursor?: string) => {
    setLoading(true);
    try {
      const page = await api.services.logs.withMeta({ ...filters, limit: PAGE, ...(cursor && { cursor }) });
      setPages((prev) => ({
        key,
        items: cursor && prev.key === key ? [...prev.items, ...page.data] : page.data,
        cursor: page.meta?.cursor ?? null,
      }));
    } catch (error) {
      setPages({ key, items: [], cursor: null, error });
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search (key) loads its first page
  useEffect(() => {
    void load();
  }, [key]);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      const q = String(data.get("q") ?? "").trim();
      const l = String(data.get("level") ?? "");
      if (q) next.set("q", q);
      else next.delete("q");
      if (l) next.set("level", l);
      else next.delete("level");
      return next;
    });
  };
  const base = `/projects/${projectId}/services/${service.id}`;
  const current = pages.key === key;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <form className="flex flex-1 flex-wrap items-center gap-2" onSubmit={onSubmit} aria-label="Search logs">
          <Input
            name="q"
            type="search"
            aria-label="Search logs"
            placeholder='Text, and key:value filters (user.id:42 http.route:"/cart")'
            value={draft.text}
            onChange={(e) => setDraft({ ...draft, text: e.target.value })}
            className="min-w-0 flex-1 sm:min-w-72"
          />
          <Select
            name="level"
            aria-label="Level"
            className="w-32"
            value={draft.level}
            onChange={(e) => setDraft({ ...draft, level: e.target.value })}
          >
            <option value="">All levels</option>
            <option value="debug">Debug and up</option>
            <option value="info">Info and up</option>
            <option value="warn">Warn and up</option>
            <option value="error">Error and up</option>
          </Select>
          <Button type="submit" size="sm">
            Search
          </Button>
        </form>
        <TimeRangePicker time={time} />
      </div>
      <Card>
        <CardContent className="pt-3 sm:pt-3">
          {histogram.error ? (
            <ErrorNote error={histogram.error} onRetry={histogram.refetch} />
          ) : (
            histogram.data && (
              <>
                <p className="text-xs text-zinc-500" role="status" data-testid="log-total">
                  {histogram.data.total.toLocaleString()} records match
                </p>
                <LogHistogramChart histogram={histogram.data} range={range} markers={markers} />
              </>
            )
          )}
        </CardContent>
      </Card>
      {pages.error !== undefined && current && <ErrorNote error={pages.error} onRetry={() => void load()} />}
      {!current && loading ? (
        <LoadingRows />
      ) : current && pages.items.length === 0 && !pages.error ? (
        text || level ? (
          <Empty title="No log record matches">Widen the time range or change the search.</Empty>
        ) : (
          <TelemetrySetup serviceId={service.id} what="logs" />
        )
      ) : (
        <div className="rounded-md bg-zinc-950 font-mono text-xs leading-5 text-zinc-200">
          <ul aria-label="Log lines" className="max-h-[40rem] overflow-auto py-1">
            {pages.items.map((entry, i) => (
              <LogLine
                // biome-ignore lint/suspicious/noArrayIndexKey: pages only grow at the end
                key={i}
                entry={entry}
                traceHref={entry.trace_id ? `${base}/traces/${entry.trace_id}?${rangeSearch(range)}` : undefined}
              />
            ))}
          </ul>
          {pages.cursor && (
            <div className="border-t border-zinc-800 p-2">
              <Button
                size="sm"
                variant="secondary"
                disabled={loading}
                onClick={() => void load(pages.cursor ?? undefined)}
              >
                {loading ? "Loading…" : "Older lines"}
              </Button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** The Logs tab: search the stored logs, or follow the containers' output live. */
export function ServiceLogsPage() {
  const { service, projectId } = useService();
  const [params, setParams] = useSearchParams();
  const live = params.get("mode") === "live";
  const setMode = (mode: "search" | "live") =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (mode === "live") next.set("mode", "live");
      else next.delete("mode");
      return next;
    });
  return (
    <div className="flex flex-col gap-3">
      <div className="flex gap-1" role="tablist" aria-label="Logs view">
        {(["search", "live"] as const).map((mode) => (
          <Button
            key={mode}
            role="tab"
            aria-selected={(mode === "live") === live}
            size="sm"
            variant={(mode === "live") === live ? "default" : "secondary"}
            onClick={() => setMode(mode)}
          >
            {mode === "live" ? "Live tail" : "Search"}
          </Button>
        ))}
      </div>
      {live ? <LiveTail serviceId={service.id} projectId={projectId} /> : <LogSearch />}
    </div>
  );
}
