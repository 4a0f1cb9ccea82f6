import type { OtlpEncoding } from "./decode";
import { type OtlpSignal, otlpTypes, rpcStatusType } from "./proto";

const rejectedField = { traces: "rejectedSpans", logs: "rejectedLogRecords", metrics: "rejectedDataPoints" } as const;

/**
 * The body of a successful OTLP/HTTP answer: an empty Export*ServiceResponse, or one with `partial_success`
 * naming how many items were rejected and why (in the request's encoding).
 */
export function exportResponse(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  partial?: { rejected: number; message: string },
): Buffer {
  const body =
    partial && partial.rejected > 0
      ? { partialSuccess: { [rejectedField[signal]]: partial.rejected, errorMessage: partial.message } }
      : {};
  if (encoding === "json") {
    const json =
      partial && partial.rejected > 0
        ? { partialSuccess: { [rejectedField[signal]]: String(partial.rejected), errorMessage: partial.message } }
        : {};
    return Buffer.from(JSON.stringify(json));
  }
  const type = otlpTypes[signal].response;
  return Buffer.from(type.encode(type.fromObject(body)).finish());
}

/**
 * The body of an OTLP/HTTP error answer: a `google.rpc.Status` with the gRPC code that matches the HTTP status and
 * a message, protobuf- or JSON-encoded like the request (the OTLP specification asks for it on every 4xx and 5xx).
 */
export function statusBody(httpStatus: number, message: string, encoding: OtlpEncoding): Buffer {
  const code = grpcCodeOfHttp(httpStatus);
  if (encoding === "json") return Buffer.from(JSON.stringify({ code, message }));
  const type = rpcStatusType();
  return Buffer.from(type.encode(type.fromObject({ code, message })).finish());
}

/** gRPC status codes (google.rpc.Code) for the HTTP statuses an OTLP receiver answers with. */
export function grpcCodeOfHttp(status: number): number {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return status >= 500 ? 13 : 2; // INTERNAL, UNKNOWN
  }
}
