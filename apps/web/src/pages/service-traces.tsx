import { parseSearchText, type TraceSummary } from "@syntra/contracts";
import { type FormEvent, useEffect, useMemo } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, ZAxis } from "recharts";
import { Marker, tickFormat } from "../components/charts/time-chart";
import { Empty, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { TelemetrySetup } from "../components/telemetry-setup";
import { TimeRangePicker } from "../components/time-range-picker";
import { Button } from "../components/ui/button";
import { Card, CardContent } from "../components/ui/card";
import { Input, Select } from "../components/ui/input";
import { api } from "../lib/api";
import { useDeployMarkers } from "../lib/deploy-markers";
import { timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";
import { rangeSearch, useTimeRange } from "../lib/time-range";
import { useService } from "./service";
import { ms } from "./service-overview";

/** Traces shown at most: the scatter and the list. */
const TRACE_LIMIT = 500;

/** Durations over time, one dot per trace, failed ones red; a click opens the trace. */
function DurationScatter({
  traces,
  from,
  to,
  markers,
  onOpen,
}: {
  traces: TraceSummary[];
  from: Date;
  to: Date;
  markers: ReturnType<typeof useDeployMarkers>;
  onOpen(traceId: string): void;
}) {
  const navigate = useNavigate();
  const points = (status: "error" | "ok") =>
    traces
      .filter((t) => (t.status === "error") === (status === "error"))
      .map((t) => ({ t: Date.parse(t.start_time), d: t.duration_ms, id: t.trace_id, op: t.root_operation }));
  return (
    <figure aria-label="Trace durations over time" className="h-56">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 16, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e4e4e7" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={[from.getTime(), to.getTime()]}
            tickFormatter={tickFormat(to.getTime() - from.getTime())}
            fontSize={11}
            minTickGap={40}
            allowDataOverflow
          />
          <YAxis dataKey="d" type="number" fontSize={11} width={56} tickFormatter={(v: number) => ms(v)} />
          <ZAxis range={[28, 28]} />
          <Tooltip
            cursor={{ strokeDasharray: "3 3" }}
            formatter={(v, name) => (name === "d" ? ms(Number(v)) : new Date(Number(v)).toLocaleString())}
          />
          {markers.map((m) => (
            <Marker key={m.id} marker={m} onOpen={navigate} />
          ))}
          {(["ok", "error"] as const).map((status) => (
            <Scatter
              key={status}
              name={status === "error" ? "failed" : "ok"}
              data={points(status)}
              fill={status === "error" ? "#ef4444" : "#6366f1"}
              isAnimationActive={false}
              onClick={(p: { payload?: { id?: string } }) => p.payload?.id && onOpen(p.payload.id)}
              style={{ cursor: "pointer" }}
            />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** The Traces tab: search by time, operation, status, minimum duration and attributes; durations over time; the list. */
export function ServiceTracesPage() {
  // The waterfall's code loads while the list is read, so opening a trace waits only for its first page.
  useEffect(() => {
    void import("./trace-view");
  }, []);
  const { service, projectId } = useService();
  const time = useTimeRange();
  const { range } = time;
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const search = {
    operation: params.get("operation") ?? "",
    status: params.get("status") ?? "",
    minMs: params.get("min_ms") ?? "",
    attributes: params.get("q") ?? "",
  };
  const attributes = useMemo(() => parseSearchText(search.attributes).attributes, [search.attributes]);
  const key = `service:${service.id}:traces:${range.query.from}:${range.query.to}:${params.toString()}`;
  const traces = useQuery(key, () =>
    api.telemetry.traces({
      serviceId: service.id,
      ...range.query,
      limit: TRACE_LIMIT,
      ...(search.operation && { operation: search.operation }),
      ...(search.status && { status: search.status as "ok" | "error" }),
      ...(search.minMs && { min_duration_ms: Number(search.minMs) }),
      ...(attributes.length > 0 && { attribute: attributes }),
    }),
  );
  const operations = useQuery(`service:${service.id}:operations:${range.query.from}:${range.query.to}`, () =>
    api.telemetry.overview({ serviceId: service.id, ...range.query }),
  );
  const markers = useDeployMarkers(service.id, projectId, range);
  const base = `/projects/${projectId}/services/${service.id}`;
  const open = (traceId: string) => navigate(`${base}/traces/${traceId}?${rangeSearch(range)}`);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [field, name] of [
        ["operation", "operation"],
        ["status", "status"],
        ["min_ms", "min_ms"],
        ["q", "q"],
      ] as const) {
        const value = String(data.get(name) ?? "").trim();
        if (value) next.set(field, value);
        else next.delete(field);
      }
      return next;
    });
  };
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <form className="flex flex-wrap items-end gap-2" onSubmit={onSubmit} aria-label="Search traces">
          <Input
            name="operation"
            aria-label="Operation"
            placeholder="Operation"
            list="trace-operations"
            className="w-48"
            defaultValue={search.operation}
          />
          <datalist id="trace-operations">
            {(operations.data?.operations ?? []).map((o) => (
              <option key={o.operation} value={o.operation} />
            ))}
          </datalist>
          <Select name="status" aria-label="Status" className="w-32" defaultValue={search.status}>
            <option value="">Any status</option>
            <option value="error">Failed</option>
            <option value="ok">Succeeded</option>
          </Select>
          <Input
            name="min_ms"
            aria-label="Minimum duration (ms)"
            placeholder="≥ ms"
            type="number"
            min={0}
            className="w-24"
            defaultValue={search.minMs}
          />
          <Input
            name="q"
            aria-label="Attributes"
            placeholder="http.route:/cart user.id:42"
            className="w-56"
            defaultValue={search.attributes}
          />
          <Button type="submit" size="sm">
            Search
          </Button>
        </form>
        <TimeRangePicker time={time} />
      </div>
      <QueryView query={traces}>
        {(list) =>
          list.length === 0 && !params.toString().match(/operation|status|min_ms|q=/) ? (
            <TelemetrySetup serviceId={service.id} what="traces" />
          ) : (
            <>
              <Card>
                <CardContent className="pt-4 sm:pt-4">
                  <DurationScatter traces={list} from={range.from} to={range.to} markers={markers} onOpen={open} />
                </CardContent>
              </Card>
              {list.length === 0 ? (
                <Empty title="No trace matches">Widen the time range or loosen the filters.</Empty>
              ) : (
                <Card className="overflow-x-auto">
                  <table className="w-full text-sm" aria-label="Traces">
                    <thead className="text-left text-xs text-zinc-500">
                      <tr>
                        <th className="px-4 py-2 font-medium">Operation</th>
                        <th className="px-4 py-2 text-right font-medium">Duration</th>
                        <th className="px-4 py-2 text-right font-medium">Spans</th>
                        <th className="px-4 py-2 font-medium">Services</th>
                        <th className="px-4 py-2 font-medium">Status</th>
                        <th className="px-4 py-2 font-medium">When</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((t) => (
                        <tr key={t.trace_id} className="border-t border-zinc-100 dark:border-zinc-800">
                          <td className="max-w-xs truncate px-4 py-2">
                            <Link
                              to={`${base}/traces/${t.trace_id}?${rangeSearch(range)}`}
                              className="text-indigo-600 hover:underline dark:text-indigo-400"
                            >
                              {t.root_operation}
                            </Link>
                          </td>
                          <td className="px-4 py-2 text-right tabular-nums">{ms(t.duration_ms)}</td>
                          <td className="px-4 py-2 text-right tabular-nums">{t.span_count}</td>
                          <td className="px-4 py-2 tabular-nums">{t.service_ids.length}</td>
                          <td className="px-4 py-2">
                            <StatusBadge status={t.status === "error" ? "error" : "ok"} />
                          </td>
                          <td className="px-4 py-2 whitespace-nowrap text-zinc-500">{timeAgo(t.start_time)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {list.length === TRACE_LIMIT && (
                    <p className="px-4 py-2 text-xs text-zinc-500">
                      The newest {TRACE_LIMIT} traces; narrow the range or the filters to see older ones.
                    </p>
                  )}
                </Card>
              )}
            </>
          )
        }
      </QueryView>
    </div>
  );
}
