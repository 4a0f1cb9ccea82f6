import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { spanId, traceId } from "../telemetry/traces";
import { span, traceIdParam } from "./observability";

// A trace a page at a time (Syntra additions to interface contracts 2.3): the waterfall of a 10,000-span trace draws
// its first screen from the first page, and loads the rest behind it. Pages carry each span's outline (what a
// waterfall row needs); attributes and events, most of a span's bytes, come for the one span opened in the panel.

/** Spans per page when the caller names no limit. */
export const TRACE_PAGE_DEFAULT_LIMIT = 1000;
/** The largest page. */
export const TRACE_PAGE_MAX_LIMIT = 5000;

/** GET /traces/:traceId/spans query: the page size and, after the first page, the previous page's `meta.cursor`. */
export const traceSpansQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(TRACE_PAGE_MAX_LIMIT).default(TRACE_PAGE_DEFAULT_LIMIT),
  cursor: z.string().min(1).max(256).optional(),
});
export type TraceSpansQuery = z.infer<typeof traceSpansQuery>;

/** A span without its attributes and events: what a row of the waterfall shows. */
export const spanOutline = span.pick({
  span_id: true,
  parent_span_id: true,
  service_id: true,
  operation_name: true,
  span_kind: true,
  start_time: true,
  duration_ns: true,
  status_code: true,
});
export type SpanOutline = z.infer<typeof spanOutline>;

/** How many of a trace's spans one service wrote. */
export const traceServiceSpans = z.object({ service_id: uuid, spans: z.number().int().positive() });

/**
 * GET /traces/:traceId/spans: a page of the trace's span outlines in start order (then span id). `meta.cursor` is
 * there when more spans follow. The trace's bounds come on every page, so a waterfall's time axis is final from the
 * first one; the span counts come on the first page only (null on later pages, which do not count again).
 */
export const traceSpansPage = z.object({
  trace_id: traceId,
  /** The trace's first span start and last span end. */
  start_time: isoTimestamp,
  end_time: isoTimestamp,
  /** Spans in the whole trace (of the services the caller may see); null after the first page. */
  span_count: z.number().int().nonnegative().nullable(),
  /** Spans per service in the whole trace; null after the first page. */
  services: z.array(traceServiceSpans).nullable(),
  spans: z.array(spanOutline),
});
export type TraceSpansPage = z.infer<typeof traceSpansPage>;

/** Path of GET /traces/:traceId/spans/:spanId; upper-case hex is read as the same ids. */
export const traceSpanParams = traceIdParam.extend({
  spanId: z
    .string()
    .regex(/^[0-9a-fA-F]{16}$/, "expected a span id: 16 hex characters")
    .transform((id) => id.toLowerCase())
    .pipe(spanId),
});
