import { type AnyValue, int64, type KeyValue } from "./messages";

/** An AnyValue as a plain JSON-able value (maps and arrays kept as structures, bytes as base64). */
export function anyValueToJs(value: AnyValue | null | undefined): unknown {
  if (!value) return null;
  switch (value.value) {
    case "stringValue":
      return value.stringValue ?? "";
    case "boolValue":
      return value.boolValue ?? false;
    case "intValue":
      return int64(value.intValue);
    case "doubleValue":
      return value.doubleValue ?? 0;
    case "arrayValue":
      return (value.arrayValue?.values ?? []).map(anyValueToJs);
    case "kvlistValue":
      return attributesToJs(value.kvlistValue?.values ?? []);
    case "bytesValue":
      return Buffer.from(value.bytesValue ?? []).toString("base64");
    case undefined:
      return null;
    default: {
      const unknown: never = value.value;
      return unknown;
    }
  }
}

/** An AnyValue as a span attribute (string, number or boolean): structures become their JSON. */
export function anyValueToScalar(value: AnyValue | null | undefined): string | number | boolean {
  if (!value) return "";
  switch (value.value) {
    case "stringValue":
      return value.stringValue ?? "";
    case "boolValue":
      return value.boolValue ?? false;
    case "intValue":
      return int64(value.intValue);
    case "doubleValue": {
      // JSON (and so the contract) has no NaN or Infinity.
      const n = value.doubleValue ?? 0;
      return Number.isFinite(n) ? n : String(n);
    }
    default:
      return JSON.stringify(anyValueToJs(value));
  }
}

/** Attributes as a record of JSON-able values (later keys win, as OTLP says keys are unique). */
export function attributesToJs(
  list: readonly KeyValue[] | null | undefined,
  into: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const kv of list ?? []) into[kv.key] = anyValueToJs(kv.value);
  return into;
}

/** Attributes as a record of scalars (span and event attributes in the contract). */
export function attributesToScalars(
  list: readonly KeyValue[] | null | undefined,
  into: Record<string, string | number | boolean> = {},
): Record<string, string | number | boolean> {
  for (const kv of list ?? []) into[kv.key] = anyValueToScalar(kv.value);
  return into;
}

/** Attributes as string labels (metric labels). */
export function attributesToLabels(
  list: readonly KeyValue[] | null | undefined,
  into: Record<string, string> = {},
): Record<string, string> {
  for (const kv of list ?? []) {
    const value = anyValueToScalar(kv.value);
    into[kv.key] = typeof value === "string" ? value : String(value);
  }
  return into;
}

/** The string value of one attribute, when it is a string. */
export function stringAttribute(list: readonly KeyValue[] | null | undefined, key: string): string | undefined {
  for (const kv of list ?? []) {
    if (kv.key === key && kv.value?.value === "stringValue") return kv.value.stringValue;
  }
  return undefined;
}
