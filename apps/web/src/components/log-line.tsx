import type { ServiceLogEntry } from "@syntra/contracts";
import { useState } from "react";
import { Link } from "react-router";
import { cn } from "../lib/utils";

/** One log line; a click expands it into its attributes, trace and deployment. */
export function LogLine({ entry, traceHref }: { entry: ServiceLogEntry; traceHref?: string }) {
  const [open, setOpen] = useState(false);
  const bad = entry.level === "error" || entry.level === "fatal";
  return (
    <li className="border-b border-zinc-800/60" data-testid="log-line">
      <button
        type="button"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        className="flex w-full gap-3 px-2 py-0.5 text-left hover:bg-zinc-900"
      >
        <span className="shrink-0 text-zinc-500 tabular-nums">{new Date(entry.timestamp).toLocaleTimeString()}</span>
        <span
          className={cn(
            "w-10 shrink-0 uppercase",
            bad ? "text-red-400" : entry.level === "warn" ? "text-amber-300" : "text-zinc-400",
          )}
        >
          {entry.level}
        </span>
        <span className={cn("min-w-0 break-all whitespace-pre-wrap", bad && "text-red-300")}>{entry.message}</span>
      </button>
      {open && (
        <div className="mb-1 ml-2 flex flex-col gap-1 rounded bg-zinc-900 p-2" data-testid="log-details">
          <dl className="grid grid-cols-[minmax(0,1fr)_minmax(0,2fr)] gap-x-3 sm:grid-cols-[14rem_minmax(0,1fr)]">
            {[
              ["time", new Date(entry.timestamp).toISOString()],
              ["source", entry.source],
              ["deployment", entry.deployment_id],
              ...(entry.trace_id ? [["trace_id", entry.trace_id]] : []),
              ...(entry.span_id ? [["span_id", entry.span_id]] : []),
              ...Object.entries(entry.attributes).sort(([a], [b]) => a.localeCompare(b)),
            ].map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="truncate text-zinc-500">{k}</dt>
                <dd className="break-all">{v}</dd>
              </div>
            ))}
          </dl>
          {traceHref && (
            <Link to={traceHref} className="self-start text-indigo-300 hover:underline">
              View trace →
            </Link>
          )}
        </div>
      )}
    </li>
  );
}
