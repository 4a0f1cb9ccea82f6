import type { TraceSpan } from "@syntra/contracts";
import {
  type Attribution,
  convertSpan,
  deploymentOf,
  type InstrumentationScope,
  inheritedSpanAttributes,
  otlpFields,
  otlpType,
  type Resource,
  resourceSpanAttributes,
  type Span,
  sampleWeightOf,
  spanRejection,
  WireType,
} from "@syntra/otlp";
import type { RowBinaryWriter } from "../store/row-binary";
import { attributeText, writeSpan } from "../store/rows";
import {
  AttributeScan,
  allZero,
  encodeInherited,
  FieldRanges,
  type Inherited,
  lengthEnd,
  readGroup,
  resourceType,
  scopeType,
  uuidColumns,
  ValueKind,
  type WireReader,
  writeEachGroup,
  writeHex,
  writeUtf8,
} from "./otlp-wire";

const REQUEST = otlpFields.traceRequest;
const RS = otlpFields.resourceSpans;
const SS = otlpFields.scopeSpans;
const SPAN = otlpFields.span;
const STATUS = otlpFields.status;
const LEN = WireType.len;
const spanType = otlpType("trace.v1.Span");

// OTLP SpanKind (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer) -> the table's Enum8 value.
const KIND = [0, 0, 1, 2, 3, 4];
const TWO_32 = 2 ** 32;

/** What writing one request's spans came to. */
export interface SpanRowsResult {
  /** Rows written. */
  rows: number;
  /** Spans refused (ids missing or zero, no start time), with the first reason: an OTLP partial success. */
  rejected: number;
  error?: string;
  /** The stored spans that carry events (where exception events are), as contract spans for the errors domain. */
  withEvents: TraceSpan[];
  /** Spans that took the general path (decoded by protobufjs), for tests and figures. */
  general: number;
}

/** Where a scope's spans belong and what they inherit. */
interface ScopeContext {
  orgId: string;
  serviceId: string;
  deploymentId: string;
  inherited: Record<string, string | number | boolean>;
  encoded: Inherited;
  /** The row's first columns: organization, service and deployment ids (uuidColumns). */
  ids: Buffer;
}

// One scan reused for every span: conversion is synchronous.
const scan = new AttributeScan();
// Where a resource's scopes and a scope's items are (see FieldRanges).
const scopeRanges = new FieldRanges();
const itemRanges = new FieldRanges();

/**
 * Writes the spans of one protobuf ExportTraceServiceRequest as rows of the `traces` table (spanTable's columns),
 * straight from the wire format: no span object, no attribute record, no JavaScript string for ids, names or string
 * attributes, whose bytes are copied from the request into the row. Stores exactly what convertTraces followed by
 * writeSpan stores (the tests compare both); a span that needs more than the common case (events, links, structured
 * or bytes attribute values, an attribute named twice) is decoded by protobufjs and converted that general way.
 * Throws OtlpInputError (400) when the bytes are not a request; then nothing of it is written.
 */
export function writeSpanRows(
  w: RowBinaryWriter,
  bytes: Uint8Array,
  attribution: Attribution,
  orgId: string,
): SpanRowsResult {
  const out: SpanRowsResult = { rows: 0, rejected: 0, withEvents: [], general: 0 };
  writeEachGroup(w, bytes, "traces", REQUEST.resourceSpans, (reader, end) =>
    resourceSpans(w, reader, end, attribution, orgId, out),
  );
  return out;
}

function resourceSpans(
  w: RowBinaryWriter,
  reader: WireReader,
  end: number,
  attribution: Attribution,
  orgId: string,
  out: SpanRowsResult,
): void {
  const scopes = scopeRanges;
  const resource = readGroup<Resource>(reader, end, RS.resource, RS.scopeSpans, resourceType, scopes);
  const deploymentId = deploymentOf(resource, attribution);
  const resourceAttributes = resourceSpanAttributes(resource);
  for (let i = 0; i < scopes.length; i += 2) {
    reader.pos = scopes.at(i);
    scopeSpans(w, reader, scopes.at(i + 1), resourceAttributes, out, {
      orgId,
      serviceId: attribution.serviceId,
      deploymentId,
    });
  }
}

