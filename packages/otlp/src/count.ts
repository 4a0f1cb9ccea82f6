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

/**
 * A cursor over protobuf wire format: varints read straight off the bytes. One small object per count and nothing
 * per field (protobufjs' Reader plus a closure per nesting level and item was most of what counting allocated).
 */
class Wire {
  pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** A varint's low 32 bits, as protobufjs' `uint32` reads it (up to 10 bytes). */
  varint(): number {
    const { bytes } = this;
    // Tags and most lengths take one or two bytes.
    if (this.pos + 1 < bytes.length) {
      const first = bytes[this.pos] as number;
      if (first < 0x80) {
        this.pos++;
        return first;
      }
      const second = bytes[this.pos + 1] as number;
      if (second < 0x80) {
        this.pos += 2;
        return (first & 0x7f) | (second << 7);
      }
    }
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= bytes.length) throw new RangeError("varint runs past the end");
      const byte = bytes[this.pos++] as number;
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value >>> 0;
    }
    throw new RangeError("varint longer than 10 bytes");
  }

  /** Reads a length prefix; the end of the field it announces, which must lie within `end`. */
  lengthEnd(end: number): number {
    const length = this.varint();
    const fieldEnd = this.pos + length;
    if (fieldEnd > end) throw new RangeError("length beyond the message");
    return fieldEnd;
  }

  /** Skips a field's value of `wireType` (groups included, as protobufjs' `skipType` does). */
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        break;
      case 1:
        this.pos += 8;
        break;
      case LEN: {
        const length = this.varint();
        this.pos += length;
        break;
      }
      case 3:
        for (;;) {
          const tag = this.varint();
          if ((tag & 7) === 4) break;
          this.skip(tag & 7);
        }
        break;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new RangeError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
    if (this.pos > this.bytes.length) throw new RangeError("field runs past the end");
  }
}

/**
 * Counts the items at the end of `path` (field numbers, one per nesting level from `depth`) in the message between
 * wire.pos and `end`; a Metric's items are its data points (`metricData`).
 */
function countIn(wire: Wire, end: number, path: readonly number[], depth: number, metricData?: MetricData): number {
  const id = path[depth];
  const last = depth === path.length - 1;
  let count = 0;
  while (wire.pos < end) {
    const tag = wire.varint();
    const wireType = tag & 7;
    if (tag >>> 3 === id && wireType === LEN) {
      const itemEnd = wire.lengthEnd(end);
      if (!last) count += countIn(wire, itemEnd, path, depth + 1, metricData);
      else if (metricData) count += countDataPoints(wire, itemEnd, metricData);
      else count++;
      wire.pos = itemEnd;
    } else {
      wire.skip(wireType);
    }
  }
  if (wire.pos !== end) throw new RangeError("field runs past its message");
  return count;
}

type MetricData = Layout["metricData"];

/** The data points of one Metric (between wire.pos and `end`), in whichever kind of data it carries. */
function countDataPoints(wire: Wire, end: number, metricData: MetricData): number {
  let count = 0;
  while (wire.pos < end) {
    const tag = wire.varint();
    const wireType = tag & 7;
    const data = metricData.find((d) => d.field === tag >>> 3);
    if (data && wireType === LEN) {
      const dataEnd = wire.lengthEnd(end);
      count += countIn(wire, dataEnd, [data.dataPoints], 0);
      wire.pos = dataEnd;
    } else {
      wire.skip(wireType);
    }
  }
  return count;
}

/**
 * Counts the spans, log records or metric data points of a protobuf-encoded OTLP request without decoding them:
 * it walks the wire format down to the items and skips their bytes. Cheap (the agent counts what it forwards
 * undecoded), and it refuses bytes whose outer structure is broken (OtlpInputError 400).
 */
export function countOtlpItems(signal: OtlpSignal, bytes: Uint8Array): number {
  const { paths, metricData } = layoutOf();
  try {
    return countIn(new Wire(bytes), bytes.length, paths[signal], 0, signal === "metrics" ? metricData : undefined);
  } catch (err) {
    throw new OtlpInputError(`undecodable OTLP ${signal} protobuf: ${(err as Error).message}`, 400, { cause: err });
  }
}
