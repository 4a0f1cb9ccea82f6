import { OtlpInputError } from "./errors";
import type { OtlpRequestOf } from "./messages";
import { type OtlpSignal, otlpTypes } from "./proto";

/** How an OTLP request body is encoded (OTLP/HTTP: `application/x-protobuf` or `application/json`). */
export type OtlpEncoding = "protobuf" | "json";

/** Decodes a protobuf-encoded Export*ServiceRequest; throws OtlpInputError(400) when the bytes are not one. */
export function decodeOtlp<S extends OtlpSignal>(signal: S, bytes: Uint8Array): OtlpRequestOf[S] {
  try {
    return otlpTypes[signal].request.decode(bytes) as unknown as OtlpRequestOf[S];
  } catch (err) {
    throw new OtlpInputError(`undecodable OTLP ${signal} protobuf: ${(err as Error).message}`, 400, { cause: err });
  }
}

/**
 * Reads an OTLP/JSON request (lowerCamelCase keys, trace and span ids as hex, enums as integers, 64-bit integers as
 * strings or numbers, unknown keys ignored) into the same message protobuf decoding gives.
 */
export function decodeOtlpJson<S extends OtlpSignal>(signal: S, body: Uint8Array | string): OtlpRequestOf[S] {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
  } catch (err) {
    throw new OtlpInputError(`OTLP ${signal} body is not JSON: ${(err as Error).message}`, 400, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OtlpInputError(`OTLP ${signal} JSON must be an object`, 400);
  }
  convertHexIds(signal, value as Record<string, unknown>);
  try {
    return otlpTypes[signal].request.fromObject(value) as unknown as OtlpRequestOf[S];
  } catch (err) {
    throw new OtlpInputError(`invalid OTLP ${signal} JSON: ${(err as Error).message}`, 400, { cause: err });
  }
}

/** Encodes a decoded request as protobuf (JSON requests are forwarded in protobuf form). */
export function encodeOtlp<S extends OtlpSignal>(signal: S, message: OtlpRequestOf[S]): Uint8Array {
  return otlpTypes[signal].request.encode(message as unknown as Record<string, unknown>).finish();
}

/** Converts an OTLP/JSON body to protobuf bytes. */
export function otlpJsonToProtobuf(signal: OtlpSignal, body: Uint8Array | string): Uint8Array {
  return encodeOtlp(signal, decodeOtlpJson(signal, body));
}

type Json = Record<string, unknown>;

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function hexField(holder: Json, key: string, bytes: number, where: string): void {
  const value = holder[key];
  if (value === undefined || value === null) return;
  if (typeof value !== "string" || !HEX.test(value) || (value.length !== 0 && value.length !== bytes * 2)) {
    throw new OtlpInputError(`${where}.${key} must be ${bytes * 2} hex characters`, 400);
  }
  holder[key] = Buffer.from(value, "hex");
}

function each(holder: unknown, key: string, fn: (item: Json, where: string) => void, where: string): void {
  if (typeof holder !== "object" || holder === null) return;
  const list = (holder as Json)[key];
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (typeof item === "object" && item !== null) fn(item as Json, `${where}.${key}[${i}]`);
  });
}

/** OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping would use base64. */
function convertHexIds(signal: OtlpSignal, request: Json): void {
  const ids = (item: Json, where: string) => {
    hexField(item, "traceId", 16, where);
    hexField(item, "spanId", 8, where);
  };
  if (signal === "traces") {
    each(
      request,
      "resourceSpans",
      (rs, w1) =>
        each(
          rs,
          "scopeSpans",
          (ss, w2) =>
            each(
              ss,
              "spans",
              (span, w3) => {
                ids(span, w3);
                hexField(span, "parentSpanId", 8, w3);
                each(span, "links", ids, w3);
              },
              w2,
            ),
          w1,
        ),
      "",
    );
  } else if (signal === "logs") {
    each(
      request,
      "resourceLogs",
      (rl, w1) => each(rl, "scopeLogs", (sl, w2) => each(sl, "logRecords", ids, w2), w1),
      "",
    );
  } else {
    each(
      request,
      "resourceMetrics",
      (rm, w1) =>
        each(
          rm,
          "scopeMetrics",
          (sm, w2) =>
            each(
              sm,
              "metrics",
              (metric, w3) => {
                for (const kind of ["gauge", "sum", "histogram", "exponentialHistogram", "summary"]) {
                  each(metric[kind], "dataPoints", (dp, w4) => each(dp, "exemplars", ids, w4), `${w3}.${kind}`);
                }
              },
              w2,
            ),
          w1,
        ),
      "",
    );
  }
}