function scopeSpans(
  w: RowBinaryWriter,
  reader: WireReader,
  end: number,
  resourceAttributes: Record<string, string | number | boolean>,
  out: SpanRowsResult,
  owner: Pick<ScopeContext, "orgId" | "serviceId" | "deploymentId">,
): void {
  const spans = itemRanges;
  const scope = readGroup<InstrumentationScope>(reader, end, SS.scope, SS.spans, scopeType, spans);
  const inherited = inheritedSpanAttributes(resourceAttributes, scope);
  const ctx: ScopeContext = {
    ...owner,
    inherited,
    encoded: encodeInherited(inherited, attributeText),
    ids: uuidColumns(owner.orgId, owner.serviceId, owner.deploymentId),
  };
  for (let i = 0; i < spans.length; i += 2) {
    const spanStart = spans.at(i);
    const spanEnd = spans.at(i + 1);
    reader.pos = spanStart;
    if (!fastSpan(w, reader, spanEnd, ctx, out)) generalSpan(w, reader.buf.subarray(spanStart, spanEnd), ctx, out);
    reader.pos = spanEnd;
  }
}

/** The general way: protobufjs decodes the span, convertSpan converts it, writeSpan writes it. */
function generalSpan(w: RowBinaryWriter, bytes: Uint8Array, ctx: ScopeContext, out: SpanRowsResult): void {
  out.general++;
  const span = spanType.decode(bytes) as unknown as Span;
  const refused = spanRejection(span);
  if (refused) {
    out.rejected++;
    out.error ??= refused;
    return;
  }
  const converted = convertSpan(span, ctx.serviceId, ctx.deploymentId, ctx.inherited);
  writeSpan(w, { ...converted, org_id: ctx.orgId });
  out.rows++;
  if (converted.events.length > 0) out.withEvents.push(converted);
}

/**
 * Writes the span between reader.pos and `end` in the common case; false (nothing written) when it is not one, for
 * the general path to take it.
 */
