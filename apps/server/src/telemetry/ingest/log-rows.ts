import type { LogEntry } from "@syntra/contracts";
import {
  type Attribution,
  attributesToJs,
  convertRecord,
  deploymentOf,
  type InstrumentationScope,
  inheritedLogAttributes,
  type LogRecord,
  levelOfSeverity,
  otlpFields,
  otlpType,
  type Resource,
  WireType,
} from "@syntra/otlp";
import type { RowBinaryWriter } from "../store/row-binary";
import { attributeText, writeLog } from "../store/rows";
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

const REQUEST = otlpFields.logsRequest;
const RL = otlpFields.resourceLogs;
const SL = otlpFields.scopeLogs;
const RECORD = otlpFields.logRecord;
const ANY = otlpFields.anyValue;
const LEN = WireType.len;
const recordType = otlpType("logs.v1.LogRecord");

const LEVEL = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 } as const;
const SDK_SOURCE = 2;
const TWO_32 = 2 ** 32;

/** What writing one request's log records came to. */
export interface LogRowsResult {
  /** Rows written. */
  rows: number;
  /** The stored records at level error or fatal (where exceptions are), as contract entries for the errors domain. */
  errorLevel: LogEntry[];
  /** Records that took the general path (decoded by protobufjs), for tests and figures. */
  general: number;
}

/** Where a scope's records belong and what they inherit. */
interface ScopeContext {
  orgId: string;
  serviceId: string;
  deploymentId: string;
  now: Date;
  inherited: Record<string, unknown>;
  encoded: Inherited;
  /** The row's first columns: organization, service and deployment ids (uuidColumns). */
  ids: Buffer;
}

const scan = new AttributeScan();
// Where a resource's scopes and a scope's items are (see FieldRanges).
const scopeRanges = new FieldRanges();
const itemRanges = new FieldRanges();

/**
 * Writes the records of one protobuf ExportLogsServiceRequest as rows of the `logs` table (logTable's columns),
 * straight from the wire format, as writeSpanRows does for spans; stores exactly what convertLogs followed by
 * writeLog stores. Records at level error or fatal, with a structured body, an event name, or attributes beyond the
 * common case are converted the general way. Throws OtlpInputError (400) when the bytes are not a request; then
 * nothing of it is written.
 */
export function writeLogRows(
  w: RowBinaryWriter,
  bytes: Uint8Array,
  attribution: Attribution,
  orgId: string,
  now: Date,
): LogRowsResult {
  const out: LogRowsResult = { rows: 0, errorLevel: [], general: 0 };
  writeEachGroup(w, bytes, "logs", REQUEST.resourceLogs, (reader, end) =>
    resourceLogs(w, reader, end, { orgId, serviceId: attribution.serviceId, now }, attribution, out),
  );
  return out;
}

function resourceLogs(
  w: RowBinaryWriter,
  reader: WireReader,
  end: number,
  owner: Pick<ScopeContext, "orgId" | "serviceId" | "now">,
  attribution: Attribution,
  out: LogRowsResult,
): void {
  const scopes = scopeRanges;
  const resource = readGroup<Resource>(reader, end, RL.resource, RL.scopeLogs, resourceType, scopes);
  const deploymentId = deploymentOf(resource, attribution);
  const resourceAttributes = attributesToJs(resource?.attributes);
  for (let i = 0; i < scopes.length; i += 2) {
    reader.pos = scopes.at(i);
    scopeLogs(w, reader, scopes.at(i + 1), resourceAttributes, { ...owner, deploymentId }, out);
  }
}

function scopeLogs(
  w: RowBinaryWriter,
  reader: WireReader,
  end: number,
  resourceAttributes: Record<string, unknown>,
  owner: Pick<ScopeContext, "orgId" | "serviceId" | "deploymentId" | "now">,
  out: LogRowsResult,
): void {
  const records = itemRanges;
  const scope = readGroup<InstrumentationScope>(reader, end, SL.scope, SL.logRecords, scopeType, records);
  const inherited = inheritedLogAttributes(resourceAttributes, scope);
  const ctx: ScopeContext = {
    ...owner,
    inherited,
    encoded: encodeInherited(inherited, attributeText),
    ids: uuidColumns(owner.orgId, owner.serviceId, owner.deploymentId),
  };
  for (let i = 0; i < records.length; i += 2) {
    const recordStart = records.at(i);
    const recordEnd = records.at(i + 1);
    reader.pos = recordStart;
    if (!fastRecord(w, reader, recordEnd, ctx, out))
      generalRecord(w, reader.buf.subarray(recordStart, recordEnd), ctx, out);
    reader.pos = recordEnd;
  }
}

