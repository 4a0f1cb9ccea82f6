import type { ErrorEvent, LogEntry, TraceSpan } from "@syntra/contracts";
import { type Envelope, EnvelopeError, itemJson } from "./envelope";
import { type ConversionTarget, errorEventFromSentry } from "./event";
import { logsFromLogItem, spansFromSpanItem, spansFromTransaction } from "./telemetry";

/** Sentry's size limits that apply after decompression (the body limits are the HTTP layer's). */
export const SENTRY_LIMITS = {
  /** A compressed request body. */
  compressedBytes: 20 * 1024 * 1024,
  /** A request body after decompression. */
  decompressedBytes: 100 * 1024 * 1024,
  /** One event or transaction item. */
  eventBytes: 1024 * 1024,
} as const;

/** Everything an envelope (or a store payload) carried, in Syntra's shapes. */
export interface SentryData {
  errors: ErrorEvent[];
  spans: TraceSpan[];
  logs: LogEntry[];
  /** Items of types Syntra does not keep (sessions, attachments, client reports, replays ...), counted by type. */
  skipped: Record<string, number>;
}

/** Why a payload was refused as a whole, and whether for its size. */
export class PayloadRejected extends EnvelopeError {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

function checkEventSize(bytes: number, what: string): void {
  if (bytes > SENTRY_LIMITS.eventBytes) {
    throw new PayloadRejected(`${what} is ${bytes} bytes, over the limit of ${SENTRY_LIMITS.eventBytes}`, true);
  }
}

/**
 * The items of an envelope converted: `event` items become error events, `transaction` and `span` items spans,
 * `log` items log records; every other type is skipped (counted, never refused). A malformed or oversized item
 * refuses the whole envelope, so nothing of it is stored half-way.
 */
export function convertEnvelope(envelope: Envelope, target: ConversionTarget, now: Date): SentryData {
  const out: SentryData = { errors: [], spans: [], logs: [], skipped: {} };
  envelope.items.forEach((item, index) => {
    switch (item.type) {
      case "event":
        checkEventSize(item.payload.length, `event item ${index + 1}`);
        out.errors.push(errorEventFromSentry(itemJson(item, index), target, now));
        break;
      case "transaction":
        checkEventSize(item.payload.length, `transaction item ${index + 1}`);
        out.spans.push(...spansFromTransaction(itemJson(item, index), target));
        break;
      case "span":
        out.spans.push(...spansFromSpanItem(itemJson(item, index), target));
        break;
      case "log":
        out.logs.push(...logsFromLogItem(itemJson(item, index), target, now));
        break;
      default:
        out.skipped[item.type] = (out.skipped[item.type] ?? 0) + 1;
    }
  });
  return out;
}

/** The body of the legacy store endpoint: one event (or transaction) as JSON. */
export function convertStorePayload(body: Buffer, target: ConversionTarget, now: Date): SentryData {
  checkEventSize(body.length, "the event");
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new PayloadRejected("the event is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PayloadRejected("the event must be a JSON object");
  }
  const event = value as Record<string, unknown>;
  if (event.type === "transaction")
    return { errors: [], spans: spansFromTransaction(event, target), logs: [], skipped: {} };
  return { errors: [errorEventFromSentry(event, target, now)], spans: [], logs: [], skipped: {} };
}
