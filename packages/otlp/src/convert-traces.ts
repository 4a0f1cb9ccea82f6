import type { SpanEvent, TraceSpan } from "@syntra/contracts";
import { attributesToScalars } from "./attributes";
import { type Attribution, deploymentOf } from "./attribution";
import { type ExportTraceServiceRequest, type InstrumentationScope, int64, type Resource, type Span } from "./messages";
import { sampleWeightOf } from "./sampling-threshold";

const KINDS: TraceSpan["span_kind"][] = ["internal", "internal", "server", "client", "producer", "consumer"];
const STATUS: TraceSpan["status"]["code"][] = ["unset", "ok", "error"];

/** Converted spans, and how many were refused (invalid ids) with the first reason, for a partial success. */
export interface ConvertedSpans {
  spans: TraceSpan[];
  rejected: number;
  error?: string;
}

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * OTLP spans as contract spans. Resource attributes are merged under the span's own (the span's win), the scope's
 * name and version become `otel.scope.name`/`otel.scope.version`, the sample weight comes from the tracestate's
 * `ot=th:` threshold. Spans with a missing or all-zero trace or span id, or without a start time, are rejected
 * (counted, not thrown).
 */
export function convertTraces(request: ExportTraceServiceRequest, attribution: Attribution): ConvertedSpans {
  const out: ConvertedSpans = { spans: [], rejected: 0 };
  for (const rs of request.resourceSpans ?? []) {
    const deploymentId = deploymentOf(rs.resource, attribution);
    const resourceAttributes = resourceSpanAttributes(rs.resource);
    for (const ss of rs.scopeSpans ?? []) {
      const inherited = inheritedSpanAttributes(resourceAttributes, ss.scope);
      for (const span of ss.spans ?? []) {
        const refused = spanRejection(span);
        if (refused) {
          out.rejected++;
          out.error ??= refused;
          continue;
        }
        out.spans.push(convertSpan(span, attribution.serviceId, deploymentId, inherited));
      }
    }
  }
  return out;
}

/**
 * What every span of a scope carries before its own attributes: its resource's (as `resourceSpanAttributes` gives
 * them), then the scope's name and version as `otel.scope.name`/`otel.scope.version`.
 */
export function inheritedSpanAttributes(
  resourceAttributes: Record<string, string | number | boolean>,
  scope: InstrumentationScope | null | undefined,
): Record<string, string | number | boolean> {
  const inherited = { ...resourceAttributes };
  if (scope?.name) inherited["otel.scope.name"] = scope.name;
  if (scope?.version) inherited["otel.scope.version"] = scope.version;
  return inherited;
}

/** A resource's attributes as spans carry them. */
export function resourceSpanAttributes(
  resource: Resource | null | undefined,
): Record<string, string | number | boolean> {
  return attributesToScalars(resource?.attributes);
}

/** Why a span cannot be stored (ids missing or all zero, no start time), or null when it can. */
export function spanRejection(span: Span): string | null {
  if (span.traceId?.length !== 16 || span.spanId?.length !== 8 || isZero(span.traceId) || isZero(span.spanId)) {
    return "spans need a 16-byte trace id and an 8-byte span id, not all zero";
  }
  if (int64(span.startTimeUnixNano) <= 0) return "spans need a start time";
  return null;
}

/**
 * One OTLP span (that `spanRejection` accepts) as a contract span of the service and deployment, its own attributes
 * over `inherited` (see inheritedSpanAttributes).
 */
export function convertSpan(
  span: Span,
  serviceId: string,
  deploymentId: string,
  inherited: Record<string, string | number | boolean>,
): TraceSpan {
  const start = int64(span.startTimeUnixNano);
  const end = int64(span.endTimeUnixNano);
  const parent = span.parentSpanId?.length === 8 && !isZero(span.parentSpanId) ? span.parentSpanId : undefined;
  const status = span.status;
  const weight = span.traceState ? sampleWeightOf(span.traceState) : 1;
  const events: SpanEvent[] = (span.events ?? []).map((e) => ({
    name: e.name || "(unnamed)",
    timestamp_ns: Math.max(0, int64(e.timeUnixNano)),
    attributes: attributesToScalars(e.attributes),
  }));
  return {
    trace_id: Buffer.from(span.traceId).toString("hex"),
    span_id: Buffer.from(span.spanId).toString("hex"),
    ...(parent ? { parent_span_id: Buffer.from(parent).toString("hex") } : {}),
    service_id: serviceId,
    deployment_id: deploymentId,
    operation_name: span.name || "(unnamed)",
    span_kind: KINDS[span.kind] ?? "internal",
    start_time_ns: Math.max(0, start),
    duration_ns: Math.max(0, end - start),
    status: {
      code: STATUS[status?.code ?? 0] ?? "unset",
      ...(status?.message ? { message: status.message } : {}),
    },
    attributes: attributesToScalars(span.attributes, { ...inherited }),
    events,
    ...(weight > 1 ? { sample_weight: weight } : {}),
  };
}
