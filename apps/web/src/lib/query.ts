import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";

interface Entry {
  data?: unknown;
  error?: unknown;
  loading: boolean;
  /** Bumped by invalidate; a fetch started before the last bump does not overwrite newer data. */
  version: number;
  fetcher?: () => Promise<unknown>;
  listeners: Set<() => void>;
  snapshot: QueryState<unknown>;
}

/** What a component sees of a query. Data stays while it is refetched, so live updates do not flash. */
export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
}

const cache = new Map<string, Entry>();

// The snapshot of a query without a key. One object: useSyncExternalStore re-renders forever when the snapshot
// is a new object on every call.
const IDLE: QueryState<unknown> = { data: undefined, error: undefined, loading: false };

function entryOf(key: string): Entry {
  let e = cache.get(key);
  if (!e) {
    e = {
      loading: true,
      version: 0,
      listeners: new Set(),
      snapshot: { data: undefined, error: undefined, loading: true },
    };
    cache.set(key, e);
  }
  return e;
}

function publish(e: Entry): void {
  e.snapshot = { data: e.data, error: e.error, loading: e.loading };
  for (const l of e.listeners) l();
}

async function run(key: string): Promise<void> {
  const e = entryOf(key);
  if (!e.fetcher) return;
  const version = ++e.version;
  if (e.data === undefined) {
    e.loading = true;
    publish(e);
  }
  try {
    const data = await e.fetcher();
    if (version !== e.version) return;
    e.data = data;
    e.error = undefined;
  } catch (err) {
    if (version !== e.version) return;
    e.error = err;
  }
  e.loading = false;
  publish(e);
}

/**
 * Fetches `key` with `fetcher`, shares the answer between components, and refetches on `invalidate`.
 * A null key fetches nothing (waiting for a parameter).
 */
export function useQuery<T>(key: string | null, fetcher: () => Promise<T>): QueryState<T> & { refetch(): void } {
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const subscribe = useCallback(
    (listener: () => void) => {
      if (!key) return () => {};
      const e = entryOf(key);
      e.listeners.add(listener);
      return () => e.listeners.delete(listener);
    },
    [key],
  );
  const state = useSyncExternalStore(subscribe, () => (key ? entryOf(key).snapshot : IDLE)) as QueryState<T>;
  useEffect(() => {
    if (!key) return;
    const e = entryOf(key);
    e.fetcher = () => fetcherRef.current();
    void run(key);
  }, [key]);
  const refetch = useCallback(() => {
    if (key) void run(key);
  }, [key]);
  return { ...state, refetch };
}

/** Refetches every cached query whose key starts with one of the prefixes (for those on screen). */
export function invalidate(...prefixes: string[]): void {
  for (const [key, e] of cache) {
    if (!prefixes.some((p) => key.startsWith(p))) continue;
    if (e.listeners.size > 0) void run(key);
    else cache.delete(key);
  }
}

/** Puts an answer the caller already has (a sign-in returns who signed in) into the cache. */
export function setQueryData(key: string, data: unknown): void {
  const e = entryOf(key);
  e.version++;
  e.data = data;
  e.error = undefined;
  e.loading = false;
  publish(e);
}

/** Forgets everything (sign-out). */
export function clearQueries(): void {
  cache.clear();
}
