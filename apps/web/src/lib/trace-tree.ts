import type { SpanOutline } from "@syntra/contracts";

/** What the waterfall needs of a span (a full span has it too). */
type Span = SpanOutline;

/** A span placed in the waterfall: its depth in the tree, and times relative to the trace's start (ms). */
export interface WaterfallRow {
  span: Span;
  depth: number;
  startMs: number;
  durationMs: number;
  childCount: number;
  /** On the trace's critical path: the chain of spans the trace's end waited on. */
  critical: boolean;
}

/** The trace laid out: rows in tree order (children by start time) and the trace's bounds. */
export interface Waterfall {
  rows: WaterfallRow[];
  /** The trace's first start, epoch milliseconds. */
  startMs: number;
  durationMs: number;
  services: string[];
  errors: number;
}

/** An API time in epoch milliseconds, with the microseconds the ISO time carries past the millisecond. */
export const isoMs = (iso: string) => Date.parse(iso) + (Number(iso.slice(23, 26)) || 0) / 1000;

/** A span's start in epoch milliseconds. */
const startMs = (s: Span) => isoMs(s.start_time);

/** Options of `layoutTrace`. */
export interface LayoutOptions {
  /** The trace's bounds (epoch ms) when known beforehand (the API sends them): the time axis then stays put. */
  bounds?: { startMs: number; endMs: number } | undefined;
  /** Find the critical path (default true); meaningless until every span is in. */
  criticalPath?: boolean;
}

/**
 * Lays a trace out as a waterfall: depth-first in start order, so each span sits under its parent. A span whose parent
 * is missing (not sampled, or not arrived yet) starts a tree of its own. The critical path is found as Jaeger does:
 * from the root's end, the child that finished last before it, then within that child the same, and so on, then the
 * child that finished before that one started.
 */
export function layoutTrace(spans: Span[], options: LayoutOptions = {}): Waterfall {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    if (s.parent_span_id && byId.has(s.parent_span_id)) {
      const list = children.get(s.parent_span_id) ?? [];
      list.push(s);
      children.set(s.parent_span_id, list);
    } else roots.push(s);
  }
  const begin = (s: Span) => startMs(s);
  const end = (s: Span) => begin(s) + s.duration_ns / 1e6;
  for (const list of children.values()) list.sort((a, b) => begin(a) - begin(b));
  roots.sort((a, b) => begin(a) - begin(b));
  // A loop, not Math.min(...spans): spreading 100,000 arguments overflows the stack.
  let t0 = options.bounds?.startMs ?? Number.POSITIVE_INFINITY;
  let t1 = options.bounds?.endMs ?? Number.NEGATIVE_INFINITY;
  if (!options.bounds) {
    for (const s of spans) {
      t0 = Math.min(t0, begin(s));
      t1 = Math.max(t1, end(s));
    }
  }

  const critical = new Set<string>();
  const longest = roots.reduce<Span | undefined>((a, b) => (!a || end(b) > end(a) ? b : a), undefined);
  // A stack, not recursion, so a 10,000-deep chain of spans does not overflow the call stack. Within a span, its
  // children by end, latest first: each one that ends before the cursor is waited on (and walked the same way up to
  // the cursor), then the cursor moves to its start.
  const pending: [Span, number][] = longest && options.criticalPath !== false ? [[longest, end(longest)]] : [];
  while (pending.length > 0) {
    const [span, until] = pending.pop() as [Span, number];
    critical.add(span.span_id);
    const kids = [...(children.get(span.span_id) ?? [])].sort((a, b) => end(b) - end(a));
    let cursor = Math.min(until, end(span));
    for (const kid of kids) {
      if (begin(kid) >= cursor) continue; // wholly after what is already on the path
      pending.push([kid, cursor]);
      cursor = begin(kid);
    }
  }

  const rows: WaterfallRow[] = [];
  // Iterative, so a 10,000-span chain does not overflow the stack.
  const stack: { span: Span; depth: number }[] = roots.map((span) => ({ span, depth: 0 })).reverse();
  while (stack.length > 0) {
    const { span, depth } = stack.pop() as { span: Span; depth: number };
    const kids = children.get(span.span_id) ?? [];
    rows.push({
      span,
      depth,
      startMs: begin(span) - t0,
      durationMs: span.duration_ns / 1e6,
      childCount: kids.length,
      critical: critical.has(span.span_id),
    });
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i] as Span, depth: depth + 1 });
  }
  return {
    rows,
    startMs: t0,
    durationMs: t1 - t0,
    services: [...new Set(spans.map((s) => s.service_id))],
    errors: spans.filter((s) => s.status_code === "error").length,
  };
}

/** Rows left visible when some spans are collapsed (their descendants hidden). */
export function visibleRows(rows: WaterfallRow[], collapsed: Set<string>): WaterfallRow[] {
  if (collapsed.size === 0) return rows;
  const out: WaterfallRow[] = [];
  let hideBelow = Number.POSITIVE_INFINITY;
  for (const row of rows) {
    if (row.depth > hideBelow) continue;
    hideBelow = Number.POSITIVE_INFINITY;
    out.push(row);
    if (collapsed.has(row.span.span_id)) hideBelow = row.depth;
  }
  return out;
}