/** The general way: protobufjs decodes the record, convertRecord converts it, writeLog writes it. */
function generalRecord(w: RowBinaryWriter, bytes: Uint8Array, ctx: ScopeContext, out: LogRowsResult): void {
  out.general++;
  const record = recordType.decode(bytes) as unknown as LogRecord;
  const entry = convertRecord(record, ctx.serviceId, ctx.deploymentId, ctx.inherited, ctx.now);
  writeLog(w, { ...entry, org_id: ctx.orgId });
  out.rows++;
  if (entry.level === "error" || entry.level === "fatal") out.errorLevel.push(entry);
}

/** Writes the record between reader.pos and `end` in the common case; false (nothing written) when it is not one. */
function fastRecord(
  w: RowBinaryWriter,
  reader: WireReader,
  end: number,
  ctx: ScopeContext,
  out: LogRowsResult,
): boolean {
  const buf = reader.buf;
  let time = 0;
  let observed = 0;
  let severity = 0;
  let textStart = 0;
  let textEnd = 0;
  let bodyStart = 0;
  let bodyEnd = 0;
  let traceStart = 0;
  let traceEnd = 0;
  let spanStart = 0;
  let spanEnd = 0;
  scan.reset();
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === RECORD.timeUnixNano || id === RECORD.observedTimeUnixNano) {
      if (wireType !== WireType.fixed64) return false;
      const low = reader.fixed32();
      const value = reader.fixed32() * TWO_32 + low;
      if (id === RECORD.timeUnixNano) time = value;
      else observed = value;
    } else if (id === RECORD.severityNumber) {
      if (wireType !== WireType.varint) return false;
      severity = reader.int32();
    } else if (id === RECORD.severityText || id === RECORD.traceId || id === RECORD.spanId) {
      if (wireType !== LEN) return false;
      const fieldEnd = lengthEnd(reader, end);
      if (id === RECORD.severityText) {
        textStart = reader.pos;
        textEnd = fieldEnd;
      } else if (id === RECORD.traceId) {
        traceStart = reader.pos;
        traceEnd = fieldEnd;
      } else {
        spanStart = reader.pos;
        spanEnd = fieldEnd;
      }
      reader.pos = fieldEnd;
    } else if (id === RECORD.body) {
      if (wireType !== LEN) return false;
      const fieldEnd = lengthEnd(reader, end);
      // Only a string body (or an empty one) is the common case.
      bodyStart = 0;
      bodyEnd = 0;
      while (reader.pos < fieldEnd) {
        const member = reader.uint32();
        if (member >>> 3 !== ANY.stringValue || (member & 7) !== LEN || bodyEnd > 0) return false;
        bodyEnd = lengthEnd(reader, fieldEnd);
        bodyStart = reader.pos;
        reader.pos = bodyEnd;
      }
      reader.pos = fieldEnd;
    } else if (id === RECORD.attributes) {
      if (wireType !== LEN) return false;
      const fieldEnd = lengthEnd(reader, end);
      if (!scan.add(reader, fieldEnd, ctx.encoded.keys)) return false;
      reader.pos = fieldEnd;
    } else if (id === RECORD.eventName) {
      // An event name becomes an attribute (over one of the same name): the general path.
      if (wireType !== LEN || reader.uint32() > 0) return false;
    } else {
      reader.skipType(wireType);
    }
  }
  const level = levelOfSeverity(severity, severity >= 1 || textEnd === textStart ? "" : text(buf, textStart, textEnd));
  if (level === "error" || level === "fatal") return false;
  const nanos = time || observed;
  const ms = nanos > 0 ? Math.floor(nanos / 1e6) : ctx.now.getTime();

  w.raw(ctx.ids);
  w.dateTime64ns(ms, 0);
  w.int8(LEVEL[level]);
  writeUtf8(w, buf, bodyStart, bodyEnd);
  w.varUInt(ctx.encoded.count + scan.count);
  w.raw(ctx.encoded.bytes);
  for (let i = 0; i < scan.count; i++) {
    writeUtf8(w, buf, scan.keyStart[i] as number, scan.keyEnd[i] as number);
    writeLogValue(w, buf, i);
  }
  if (traceEnd - traceStart === 16 && !allZero(buf, traceStart, traceEnd)) writeHex(w, buf, traceStart, traceEnd);
  else w.string("");
  if (spanEnd - spanStart === 8 && !allZero(buf, spanStart, spanEnd)) writeHex(w, buf, spanStart, spanEnd);
  else w.string("");
  w.int8(SDK_SOURCE);
  out.rows++;
  return true;
}

/** An attribute value as log attributes are stored (anyValueToJs, then attributeText: JSON for all but strings). */
function writeLogValue(w: RowBinaryWriter, buf: Uint8Array, i: number): void {
  switch (scan.kind[i]) {
    case ValueKind.String:
      writeUtf8(w, buf, scan.valueStart[i] as number, scan.valueEnd[i] as number);
      return;
    case ValueKind.Bool:
      w.string(scan.number[i] ? "true" : "false");
      return;
    case ValueKind.Int:
    case ValueKind.Double:
      w.string(JSON.stringify(scan.number[i]));
      return;
    default:
      // No value, or an empty one: null.
      w.string("null");
  }
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8");
}