function fastSpan(
  w: RowBinaryWriter,
  reader: WireReader,
  end: number,
  ctx: ScopeContext,
  out: SpanRowsResult,
): boolean {
  const buf = reader.buf;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  let parentStart = 0;
  let parentEnd = 0;
  let stateStart = 0;
  let stateEnd = 0;
  let nameStart = 0;
  let nameEnd = 0;
  let statusStart = 0;
  let statusEnd = 0;
  let kind = 0;
  let start = 0;
  let finish = 0;
  scan.reset();
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (
      id === SPAN.traceId ||
      id === SPAN.spanId ||
      id === SPAN.parentSpanId ||
      id === SPAN.traceState ||
      id === SPAN.name ||
      id === SPAN.status
    ) {
      if (wireType !== LEN) return false;
      const fieldEnd = lengthEnd(reader, end);
      const fieldStart = reader.pos;
      if (id === SPAN.traceId) {
        traceStart = fieldStart;
        traceEnd = fieldEnd;
      } else if (id === SPAN.spanId) {
        spanStart = fieldStart;
        spanEnd = fieldEnd;
      } else if (id === SPAN.parentSpanId) {
        parentStart = fieldStart;
        parentEnd = fieldEnd;
      } else if (id === SPAN.traceState) {
        stateStart = fieldStart;
        stateEnd = fieldEnd;
      } else if (id === SPAN.name) {
        nameStart = fieldStart;
        nameEnd = fieldEnd;
      } else {
        statusStart = fieldStart;
        statusEnd = fieldEnd;
      }
      reader.pos = fieldEnd;
    } else if (id === SPAN.startTimeUnixNano || id === SPAN.endTimeUnixNano) {
      if (wireType !== WireType.fixed64) return false;
      // fixed64, unsigned, as protobufjs' Long.toNumber() gives it (a double: exact to ~256 ns today).
      const low = reader.fixed32();
      const value = reader.fixed32() * TWO_32 + low;
      if (id === SPAN.startTimeUnixNano) start = value;
      else finish = value;
    } else if (id === SPAN.kind) {
      if (wireType !== WireType.varint) return false;
      kind = reader.int32();
    } else if (id === SPAN.attributes) {
      if (wireType !== LEN) return false;
      const fieldEnd = lengthEnd(reader, end);
      if (!scan.add(reader, fieldEnd, ctx.encoded.keys)) return false;
      reader.pos = fieldEnd;
    } else if (id === SPAN.events || id === SPAN.links) {
      return false;
    } else {
      reader.skipType(wireType);
    }
  }
  if (
    traceEnd - traceStart !== 16 ||
    spanEnd - spanStart !== 8 ||
    allZero(buf, traceStart, traceEnd) ||
    allZero(buf, spanStart, spanEnd) ||
    start <= 0
  ) {
    // The same reasons, in the same order, as spanRejection.
    return false;
  }
  let statusCode = 0;
  let messageStart = 0;
  let messageEnd = 0;
  if (statusEnd > statusStart) {
    reader.pos = statusStart;
    while (reader.pos < statusEnd) {
      const tag = reader.uint32();
      const id = tag >>> 3;
      if (id === STATUS.message) {
        if ((tag & 7) !== LEN) return false;
        messageEnd = lengthEnd(reader, statusEnd);
        messageStart = reader.pos;
        reader.pos = messageEnd;
      } else if (id === STATUS.code) {
        if ((tag & 7) !== WireType.varint) return false;
        statusCode = reader.int32();
      } else {
        reader.skipType(tag & 7);
      }
    }
  }
  const weight = stateEnd > stateStart ? sampleWeightOf(text(buf, stateStart, stateEnd)) : 1;

  w.raw(ctx.ids);
  writeHex(w, buf, traceStart, traceEnd);
  writeHex(w, buf, spanStart, spanEnd);
  if (parentEnd - parentStart === 8 && !allZero(buf, parentStart, parentEnd)) writeHex(w, buf, parentStart, parentEnd);
  else w.string("");
  if (nameEnd > nameStart) writeUtf8(w, buf, nameStart, nameEnd);
  else w.string("(unnamed)");
  w.int8(KIND[kind] ?? 0);
  w.dateTime64nsOfNanos(start);
  w.int64(Math.max(0, finish - start));
  w.int8(statusCode === 1 || statusCode === 2 ? statusCode : 0);
  writeUtf8(w, buf, messageStart, messageEnd);
  w.varUInt(ctx.encoded.count + scan.count);
  w.raw(ctx.encoded.bytes);
  for (let i = 0; i < scan.count; i++) {
    writeUtf8(w, buf, scan.keyStart[i] as number, scan.keyEnd[i] as number);
    writeSpanValue(w, buf, i);
  }
  w.string("[]");
  w.float64(weight > 1 ? weight : 1);
  out.rows++;
  return true;
}

/** An attribute value as span attributes are stored (anyValueToScalar, then attributeText). */
function writeSpanValue(w: RowBinaryWriter, buf: Uint8Array, i: number): void {
  switch (scan.kind[i]) {
    case ValueKind.String:
      writeUtf8(w, buf, scan.valueStart[i] as number, scan.valueEnd[i] as number);
      return;
    case ValueKind.Bool:
      w.string(scan.number[i] ? "true" : "false");
      return;
    case ValueKind.Int:
    case ValueKind.Double:
      // Finite numbers as their JSON; NaN and the infinities as their names (JSON has none).
      w.string(String(scan.number[i]));
      return;
    case ValueKind.Absent:
      w.string("");
      return;
    default:
      w.string("null");
  }
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8");
}
