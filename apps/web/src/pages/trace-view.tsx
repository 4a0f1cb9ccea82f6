import type { ServiceLogEntry, Span, SpanOutline, TraceErrorEvent } from "@syntra/contracts";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ChevronDown, ChevronRight, X } from "lucide-react";
import { type CSSProperties, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { QueryView } from "../components/states";
import { Button } from "../components/ui/button";
import { Card } from "../components/ui/card";
import { api } from "../lib/api";
import { useQuery } from "../lib/query";
import { useTraceSpans } from "../lib/trace-pages";
import { isoMs, layoutTrace, visibleRows, type WaterfallRow } from "../lib/trace-tree";
import { cn } from "../lib/utils";
import { useService } from "./service";
import { ms } from "./service-overview";

const ROW_HEIGHT = 28;
const SERVICE_COLORS = ["#6366f1", "#10b981", "#f59e0b", "#0ea5e9", "#8b5cf6", "#84cc16", "#f97316", "#14b8a6"];

/** Names (and projects) of the organization's services, for spans of other services than this one. */
function useServiceNames() {
  const list = useQuery("services:all", () => api.services.list({}));
  return useMemo(() => new Map((list.data ?? []).map((s) => [s.id, s])), [list.data]);
}

/** Ticks of the time axis: about five round offsets within the trace. */
function ticks(totalMs: number): number[] {
  const raw = totalMs / 5;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= totalMs + 1e-9; t += step) out.push(t);
  return out;
}

/**
 * Where a span's duration goes: after its bar, or (when the bar reaches the right edge) before it, or inside it in
 * white when it spans the whole axis, so the text never sits grey on the bar's colour.
 */
function durationLabel(left: number, width: number): { className: string; style: CSSProperties } {
  if (left + width <= 85) return { className: "pl-1 text-zinc-500", style: { left: `${left + width}%` } };
  if (left >= 15) return { className: "pr-1 text-zinc-500", style: { right: `${100 - left}%` } };
  return { className: "pr-1 text-white", style: { right: `${Math.max(0, 100 - left - width)}%` } };
}

/** One span's row: its name indented by depth on the left, its bar on the trace's time axis on the right. */
function SpanRow({
  row,
  total,
  color,
  serviceName,
  selected,
  collapsed,
  onSelect,
  onToggle,
}: {
  row: WaterfallRow;
  total: number;
  color: string;
  serviceName: string;
  selected: boolean;
  collapsed: boolean;
  onSelect(): void;
  onToggle(): void;
}) {
  const left = total > 0 ? (row.startMs / total) * 100 : 0;
  const width = total > 0 ? Math.max(0.2, (row.durationMs / total) * 100) : 100;
  const label = durationLabel(left, width);
  const failed = row.span.status_code === "error";
  return (
    <div
      aria-current={selected}
      data-span-id={row.span.span_id}
      data-depth={row.depth}
      data-critical={row.critical}
      className={cn(
        "flex h-7 items-center border-b border-zinc-100 text-xs hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-800/50",
        selected && "bg-indigo-50 dark:bg-indigo-950/40",
      )}
    >
      <div className="flex w-2/5 min-w-0 items-center gap-1 pr-2" style={{ paddingLeft: 4 + row.depth * 14 }}>
        {row.childCount > 0 ? (
          <button
            type="button"
            aria-label={collapsed ? "Expand" : "Collapse"}
            className="shrink-0 text-zinc-400"
            onClick={onToggle}
          >
            {collapsed ? <ChevronRight className="size-3.5" /> : <ChevronDown className="size-3.5" />}
          </button>
        ) : (
          <span className="w-3.5 shrink-0" />
        )}
        <button type="button" className="flex min-w-0 items-center gap-1 text-left" onClick={onSelect}>
          <span className="size-2 shrink-0 rounded-full" style={{ background: color }} aria-hidden />
          <span className="shrink-0 text-zinc-500">{serviceName}</span>
          <span className={cn("truncate font-medium", failed && "text-red-600")} data-testid="span-name">
            {row.span.operation_name}
          </span>
        </button>
      </div>
      {/* The bar selects the span too (the name's button is the one keyboards reach). */}
      <button type="button" tabIndex={-1} aria-hidden className="relative h-full w-3/5" onClick={onSelect}>
        <span
          className={cn("absolute top-1.5 h-4 rounded-sm", row.critical && "ring-2 ring-amber-400 ring-offset-0")}
          style={{ left: `${left}%`, width: `${width}%`, background: failed ? "#ef4444" : color }}
          title={`${row.span.operation_name}: ${ms(row.durationMs)}`}
        />
        <span
          className={cn("absolute top-1.5 text-[10px] leading-4 tabular-nums", label.className)}
          style={label.style}
        >
          {ms(row.durationMs)}
        </span>
      </button>
    </div>
  );
}

