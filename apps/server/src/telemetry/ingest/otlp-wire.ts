import { isUtf8 } from "node:buffer";
import { OtlpInputError, otlpFields, otlpType, WireType } from "@syntra/otlp";
import protobuf from "protobufjs";
import { RowBinaryWriter } from "../store/row-binary";

// Shared by the span and log converters that go straight from OTLP protobuf to the store's RowBinary rows
// (span-rows.ts, log-rows.ts): walking the wire format with protobufjs' Reader, by the official protos' field numbers,
// and copying strings from the protobuf bytes into the rows without making JavaScript strings of them.

const KV = otlpFields.keyValue;
const ANY = otlpFields.anyValue;

/** A protobufjs Reader over one request. */
export type WireReader = protobuf.Reader;

/** A reader over a request's bytes. */
export function wireReader(bytes: Uint8Array): WireReader {
  return protobuf.Reader.create(bytes);
}

/** Reads a length prefix at the reader's position and returns where the field ends, checked against `end`. */
export function lengthEnd(reader: WireReader, end: number): number {
  const length = reader.uint32();
  const fieldEnd = reader.pos + length;
  if (fieldEnd > end) throw new RangeError("length beyond the message");
  return fieldEnd;
}

/** Undecodable bytes, as decodeOtlp reports them (400 for the request). */
export function undecodable(signal: string, err: unknown): OtlpInputError {
  return new OtlpInputError(`undecodable OTLP ${signal} protobuf: ${(err as Error).message}`, 400, { cause: err });
}

/** FNV-1a over bytes: cheap keys for spotting attribute names that may be the same (then the general path decides). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

/**
 * What an attribute value is: a string (its bytes as they are), a bool, an int or a double (as numbers), none (a
 * KeyValue without a value) or empty (an AnyValue with no member set).
 */
export const ValueKind = { String: 1, Bool: 2, Int: 3, Double: 4, Absent: 5, Empty: 6 } as const;

const MAX_ATTRIBUTES = 256;
const PROTO_KEY = hashBytes(Buffer.from("__proto__"), 0, 9);

/**
 * The attributes of one span or log record, scanned without decoding: where each key's and string value's bytes are,
 * and scalar values as numbers. `add` says false for what only the general path converts (structured or bytes values,
 * unknown fields, repeated members of one value, the same key twice): the caller then converts the whole item the
 * general way, so both paths store the same thing.
 */
export class AttributeScan {
  count = 0;
  readonly keyStart = new Int32Array(MAX_ATTRIBUTES);
  readonly keyEnd = new Int32Array(MAX_ATTRIBUTES);
  readonly kind = new Uint8Array(MAX_ATTRIBUTES);
  readonly valueStart = new Int32Array(MAX_ATTRIBUTES);
  readonly valueEnd = new Int32Array(MAX_ATTRIBUTES);
  readonly number = new Float64Array(MAX_ATTRIBUTES);
  // The keys' hashes so far: a span has a handful of attributes, fewer than a Set is worth.
  private readonly hashes = new Uint32Array(MAX_ATTRIBUTES);

  reset(): void {
    this.count = 0;
  }

  private seen(hash: number, count: number): boolean {
    for (let j = 0; j < count; j++) if (this.hashes[j] === hash) return true;
    return false;
  }

  /** Scans the KeyValue between reader.pos and `end`; false when it is not for the fast path. */
  add(reader: WireReader, end: number, inheritedKeys: ReadonlySet<number>): boolean {
    const i = this.count;
    if (i >= MAX_ATTRIBUTES) return false;
    let keyStart = 0;
    let keyEnd = 0;
    this.kind[i] = ValueKind.Absent;
    while (reader.pos < end) {
      const tag = reader.uint32();
      const id = tag >>> 3;
      const wireType = tag & 7;
      if (id === KV.key) {
        if (wireType !== WireType.len) return false;
        const fieldEnd = lengthEnd(reader, end);
        keyStart = reader.pos;
        keyEnd = fieldEnd;
        reader.pos = fieldEnd;
      } else if (id === KV.value) {
        if (wireType !== WireType.len) return false;
        const fieldEnd = lengthEnd(reader, end);
        if (!this.value(reader, fieldEnd, i)) return false;
        reader.pos = fieldEnd;
      } else if (id === 3) {
        // key_strindex (profiles' string table): not for spans and logs.
        return false;
      } else {
        reader.skipType(wireType);
      }
    }
    const hash = hashBytes(reader.buf, keyStart, keyEnd);
    // `__proto__` is no property of the general path's records (assigning it sets their prototype): left to it.
    if (inheritedKeys.has(hash) || this.seen(hash, i) || hash === PROTO_KEY) return false;
    this.hashes[i] = hash;
    this.keyStart[i] = keyStart;
    this.keyEnd[i] = keyEnd;
    this.count = i + 1;
    return true;
  }

  private value(reader: WireReader, end: number, i: number): boolean {
    let members = 0;
    this.kind[i] = ValueKind.Empty;
    while (reader.pos < end) {
      const tag = reader.uint32();
      const id = tag >>> 3;
      const wireType = tag & 7;
      members++;
      if (id === ANY.stringValue && wireType === WireType.len) {
        const fieldEnd = lengthEnd(reader, end);
        this.kind[i] = ValueKind.String;
        this.valueStart[i] = reader.pos;
        this.valueEnd[i] = fieldEnd;
        reader.pos = fieldEnd;
      } else if (id === ANY.boolValue && wireType === WireType.varint) {
        this.kind[i] = ValueKind.Bool;
        this.number[i] = reader.bool() ? 1 : 0;
      } else if (id === ANY.intValue && wireType === WireType.varint) {
        this.kind[i] = ValueKind.Int;
        const long = reader.int64() as unknown as number | { toNumber(): number };
        this.number[i] = typeof long === "number" ? long : long.toNumber();
      } else if (id === ANY.doubleValue && wireType === WireType.fixed64) {
        this.kind[i] = ValueKind.Double;
        this.number[i] = reader.double();
      } else {
        // Arrays, key-value lists, bytes, string-table indexes, unknown fields: the general path.
        return false;
      }
    }
    // protobufjs names the oneof member by declaration order, not wire order: leave that to it.
    return members <= 1;
  }
}

