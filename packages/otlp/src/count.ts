import protobuf from "protobufjs";
import { OtlpInputError } from "./errors";
import { type OtlpSignal, otlpRoot } from "./proto";

/** Field number of a message's field, from the official protos (not written down here). */
function fieldId(type: string, field: string): number {
  const id = otlpRoot().lookupType(type).fields[field]?.id;
  if (id === undefined) throw new Error(`${type} has no field ${field}`);
  return id;
}

const P = "opentelemetry.proto";

/** Where the counted items sit in each signal's request, and where a Metric keeps its data points. */
interface Layout {
  /** The path from the request down to the repeated items counted for each signal. */
  paths: Record<OtlpSignal, number[]>;
  /** A Metric holds its data points one level further down, in whichever of these it carries. */
  metricData: { field: number; dataPoints: number }[];
}

let layout: Layout | undefined;

/** Read from the protos at the first count, not at import (an agent that receives no OTLP never needs them). */
function layoutOf(): Layout {
  if (layout) return layout;
  const paths: Record<OtlpSignal, number[]> = {
    traces: [
      fieldId(`${P}.collector.trace.v1.ExportTraceServiceRequest`, "resourceSpans"),
      fieldId(`${P}.trace.v1.ResourceSpans`, "scopeSpans"),
      fieldId(`${P}.trace.v1.ScopeSpans`, "spans"),
    ],
    logs: [
      fieldId(`${P}.collector.logs.v1.ExportLogsServiceRequest`, "resourceLogs"),
      fieldId(`${P}.logs.v1.ResourceLogs`, "scopeLogs"),
      fieldId(`${P}.logs.v1.ScopeLogs`, "logRecords"),
    ],
    metrics: [
      fieldId(`${P}.collector.metrics.v1.ExportMetricsServiceRequest`, "resourceMetrics"),
      fieldId(`${P}.metrics.v1.ResourceMetrics`, "scopeMetrics"),
      fieldId(`${P}.metrics.v1.ScopeMetrics`, "metrics"),
    ],
  };
  const metricData = ["gauge", "sum", "histogram", "exponentialHistogram", "summary"].map((name) => ({
    field: fieldId(`${P}.metrics.v1.Metric`, name),
    dataPoints: 1,
  }));
  const metricFields = otlpRoot().lookupType(`${P}.metrics.v1.Metric`).fields;
  for (const data of metricData) {
    const entry = Object.values(metricFields).find((f) => f.id === data.field);
    if (entry) {
      entry.resolve();
      data.dataPoints = fieldId(`${P}.metrics.v1.${entry.type}`, "dataPoints");
    }
  }
  layout = { paths, metricData };
  return layout;
}

const LEN = 2;

/** Calls `onItem(reader, end)` for each length-delimited field `id` of the message between reader.pos and `end`. */
function forEachField(reader: protobuf.Reader, end: number, id: number, onItem: (end: number) => void): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    if (tag >>> 3 === id && wireType === LEN) {
      const length = reader.uint32();
      const itemEnd = reader.pos + length;
      if (itemEnd > end) throw new RangeError("length beyond the message");
      onItem(itemEnd);
      reader.pos = itemEnd;
    } else {
      reader.skipType(wireType);
    }
  }
  if (reader.pos !== end) throw new RangeError("field runs past its message");
}

/**
 * Counts the spans, log records or metric data points of a protobuf-encoded OTLP request without decoding them:
 * it walks the wire format with protobufjs' Reader down to the items and skips their bytes. Cheap (the agent counts
 * what it forwards undecoded), and it refuses bytes whose outer structure is broken (OtlpInputError 400).
 */
export function countOtlpItems(signal: OtlpSignal, bytes: Uint8Array): number {
  const { paths, metricData } = layoutOf();
  const reader = protobuf.Reader.create(bytes);
  const [l1, l2, l3] = paths[signal] as [number, number, number];
  let count = 0;
  try {
    forEachField(reader, bytes.length, l1, (e1) =>
      forEachField(reader, e1, l2, (e2) =>
        forEachField(reader, e2, l3, (e3) => {
          if (signal !== "metrics") count++;
          else countDataPoints(reader, e3, metricData, (n) => (count += n));
        }),
      ),
    );
  } catch (err) {
    throw new OtlpInputError(`undecodable OTLP ${signal} protobuf: ${(err as Error).message}`, 400, { cause: err });
  }
  return count;
}

function countDataPoints(
  reader: protobuf.Reader,
  end: number,
  metricData: Layout["metricData"],
  add: (n: number) => void,
): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    const data = metricData.find((d) => d.field === tag >>> 3);
    if (data && wireType === LEN) {
      const length = reader.uint32();
      const dataEnd = reader.pos + length;
      if (dataEnd > end) throw new RangeError("length beyond the message");
      let points = 0;
      forEachField(reader, dataEnd, data.dataPoints, () => points++);
      add(points);
    } else {
      reader.skipType(wireType);
    }
  }
}
