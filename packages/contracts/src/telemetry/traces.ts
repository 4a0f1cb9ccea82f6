import { z } from "zod";
import { uuid } from "../common";

/** W3C trace id: 16 bytes as 32 lowercase hex characters. */
export const traceId = z.string().regex(/^[0-9a-f]{32}$/, "expected 32 lowercase hex characters");

/** W3C span id: 8 bytes as 16 lowercase hex characters. */
export const spanId = z.string().regex(/^[0-9a-f]{16}$/, "expected 16 lowercase hex characters");

/**
 * Unix time or a duration in nanoseconds. Not `.int()`: zod's int is limited to safe integers
 * (2^53, about 104 days in ns), and today's epoch in ns is ~1.7e18. Such values arrive as JSON
 * doubles, so they keep microsecond precision at best; `multipleOf(1)` still rejects fractions.
 */
export const nanoseconds = z.number().nonnegative().multipleOf(1);

/** Span and span event attributes, as OpenTelemetry allows them (scalar values only). */
export const spanAttributes = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** A timestamped annotation inside a span, e.g. an exception or a retry. */
export const spanEvent = z.object({
  name: z.string().min(1),
  timestamp_ns: nanoseconds,
  attributes: spanAttributes,
});
export type SpanEvent = z.infer<typeof spanEvent>;

/** One span of a distributed trace, as the agent's OTLP receiver converts it. */
export const traceSpan = z.object({
  trace_id: traceId,
  span_id: spanId,
  // Absent for a root span.
  parent_span_id: spanId.optional(),
  service_id: uuid,
  deployment_id: uuid,
  operation_name: z.string().min(1),
  span_kind: z.enum(["internal", "server", "client", "producer", "consumer"]),
  start_time_ns: nanoseconds,
  duration_ns: nanoseconds,
  status: z.object({
    code: z.enum(["unset", "ok", "error"]),
    message: z.string().optional(),
  }),
  attributes: spanAttributes,
  events: z.array(spanEvent),
  // How many spans this kept span stands for: the agent's sampler sets 1/rate, so that counts and rates shown
  // later are scaled back. Absent means 1 (not sampled).
  sample_weight: z.number().min(1).optional(),
});
export type TraceSpan = z.infer<typeof traceSpan>;
