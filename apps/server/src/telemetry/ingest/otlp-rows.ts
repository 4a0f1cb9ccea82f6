import {
  type Attribution,
  convertLogs,
  convertMetrics,
  convertTraces,
  decodeOtlp,
  type OtlpSignal,
} from "@syntra/otlp";
import type { TelemetryRows } from "../store/types";

/** Items of a request that could not be stored, and why (an OTLP partial success). */
export interface Rejections {
  rejected: number;
  message?: string;
}

/**
 * Decodes one protobuf OTLP request and appends its items, as rows of the organization, to `rows`. Throws
 * OtlpInputError (400) when the bytes are not a request of that signal.
 */
export function appendOtlpRows(
  rows: TelemetryRows,
  signal: OtlpSignal,
  bytes: Uint8Array,
  attribution: Attribution,
  orgId: string,
  now: Date,
): Rejections {
  switch (signal) {
    case "traces": {
      const { spans, rejected, error } = convertTraces(decodeOtlp("traces", bytes), attribution);
      for (const span of spans) rows.spans.push({ ...span, org_id: orgId });
      return { rejected, ...(error ? { message: error } : {}) };
    }
    case "logs": {
      for (const log of convertLogs(decodeOtlp("logs", bytes), attribution, now))
        rows.logs.push({ ...log, org_id: orgId });
      return { rejected: 0 };
    }
    case "metrics": {
      const { points, rejected, error } = convertMetrics(decodeOtlp("metrics", bytes), attribution, now);
      for (const point of points) rows.metrics.push({ ...point, org_id: orgId });
      return { rejected, ...(error ? { message: error } : {}) };
    }
    default: {
      const unknown: never = signal;
      throw new Error(`unknown signal ${String(unknown)}`);
    }
  }
}

/** An empty set of rows. */
export function emptyRows(): TelemetryRows {
  return { spans: [], logs: [], metrics: [] };
}