/**
 * (start, end) pairs of fields to visit after a message's other fields are read (its scopes, its spans), in a typed
 * array kept for the next message. An array per scope was the conversion's largest allocation that V8 moved to the
 * old generation (a scope of 1000 spans lives through many young collections), which set off full collections.
 * Conversion is synchronous; each nesting level keeps its own.
 */
export class FieldRanges {
  private data = new Int32Array(2048);
  /** Numbers held: twice the pairs. */
  length = 0;

  reset(): void {
    this.length = 0;
  }

  push(start: number, end: number): void {
    if (this.length + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = start;
    this.data[this.length++] = end;
  }

  /** The i-th number: starts at even indexes, ends at odd ones. */
  at(i: number): number {
    return this.data[i] as number;
  }
}

/** The two message types every signal's resource and scope groups decode whole (they are few and small). */
export const resourceType = otlpType("resource.v1.Resource");
export const scopeType = otlpType("common.v1.InstrumentationScope");

/**
 * Calls `visit` for each of a request's top-level groups (its ResourceSpans or ResourceLogs: repeated field `field`)
 * with the reader at the group's start and the group's end. A decoding failure anywhere truncates what this request
 * wrote and throws a 400 (undecodable), so nothing of a bad request is stored.
 */
export function writeEachGroup(
  w: RowBinaryWriter,
  bytes: Uint8Array,
  signal: string,
  field: number,
  visit: (reader: WireReader, end: number) => void,
): void {
  const start = w.length;
  const reader = wireReader(bytes);
  try {
    while (reader.pos < bytes.length) {
      const tag = reader.uint32();
      if (tag >>> 3 === field && (tag & 7) === WireType.len) {
        const end = lengthEnd(reader, bytes.length);
        visit(reader, end);
        reader.pos = end;
      } else {
        reader.skipType(tag & 7);
      }
    }
  } catch (err) {
    w.truncate(start);
    throw undecodable(signal, err);
  }
}

/**
 * Reads the group between reader.pos and `end`: one message `headField` (a resource, a scope), decoded with
 * `headType` (null when absent), and repeated messages `itemsField` (its scopes, its spans or records), whose ranges
 * are put in `items` (reset first) to be visited once the head is known, wherever it stands in the group.
 */
export function readGroup<T>(
  reader: WireReader,
  end: number,
  headField: number,
  itemsField: number,
  headType: protobuf.Type,
  items: FieldRanges,
): T | null {
  let head: T | null = null;
  items.reset();
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    if ((id === headField || id === itemsField) && (tag & 7) === WireType.len) {
      const fieldEnd = lengthEnd(reader, end);
      if (id === headField) head = headType.decode(reader.buf.subarray(reader.pos, fieldEnd)) as unknown as T;
      else items.push(reader.pos, fieldEnd);
      reader.pos = fieldEnd;
    } else {
      reader.skipType(tag & 7);
    }
  }
  return head;
}

/** Writes bytes `start`..`end` of `bytes` as a String column of lowercase hex. */
export function writeHex(w: RowBinaryWriter, bytes: Uint8Array, start: number, end: number): void {
  w.hexString(bytes, start, end);
}

/**
 * The UUID columns every row of a scope begins with (organization, service, deployment), encoded once for the
 * scope rather than looked up for each row.
 */
export function uuidColumns(...ids: string[]): Buffer {
  const w = new RowBinaryWriter(16 * ids.length);
  for (const id of ids) w.uuid(id);
  return Buffer.from(w.bytes());
}

/** True when bytes `start`..`end` are all zero (an unset trace or span id). */
export function allZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Writes bytes `start`..`end` of a protobuf string as a String column: copied as they are when they are valid UTF-8
 * (always, from a conforming sender), else decoded with replacement characters as protobufjs would.
 */
export function writeUtf8(w: RowBinaryWriter, bytes: Uint8Array, start: number, end: number): void {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if ((bytes[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii || isUtf8(bytes.subarray(start, end))) {
    w.copyString(bytes, start, end);
    return;
  }
  w.string(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString("utf8"));
}

/** A Map(String, String) column's pairs of values every item of a scope shares, encoded once. */
export interface Inherited {
  /** The pairs, key then value, as RowBinary strings. */
  bytes: Buffer;
  count: number;
  /** hashBytes of each key's UTF-8: an item naming one of these keys again takes the general path. */
  keys: Set<number>;
}

/** Encodes a record of attributes (values turned to text by `text`) as the pairs an item inherits. */
export function encodeInherited(record: Record<string, unknown>, text: (value: unknown) => string): Inherited {
  const w = new RowBinaryWriter(1024);
  const keys = new Set<number>();
  let count = 0;
  for (const [key, value] of Object.entries(record)) {
    const utf8 = Buffer.from(key, "utf8");
    keys.add(hashBytes(utf8, 0, utf8.length));
    w.string(key);
    w.string(text(value));
    count++;
  }
  return { bytes: Buffer.from(w.bytes()), count, keys };
}
