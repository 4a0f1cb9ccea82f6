import type { LogEntry, TraceSpan } from "@syntra/contracts";
import { type Attribution, convertMetrics, decodeOtlp, type OtlpSignal } from "@syntra/otlp";
import type { RowBinaryWriter } from "../store/row-binary";
import type { TelemetryRows } from "../store/types";
import { writeLogRows } from "./log-rows";
import { writeSpanRows } from "./span-rows";
import { rowWriters } from "./writer-pool";

/** Items of a request that could not be stored, and why (an OTLP partial success). */
export interface Rejections {
  rejected: number;
  message?: string;
}

/**
 * The rows of one batch (or one direct OTLP request) on their way to the store. OTLP spans and log records are
 * written straight from their protobuf bytes into the store's RowBinary (span-rows.ts, log-rows.ts), so the common
 * span costs no JavaScript object; metrics, and the contract rows an agent sends, are rows as the contracts have them.
 * What the errors domain looks at (spans with events, error-level records) is kept as contract rows beside.
 */
export class OtlpRowsBuilder {
  readonly rows: TelemetryRows = emptyRows();
  /** Stored spans with events, and stored records at level error or fatal: where OpenTelemetry puts exceptions. */
  readonly errorSources: { spans: TraceSpan[]; logs: LogEntry[] } = { spans: [], logs: [] };
  private traces: { w: RowBinaryWriter; rows: number } | undefined;
  private logs: { w: RowBinaryWriter; rows: number } | undefined;

  /**
   * `expectedBytes`: how many protobuf bytes of spans and of log records are coming (a batch knows), so the RowBinary
   * writers start large enough and do not regrow (each regrowth copies everything written so far). Rows take about
   * twice their protobuf size (ids as hex, resource attributes repeated on every row); room not written to costs
   * no memory (large buffers are not zero-filled, so their pages are never touched).
   */
  constructor(
    private readonly orgId: string,
    private readonly now: Date,
    private readonly expectedBytes: { traces?: number; logs?: number } = {},
  ) {}

  private writer(signal: "traces" | "logs"): RowBinaryWriter {
    return rowWriters.take(Math.max(1 << 20, 3 * (this.expectedBytes[signal] ?? 0)));
  }

  /**
   * Converts one protobuf OTLP request of the organization and adds its items. Throws OtlpInputError (400) when the
   * bytes are not a request of that signal; then none of it is added.
   */
  append(signal: OtlpSignal, bytes: Uint8Array, attribution: Attribution): Rejections {
    switch (signal) {
      case "traces": {
        this.traces ??= { w: this.writer("traces"), rows: 0 };
        const result = writeSpanRows(this.traces.w, bytes, attribution, this.orgId);
        this.traces.rows += result.rows;
        this.errorSources.spans.push(...result.withEvents);
        return { rejected: result.rejected, ...(result.error ? { message: result.error } : {}) };
      }
      case "logs": {
        this.logs ??= { w: this.writer("logs"), rows: 0 };
        const result = writeLogRows(this.logs.w, bytes, attribution, this.orgId, this.now);
        this.logs.rows += result.rows;
        this.errorSources.logs.push(...result.errorLevel);
        return { rejected: 0 };
      }
      case "metrics": {
        const { points, rejected, error } = convertMetrics(decodeOtlp("metrics", bytes), attribution, this.now);
        for (const point of points) this.rows.metrics.push({ ...point, org_id: this.orgId });
        return { rejected, ...(error ? { message: error } : {}) };
      }
      default: {
        const unknown: never = signal;
        throw new Error(`unknown signal ${String(unknown)}`);
      }
    }
  }

  /** Items added so far, of every kind. */
  get count(): number {
    const { spans, logs, metrics } = this.rows;
    return spans.length + logs.length + metrics.length + (this.traces?.rows ?? 0) + (this.logs?.rows ?? 0);
  }

  /**
   * Gives the writers back to the pool once the rows from `finish` have been inserted (or failed): their bytes must
   * not be read after this. A builder never released just leaves its writers to the garbage collector.
   */
  release(): void {
    if (this.traces) rowWriters.give(this.traces.w);
    if (this.logs) rowWriters.give(this.logs.w);
    this.traces = undefined;
    this.logs = undefined;
  }

  /** The rows for the store: the contract rows and the encoded ones. */
  finish(): TelemetryRows {
    const encoded = [];
    if (this.traces?.rows)
      encoded.push({ table: "traces" as const, rows: this.traces.rows, data: this.traces.w.bytes() });
    if (this.logs?.rows) encoded.push({ table: "logs" as const, rows: this.logs.rows, data: this.logs.w.bytes() });
    return encoded.length > 0 ? { ...this.rows, encoded } : this.rows;
  }
}

/** An empty set of rows. */
export function emptyRows(): TelemetryRows {
  return { spans: [], logs: [], metrics: [] };
}
