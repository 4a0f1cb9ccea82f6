import type { SpanEvent, TraceSpan } from "@syntra/contracts";
import { attributesToScalars } from "./attributes";
import { type Attribution, deploymentOf } from "./attribution";
import { type ExportTraceServiceRequest, int64, type Span } from "./messages";
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
    const resourceAttributes = attributesToScalars(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope: Record<string, string> = {};
      if (ss.scope?.name) scope["otel.scope.name"] = ss.scope.name;
      if (ss.scope?.version) scope["otel.scope.version"] = ss.scope.version;
      for (const span of ss.spans ?? []) {
        if (span.traceId?.length !== 16 || span.spanId?.length !== 8 || isZero(span.traceId) || isZero(span.spanId)) {
          out.rejected++;
          out.error ??= "spans need a 16-byte trace id and an 8-byte span id, not all zero";
          continue;
        }
        if (int64(span.startTimeUnixNano) <= 0) {
          out.rejected++;
          out.error ??= "spans need a start time";
          continue;
        }
        out.spans.push(convertSpan(span, attribution.serviceId, deploymentId, { ...resourceAttributes, ...scope }));
      }
    }
  }
  return out;
}

function convertSpan(
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
