import type { z } from "zod";
import { type TelemetryBatchBinaryPayload, telemetryBatchBinaryPayload } from "../telemetry/batch";
import { defineMessage } from "./envelope";
import type { InvalidMessageError } from "./parse-frame";

/**
 * Named in hello_ack's `capabilities` by control planes that accept `telemetry_batch` as a binary frame, and in
 * agent_hello's by agents that can send it. An agent sends binary frames only when the hello_ack names it.
 */
export const TELEMETRY_BINARY_CAPABILITY = "telemetry_batch_binary";

/**
 * Named in hello_ack's `capabilities` by control planes that take telemetry batches compressed with brotli
 * (`compression: "br"`). An agent without zstd (Node before 22.15 and no native add-on) compresses with brotli at
 * quality 0 for those, at a third of gzip's CPU for the same size, and with gzip for others.
 */
export const TELEMETRY_BROTLI_CAPABILITY = "telemetry_batch_brotli";

/** The envelope of a binary telemetry_batch frame. */
export const telemetryBatchBinaryMessage = defineMessage(
  "telemetry_batch",
  telemetryBatchBinaryPayload,
  "Agent -> control plane: a compressed json+otlp telemetry batch, its bytes after the envelope in one binary frame (Syntra extension).",
);
export type TelemetryBatchBinaryMessage = z.infer<typeof telemetryBatchBinaryMessage>;

/** First byte of a binary telemetry_batch frame: never the first byte of a JSON text, so the two cannot be confused. */
const MARKER = 0x00;
const PREFIX = 5;

/**
 * Lays out a binary telemetry_batch frame: the marker byte 0x00, a 4-byte big-endian length N, N bytes of the
 * envelope's JSON (`telemetryBatchBinaryMessage`), then the compressed batch (`payload.data_bytes` bytes, exactly
 * the rest of the frame). The agent forwards its batch file's bytes without base64 or a JSON string around them.
 */
export function encodeTelemetryBatchFrame(message: TelemetryBatchBinaryMessage, data: Uint8Array): Buffer {
  const head = Buffer.from(JSON.stringify(message));
  const frame = Buffer.allocUnsafe(PREFIX + head.length + data.length);
  frame[0] = MARKER;
  frame.writeUInt32BE(head.length, 1);
  head.copy(frame, PREFIX);
  frame.set(data, PREFIX + head.length);
  return frame;
}

/** True when a binary frame is in the binary telemetry_batch form (anything else is read as JSON text). */
export function isTelemetryBatchFrame(frame: Uint8Array): boolean {
  return frame.length > 0 && frame[0] === MARKER;
}

/** A binary telemetry_batch frame, read: its envelope and the compressed batch (a view of the frame, not a copy). */
export type ParsedTelemetryBatchFrame =
  | { ok: true; message: TelemetryBatchBinaryMessage; data: Buffer }
  | { ok: false; error: InvalidMessageError };

/**
 * Reads a binary telemetry_batch frame. Never throws: a short frame, a head that is not JSON or breaks the schema,
 * or data of another length than `data_bytes` come back as INVALID_MESSAGE with their paths.
 */
export function parseTelemetryBatchFrame(frame: Buffer): ParsedTelemetryBatchFrame {
  const invalid = (message: string, path = ""): ParsedTelemetryBatchFrame => ({
    ok: false,
    error: { code: "INVALID_MESSAGE", message, issues: [{ path, message }] },
  });
  if (!isTelemetryBatchFrame(frame) || frame.length < PREFIX) return invalid("not a binary telemetry_batch frame");
  const headLength = frame.readUInt32BE(1);
  if (PREFIX + headLength > frame.length) return invalid("the frame's head runs past its end");
  let value: unknown;
  try {
    value = JSON.parse(frame.subarray(PREFIX, PREFIX + headLength).toString("utf8"));
  } catch (err) {
    return invalid(`the frame's head is not JSON: ${(err as Error).message}`);
  }
  const result = telemetryBatchBinaryMessage.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    const first = issues[0];
    return {
      ok: false,
      error: {
        code: "INVALID_MESSAGE",
        message: `invalid telemetry_batch frame: ${first ? `${first.path}: ${first.message}` : "failed validation"}`,
        issues,
      },
    };
  }
  const data = frame.subarray(PREFIX + headLength);
  const payload: TelemetryBatchBinaryPayload = result.data.payload;
  if (data.length !== payload.data_bytes) {
    return invalid(
      `the frame holds ${data.length} data bytes, not the ${payload.data_bytes} declared`,
      "payload.data_bytes",
    );
  }
  return { ok: true, message: result.data, data };
}
