import type { SpanOutline, TraceSpansPage } from "@syntra/contracts";
import { useCallback, useEffect, useState } from "react";
import { api } from "./api";

/** The first page is small, so the first screen of a big trace draws at once; later pages are large. */
export const FIRST_PAGE = 300;
export const NEXT_PAGE = 5000;

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
          const first = await api.telemetry.traceSpans.withMeta({ traceId, limit: FIRST_PAGE });
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
