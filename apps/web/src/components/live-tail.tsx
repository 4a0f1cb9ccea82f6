import { logStreamEvent, type ServiceLogEntry } from "@syntra/contracts";
import { Pause, Play, Trash2 } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { api } from "../lib/api";
import { LogLine } from "./log-line";
import { ErrorNote } from "./states";
import { Button } from "./ui/button";
import { Input, Select } from "./ui/input";

/** Lines kept in the browser; older ones scroll away. */
const KEPT = 2000;

/**
 * The containers' output as it is printed, straight from the server's agent (GET /services/:id/logs/stream): a line
 * shows within moments, before the agent's telemetry batch reaches the store. Pause holds new lines (counted) until
 * resumed; level and text filter what is shown.
 */
export function LiveTail({ serviceId, projectId }: { serviceId: string; projectId: string }) {
  const [lines, setLines] = useState<ServiceLogEntry[]>([]);
  const [paused, setPaused] = useState(false);
  const [level, setLevel] = useState("all");
  const [search, setSearch] = useState("");
  const [held, setHeld] = useState(0);
  const [state, setState] = useState<{ kind: "connecting" | "live" | "ended" | "error"; message?: string }>({
    kind: "connecting",
  });
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const waiting = useRef<ServiceLogEntry[]>([]);
  const box = useRef<HTMLUListElement>(null);

  useEffect(() => {
    const source = new EventSource(api.live.serviceLogs.url({ serviceId, tail: 200 }));
    const onEvent = (m: MessageEvent<string>) => {
      const e = logStreamEvent.safeParse(JSON.parse(m.data));
      if (!e.success) return;
      if (e.data.type === "log") {
        const entry = e.data.entry;
        if (pausedRef.current) {
          waiting.current.push(entry);
          setHeld(waiting.current.length);
        } else setLines((prev) => [...prev, entry].slice(-KEPT));
        setState({ kind: "live" });
      } else if (e.data.type === "end") {
        setState({ kind: "ended", message: e.data.reason });
        source.close();
      } else {
        setState({ kind: "error", message: e.data.message });
        source.close();
      }
    };
    for (const t of ["log", "end", "error"]) source.addEventListener(t, onEvent as EventListener);
    source.onopen = () => setState((s) => (s.kind === "connecting" ? { kind: "live" } : s));
    source.onerror = () => {
      // A refused stream (agent offline) ends without events: say so rather than retrying forever.
      if (source.readyState === EventSource.CLOSED) {
        setState({ kind: "error", message: "The log stream could not be opened: is the server's agent online?" });
      }
    };
    return () => source.close();
  }, [serviceId]);

  // Follow the tail unless the reader scrolled up.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when lines arrive
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const shown = lines.filter(
    (l) =>
      (level === "all" || l.level === level) && (!search || l.message.toLowerCase().includes(search.toLowerCase())),
  );
  const base = `/projects/${projectId}/services/${serviceId}`;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <Button
          variant="secondary"
          size="sm"
          aria-pressed={paused}
          onClick={() => {
            if (paused) {
              const more = waiting.current.splice(0);
              setHeld(0);
              setLines((prev) => [...prev, ...more].slice(-KEPT));
            }
            setPaused(!paused);
          }}
        >
          {paused ? <Play /> : <Pause />} {paused ? "Resume" : "Pause"}
        </Button>
        <Button variant="secondary" size="sm" onClick={() => setLines([])} aria-label="Clear">
          <Trash2 />
        </Button>
        <Select aria-label="Level" className="w-32" value={level} onChange={(e) => setLevel(e.target.value)}>
          <option value="all">All levels</option>
          <option value="info">Info</option>
          <option value="warn">Warn</option>
          <option value="error">Error</option>
        </Select>
        <Input
          aria-label="Filter lines"
          type="search"
          placeholder="Filter"
          className="w-full sm:w-64"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <span className="ml-auto text-xs text-zinc-500" role="status" data-testid="tail-status">
          {state.kind === "live" && (paused ? `Paused (${held} waiting)` : "Live")}
          {state.kind === "connecting" && "Connecting…"}
          {state.kind === "ended" && `Ended: ${state.message}`}
        </span>
      </div>
      {state.kind === "error" && <ErrorNote error={new Error(state.message)} />}
      <ul
        ref={box}
        aria-label="Live log lines"
        role="log"
        className="h-[28rem] overflow-auto rounded-md bg-zinc-950 py-1 font-mono text-xs leading-5 text-zinc-200"
      >
        {shown.length === 0 ? (
          <li className="px-2 text-zinc-500">{lines.length === 0 ? "No log lines yet." : "No line matches."}</li>
        ) : (
          shown.map((l, i) => (
            <LogLine
              // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
              key={i}
              entry={l}
              traceHref={l.trace_id ? `${base}/traces/${l.trace_id}` : undefined}
            />
          ))
        )}
      </ul>
    </div>
  );
}
