import type { SpanOutline, TraceSpansPage } from "@syntra/contracts";
import { useCallback, useEffect, useState } from "react";
import { api } from "./api";

/** The first page is small, so the first screen of a big trace draws at once; later pages are large. */
export const FIRST_PAGE = 300;
export const NEXT_PAGE = 5000;

type FirstPage = Awaited<ReturnType<typeof api.telemetry.traceSpans.withMeta>>;

/**
 * First pages asked for lately, by trace: by `prefetchTraceFirstPage` before the view mounted (not yet `taken`), or
 * by the view itself. Kept a few seconds, so a prefetch right after the view asked (a parent's effect runs after its
 * child's) does not ask again.
 */
const early = new Map<string, { at: number; page: Promise<FirstPage>; taken: boolean }>();
const EARLY_MS = 10_000;

/** Forgets answers older than EARLY_MS, so the map holds only the last few seconds' traces. */
const remember = (traceId: string, entry: { at: number; page: Promise<FirstPage>; taken: boolean }) => {
  for (const [id, e] of early) if (entry.at - e.at >= EARLY_MS) early.delete(id);
  early.set(traceId, entry);
};

const fresh = (traceId: string) => {
  const entry = early.get(traceId);
  return entry && Date.now() - entry.at < EARLY_MS ? entry : undefined;
};

/**
 * Asks for a trace's first page now, before its view mounts (a reload of a trace's address waits for the service's
 * page and the view's code first): the view takes this answer instead of asking again.
 */
export function prefetchTraceFirstPage(traceId: string): void {
  if (fresh(traceId)) return;
  const page = api.telemetry.traceSpans.withMeta({ traceId, limit: FIRST_PAGE });
  page.catch(() => {}); // reported by the view when it takes the answer
  remember(traceId, { at: Date.now(), page, taken: false });
}

/** The trace's first page: the prefetched answer when there is one not yet taken, else a new request. */
function firstPage(traceId: string): Promise<FirstPage> {
  const prefetched = fresh(traceId);
  if (prefetched && !prefetched.taken) {
    prefetched.taken = true;
    return prefetched.page;
  }
  const page = api.telemetry.traceSpans.withMeta({ traceId, limit: FIRST_PAGE });
  remember(traceId, { at: Date.now(), page, taken: true });
  return page;
}

/** A trace's span outlines as its pages arrive. */
export interface LoadedTrace {
  /** The first page's answer: the trace's bounds and span counts. */
  head: TraceSpansPage;
  spans: SpanOutline[];
  /** Every page is in. */
  complete: boolean;
}

/**
 * Loads a trace a page at a time: the first page (a screen's worth) is shown at once and the rest follow behind it,
 * one request after another. A page that fails keeps what arrived and reports the error (retry continues from it).
 */
export function useTraceSpans(traceId: string): {
  data: LoadedTrace | undefined;
  error: unknown;
  loading: boolean;
  refetch(): void;
} {
  const [state, setState] = useState<{ data?: LoadedTrace; error?: unknown; cursor?: string; attempt: number }>({
    attempt: 0,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` restarts the loading after an error
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      let cursor = state.cursor;
      try {
        if (state.data === undefined) {
          const first = await firstPage(traceId);
          if (cancelled) return;
          cursor = first.meta?.cursor;
          setState((s) => ({
            ...s,
            data: { head: first.data, spans: first.data.spans, complete: cursor === undefined },
            cursor,
            error: undefined,
          }));
        }
        while (cursor !== undefined) {
          const page = await api.telemetry.traceSpans.withMeta({ traceId, limit: NEXT_PAGE, cursor });
          if (cancelled) return;
          cursor = page.meta?.cursor;
          const next = cursor;
          setState((s) =>
            s.data
              ? {
                  ...s,
                  data: { ...s.data, spans: [...s.data.spans, ...page.data.spans], complete: next === undefined },
                  cursor: next,
                  error: undefined,
                }
              : s,
          );
        }
      } catch (error) {
        if (!cancelled) setState((s) => ({ ...s, error }));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [traceId, state.attempt]);
  const refetch = useCallback(() => setState((s) => ({ ...s, error: undefined, attempt: s.attempt + 1 })), []);
  return {
    data: state.data,
    error: state.error,
    loading: state.data === undefined ? !state.error : !state.data.complete && !state.error,
    refetch,
  };
}
