import { readFile } from "node:fs/promises";
import path from "node:path";
import type { AgentTelemetryStats } from "@syntra/contracts";
import { writeFileAtomic } from "../atomic-file";

/** The counters of AgentTelemetryStats that only grow. */
export type TelemetryCounters = Omit<
  AgentTelemetryStats,
  "buffered_bytes" | "buffer_limit_bytes" | "oldest_buffered_at"
>;

const ZERO: TelemetryCounters = {
  received_spans: 0,
  received_log_records: 0,
  received_metric_points: 0,
  dropped_spans: 0,
  dropped_log_records: 0,
  dropped_metric_points: 0,
  dropped_bytes: 0,
  sampled_out_spans: 0,
  refused_requests: 0,
};

/**
 * The telemetry pipeline's counters, kept across agent restarts in `<dir>/stats.json` (saved with each batch and
 * acknowledgement, so a crash loses at most the counts since then, never data).
 */
export class TelemetryStats {
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    private readonly file: string,
    readonly counters: TelemetryCounters,
  ) {}

  static async open(dir: string): Promise<TelemetryStats> {
    const file = path.join(dir, "stats.json");
    let saved: Partial<TelemetryCounters> = {};
    try {
      saved = JSON.parse(await readFile(file, "utf8")) as Partial<TelemetryCounters>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const counters = { ...ZERO };
    for (const key of Object.keys(ZERO) as (keyof TelemetryCounters)[]) {
      const value = saved[key];
      if (typeof value === "number" && Number.isFinite(value) && value >= 0) counters[key] = value;
    }
    return new TelemetryStats(file, counters);
  }

  add(key: keyof TelemetryCounters, n: number): void {
    if (n <= 0) return;
    this.counters[key] += n;
    this.dirty = true;
  }

  /** Writes the counters when they changed since the last save. */
  save(): Promise<void> {
    if (!this.dirty) return this.saving;
    this.dirty = false;
    const content = JSON.stringify(this.counters);
    this.saving = this.saving
      .then(() => writeFileAtomic(this.file, content, 0o600))
      .catch(() => {
        // Counts are best effort; the next save writes them again.
        this.dirty = true;
      });
    return this.saving;
  }
}
