import { logStreamEvent, type ServiceLogEntry } from "@syntra/contracts";
import { Pause, Play, Trash2 } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { ErrorNote } from "../components/states";
import { Button } from "../components/ui/button";
import { Input, Select } from "../components/ui/input";
import { api } from "../lib/api";
import { cn } from "../lib/utils";
import { useService } from "./service";

const KEPT = 2000;

/** The Logs tab: a live tail of the containers' output with pause, level filter and search. */
export function ServiceLogsPage() {
  const { service } = useService();
  const [lines, setLines] = useState<ServiceLogEntry[]>([]);
  const [paused, setPaused] = useState(false);
  const [level, setLevel] = useState("all");
  const [search, setSearch] = useState("");
  const [state, setState] = useState<{ kind: "connecting" | "live" | "ended" | "error"; message?: string }>({
    kind: "connecting",
  });
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const held = useRef<ServiceLogEntry[]>([]);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const source = new EventSource(api.live.serviceLogs.url({ serviceId: service.id, tail: 200 }));
    const onEvent = (m: MessageEvent<string>) => {
      const e = logStreamEvent.safeParse(JSON.parse(m.data));
      if (!e.success) return;
      if (e.data.type === "log") {
        const entry = e.data.entry;
        if (pausedRef.current) held.current.push(entry);
        else setLines((prev) => [...prev, entry].slice(-KEPT));
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
  }, [service.id]);

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
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <Button
          variant="secondary"
          size="sm"
          aria-pressed={paused}
          onClick={() => {
            if (paused) {
              const more = held.current.splice(0);
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
          <option value="info">Info (stdout)</option>
          <option value="error">Error (stderr)</option>
        </Select>
        <Input
          aria-label="Search logs"
          type="search"
          placeholder="Search"
          className="w-full sm:w-64"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <span className="ml-auto text-xs text-zinc-500" role="status">
          {state.kind === "live" && (paused ? `Paused (${held.current.length} waiting)` : "Live")}
          {state.kind === "connecting" && "Connecting…"}
          {state.kind === "ended" && `Ended: ${state.message}`}
        </span>
      </div>
      {state.kind === "error" && <ErrorNote error={new Error(state.message)} />}
      <div
        ref={box}
        aria-label="Log lines"
        role="log"
        className="h-[28rem] overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-5 text-zinc-200"
      >
        {shown.length === 0 ? (
          <p className="text-zinc-500">{lines.length === 0 ? "No log lines yet." : "No line matches."}</p>
        ) : (
          shown.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
            <div key={i} className="flex gap-3">
              <span className="shrink-0 text-zinc-500">{new Date(l.timestamp).toLocaleTimeString()}</span>
              <span className={cn("break-all whitespace-pre-wrap", l.level === "error" && "text-red-300")}>
                {l.message}
              </span>
            </div>
          ))
        )}
      </div>
    </div>
  );
}