/** A span's details: attributes and events (fetched for this span alone), its logs and errors. */
function SpanPanel({
  traceId,
  span,
  serviceName,
  logs,
  errors,
  onClose,
}: {
  traceId: string;
  span: SpanOutline;
  serviceName: string;
  logs: ServiceLogEntry[];
  errors: TraceErrorEvent[];
  onClose(): void;
}) {
  const detail = useQuery(`trace:${traceId}:span:${span.span_id}`, () =>
    api.telemetry.traceSpan({ traceId, spanId: span.span_id }),
  );
  const full: Span | undefined = detail.data;
  const mine = logs.filter((l) => l.span_id === span.span_id);
  const myErrors = errors.filter((e) => e.span_id === span.span_id);
  return (
    <Card className="flex flex-col gap-3 p-4 text-sm" aria-label="Span details" role="complementary">
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p className={cn("font-semibold break-all", span.status_code === "error" && "text-red-600")}>
            {span.operation_name}
          </p>
          <p className="text-xs text-zinc-500">
            {serviceName} · {span.span_kind} · {ms(span.duration_ns / 1e6)} · {span.status_code}
            {full?.status_message && `: ${full.status_message}`}
          </p>
        </div>
        <Button variant="ghost" size="sm" aria-label="Close" onClick={onClose}>
          <X />
        </Button>
      </div>
      <section>
        <h3 className="mb-1 text-xs font-medium text-zinc-500">Attributes</h3>
        {!full && (
          <QueryView query={detail} rows={2}>
            {() => null}
          </QueryView>
        )}
        <dl className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)] gap-x-3 gap-y-0.5 font-mono text-xs">
          {Object.entries(full?.attributes ?? {})
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="truncate text-zinc-500" title={k}>
                  {k}
                </dt>
                <dd className="break-all">{v}</dd>
              </div>
            ))}
        </dl>
      </section>
      {full && full.events.length > 0 && (
        <section>
          <h3 className="mb-1 text-xs font-medium text-zinc-500">Events</h3>
          <ul className="flex flex-col gap-1 text-xs">
            {full.events.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: events are positional
              <li key={i}>
                <span className="font-medium">{e.name}</span>{" "}
                <span className="font-mono text-zinc-500">
                  {Object.entries(e.attributes ?? {})
                    .map(([k, v]) => `${k}=${String(v)}`)
                    .join(" ")}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section>
        <h3 className="mb-1 text-xs font-medium text-zinc-500">Errors ({myErrors.length})</h3>
        {myErrors.length === 0 ? (
          <p className="text-xs text-zinc-500">None reported in this span.</p>
        ) : (
          <ul className="flex flex-col gap-1 text-xs">
            {myErrors.map((e) => (
              <li key={e.event_id}>
                <Link to={`/issues/${e.issue_id}`} className="text-red-600 hover:underline">
                  {e.issue_title}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h3 className="mb-1 text-xs font-medium text-zinc-500">Logs ({mine.length})</h3>
        {mine.length === 0 ? (
          <p className="text-xs text-zinc-500">No log record written in this span.</p>
        ) : (
          <ul className="flex flex-col gap-0.5 font-mono text-xs" aria-label="Span logs">
            {mine.map((l) => (
              <li key={`${l.timestamp}${l.message}`} className={cn(l.level === "error" && "text-red-600")}>
                <span className="text-zinc-500">{new Date(l.timestamp).toLocaleTimeString()}</span> {l.message}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Card>
  );
}

/**
 * One trace across services: the waterfall and a side panel. The trace comes a page at a time (the first screen draws
 * from the first page) and its rows are virtualized, so a 10,000-span trace shows at once and scrolls smoothly.
 */
export function TraceViewPage() {
  const { traceId = "" } = useParams();
  // A new trace starts from its first page.
  return <TraceView key={traceId} traceId={traceId} />;
}

function TraceView({ traceId }: { traceId: string }) {
  const { service, projectId } = useService();
  const trace = useTraceSpans(traceId);
  // The trace's logs and errors are asked for once its first page is in: the first screen's query goes first (chDB
  // runs parameterized queries one at a time).
  const shown = trace.data !== undefined;
  const logs = useQuery(shown ? `trace:${traceId}:logs` : null, () =>
    api.telemetry.traceLogs({ traceId, limit: 1000 }),
  );
  const errors = useQuery(shown ? `trace:${traceId}:errors` : null, () => api.telemetry.traceErrors({ traceId }));
  const names = useServiceNames();
  const [selected, setSelected] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const layout = useMemo(() => {
    if (!trace.data) return null;
    const { head, spans, complete } = trace.data;
    return layoutTrace(spans, {
      bounds: { startMs: isoMs(head.start_time), endMs: isoMs(head.end_time) },
      criticalPath: complete,
    });
  }, [trace.data]);
  // The first page's per-service counts name every service at once, so colours do not shift as pages arrive.
  const serviceIds = useMemo(
    () => trace.data?.head.services?.map((s) => s.service_id) ?? layout?.services ?? [],
    [trace.data, layout],
  );
  const rows = useMemo(() => (layout ? visibleRows(layout.rows, collapsed) : []), [layout, collapsed]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const colorOf = (serviceId: string) =>
    SERVICE_COLORS[Math.max(0, serviceIds.indexOf(serviceId)) % SERVICE_COLORS.length] as string;
  const nameOf = (serviceId: string) => names.get(serviceId)?.name ?? serviceId.slice(0, 8);
  const span = selected ? layout?.rows.find((r) => r.span.span_id === selected)?.span : undefined;
  return (
    <div className="flex flex-col gap-3">
      <Link
        to={`/projects/${projectId}/services/${service.id}/traces`}
        className="text-sm text-indigo-600 hover:underline"
      >
        ← Traces
      </Link>
      <QueryView query={trace}>
        {() =>
          layout && (
            <>
              <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm" data-testid="trace-summary">
                <span className="font-mono text-xs text-zinc-500">{traceId}</span>
                <span>{ms(layout.durationMs)}</span>
                <span>{trace.data?.head.span_count ?? layout.rows.length} spans</span>
                <span>{serviceIds.length} services</span>
                {layout.errors > 0 && <span className="text-red-600">{layout.errors} failed</span>}
                {!trace.data?.complete && (
                  <span role="status" className="text-xs text-zinc-500">
                    {trace.error
                      ? `${layout.rows.length} spans loaded; the rest failed to load`
                      : `loading spans… ${layout.rows.length} of ${trace.data?.head.span_count ?? "?"}`}
                  </span>
                )}
                {trace.error !== undefined && trace.data !== undefined && (
                  <Button variant="secondary" size="sm" onClick={trace.refetch}>
                    Load the rest
                  </Button>
                )}
                <span className="flex flex-wrap gap-2">
                  {serviceIds.map((id) => (
                    <span key={id} className="flex items-center gap-1 text-xs">
                      <span className="size-2 rounded-full" style={{ background: colorOf(id) }} aria-hidden />
                      {nameOf(id)}
                    </span>
                  ))}
                </span>
                <span className="flex items-center gap-1 text-xs text-zinc-500">
                  <span className="inline-block h-2 w-4 rounded-sm ring-2 ring-amber-400" aria-hidden /> critical path
                </span>
              </div>
              <div className="grid gap-3 lg:grid-cols-[minmax(0,1fr)_22rem]">
                <Card className="overflow-hidden">
                  <div className="flex border-b border-zinc-200 text-[10px] text-zinc-500 dark:border-zinc-800">
                    <div className="w-2/5 px-2 py-1">Service · operation</div>
                    <div className="relative h-5 w-3/5">
                      {ticks(layout.durationMs).map((t) => (
                        <span
                          key={t}
                          className="absolute top-1 -translate-x-1/2 tabular-nums"
                          style={{ left: `${layout.durationMs > 0 ? (t / layout.durationMs) * 100 : 0}%` }}
                        >
                          {ms(t)}
                        </span>
                      ))}
                    </div>
                  </div>
                  <div ref={scroller} className="h-[32rem] overflow-auto" data-rows={rows.length}>
                    <ul aria-label="Waterfall" style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
                      {virtualizer.getVirtualItems().map((item) => {
                        const row = rows[item.index] as WaterfallRow;
                        return (
                          <li
                            key={row.span.span_id}
                            style={{
                              position: "absolute",
                              top: 0,
                              left: 0,
                              right: 0,
                              transform: `translateY(${item.start}px)`,
                            }}
                          >
                            <SpanRow
                              row={row}
                              total={layout.durationMs}
                              color={colorOf(row.span.service_id)}
                              serviceName={nameOf(row.span.service_id)}
                              selected={selected === row.span.span_id}
                              collapsed={collapsed.has(row.span.span_id)}
                              onSelect={() => setSelected(row.span.span_id)}
                              onToggle={() =>
                                setCollapsed((prev) => {
                                  const next = new Set(prev);
                                  if (!next.delete(row.span.span_id)) next.add(row.span.span_id);
                                  return next;
                                })
                              }
                            />
                          </li>
                        );
                      })}
                    </ul>
                  </div>
                </Card>
                {span ? (
                  <SpanPanel
                    traceId={traceId}
                    span={span}
                    serviceName={nameOf(span.service_id)}
                    logs={logs.data ?? []}
                    errors={errors.data ?? []}
                    onClose={() => setSelected(null)}
                  />
                ) : (
                  <Card className="p-4 text-sm text-zinc-500">
                    <p>Select a span for its attributes, events, logs and errors.</p>
                    <p className="mt-2">
                      This trace wrote {logs.data?.length ?? "…"} log records and raised {errors.data?.length ?? "…"}{" "}
                      errors.
                    </p>
                  </Card>
                )}
              </div>
            </>
          )
        }
      </QueryView>
    </div>
  );
}
