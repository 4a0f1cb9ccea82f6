import type { Breadcrumb, ErrorEventItem, StackFrame } from "@syntra/contracts";
import { useState } from "react";
import { dateTime } from "../lib/format";
import { Badge } from "./ui/badge";
import { Button } from "./ui/button";

/** One frame: where it is, and its source lines around the one that ran, that line highlighted. */
function Frame({ frame, open }: { frame: StackFrame; open: boolean }) {
  const [expanded, setExpanded] = useState(open);
  const hasSource = frame.context_line !== undefined;
  const first = frame.lineno - (frame.pre_context?.length ?? 0);
  const lines = [...(frame.pre_context ?? []), frame.context_line ?? "", ...(frame.post_context ?? [])];
  return (
    <li className={`border-b border-zinc-200 last:border-0 dark:border-zinc-800 ${frame.in_app ? "" : "opacity-70"}`}>
      <button
        type="button"
        className="flex w-full items-baseline gap-2 px-3 py-2 text-left text-sm hover:bg-zinc-50 dark:hover:bg-zinc-900"
        onClick={() => setExpanded(!expanded)}
        aria-expanded={expanded}
        disabled={!hasSource}
      >
        <span className="font-mono font-medium">{frame.function || "<anonymous>"}</span>
        <span className="truncate font-mono text-xs text-zinc-500">
          {frame.module ?? frame.filename}
          {frame.lineno > 0 && `:${frame.lineno}`}
          {frame.colno !== undefined && `:${frame.colno}`}
        </span>
        {frame.in_app && (
          <Badge tone="blue" className="ml-auto">
            in app
          </Badge>
        )}
      </button>
      {expanded && hasSource && (
        <pre className="overflow-x-auto bg-zinc-950 px-0 py-2 text-xs text-zinc-200" data-testid="source-context">
          {lines.map((line, i) => {
            const n = first + i;
            return (
              <div key={n} className={n === frame.lineno ? "bg-indigo-900/70 text-white" : ""}>
                <span className="inline-block w-12 select-none pr-3 text-right text-zinc-500">{n}</span>
                {line}
              </div>
            );
          })}
        </pre>
      )}
    </li>
  );
}

/**
 * A stack trace, most recent call first as people read them. In-app frames only by default (the app's own code,
 * where the fix is); the full stack is one click away.
 */
export function StackTrace({ frames }: { frames: StackFrame[] }) {
  const inApp = frames.filter((f) => f.in_app).length;
  const [all, setAll] = useState(inApp === 0);
  const shown = [...frames].reverse().filter((f) => all || f.in_app);
  return (
    <div>
      <div className="mb-2 flex items-center justify-between text-sm">
        <span className="text-zinc-500">
          {frames.length} frames, {inApp} in app
        </span>
        {inApp > 0 && inApp < frames.length && (
          <Button size="sm" variant="ghost" onClick={() => setAll(!all)}>
            {all ? "In-app frames only" : "Show all frames"}
          </Button>
        )}
      </div>
      {frames.length === 0 ? (
        <p className="text-sm text-zinc-500">The event carries no stack trace.</p>
      ) : (
        <ol className="rounded-md border border-zinc-200 dark:border-zinc-800" aria-label="Stack trace">
          {shown.map((frame, i) => (
            // Frames have no id; the same function may appear twice (recursion), so position is part of the key.
            // biome-ignore lint/suspicious/noArrayIndexKey: frames are positional
            <Frame key={`${i}:${frame.filename}:${frame.lineno}`} frame={frame} open={i === 0} />
          ))}
        </ol>
      )}
    </div>
  );
}

const CRUMB_TONES = { error: "red", warning: "amber", info: "neutral", debug: "neutral" } as const;

/** What the app did before the error, oldest first, the error last. */
export function Breadcrumbs({ crumbs, event }: { crumbs: Breadcrumb[]; event: ErrorEventItem }) {
  if (crumbs.length === 0) return <p className="text-sm text-zinc-500">No breadcrumbs were recorded.</p>;
  return (
    <ol className="relative ml-2 border-l border-zinc-200 dark:border-zinc-800" aria-label="Breadcrumbs">
      {crumbs.map((b, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: breadcrumbs are positional
        <li key={i} className="mb-2 ml-4">
          <span className="absolute -left-1.5 mt-1.5 size-3 rounded-full border border-white bg-zinc-300 dark:border-zinc-950 dark:bg-zinc-600" />
          <div className="flex flex-wrap items-baseline gap-2 text-sm">
            <span className="font-mono text-xs text-zinc-500">{new Date(b.timestamp).toLocaleTimeString()}</span>
            <Badge tone={CRUMB_TONES[b.level]}>{b.category}</Badge>
            <span className="break-all">{b.message ?? (b.data ? JSON.stringify(b.data) : "")}</span>
          </div>
        </li>
      ))}
      <li className="ml-4">
        <span className="absolute -left-1.5 mt-1.5 size-3 rounded-full bg-red-500" />
        <div className="text-sm font-medium text-red-700 dark:text-red-300">
          {dateTime(event.timestamp)} · {event.type}: {event.message}
        </div>
      </li>
    </ol>
  );
}
