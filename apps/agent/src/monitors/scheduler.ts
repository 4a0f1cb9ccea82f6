import type { MonitorResult, MonitorResultsPayload, MonitorSpec } from "@syntra/contracts";
import type { Logger } from "pino";
import { runCheck } from "./checks";

/** Results kept while the control plane is away; beyond that the oldest go, and are counted. */
const BUFFER_LIMIT = 10_000;
const FLUSH_MS = 5_000;

/** Where results go: the agent's connection. */
export interface MonitorChannel {
  readonly ready: boolean;
  send(type: "monitor_results", payload: MonitorResultsPayload): void;
}

/**
 * Runs the uptime monitors the control plane configured (`configure_monitors`): each at its interval (the first run
 * spread over the interval, so many monitors do not fire together), results buffered and sent every few seconds
 * while connected. The buffer is bounded: what it cannot keep is dropped oldest first and the count is reported with
 * the next results.
 */
export class MonitorScheduler {
  private readonly timers = new Map<string, { spec: string; timer: NodeJS.Timeout }>();
  private readonly buffer: MonitorResult[] = [];
  private dropped = 0;
  private flusher: NodeJS.Timeout | null = null;

  constructor(
    private readonly channel: MonitorChannel,
    private readonly logger: Logger,
    private readonly check = runCheck,
    private readonly bufferLimit = BUFFER_LIMIT,
  ) {}

  /** Runs exactly these monitors from now on; unchanged ones keep their schedule. */
  configure(monitors: MonitorSpec[]): { monitors: number } {
    const wanted = new Map(monitors.map((m) => [m.id, m]));
    for (const [id, entry] of this.timers) {
      if (wanted.get(id) && JSON.stringify(wanted.get(id)) === entry.spec) continue;
      clearInterval(entry.timer);
      clearTimeout(entry.timer);
      this.timers.delete(id);
    }
    for (const m of monitors) {
      if (this.timers.has(m.id)) continue;
      const run = () => void this.runOnce(m);
      const first = setTimeout(
        () => {
          run();
          const entry = this.timers.get(m.id);
          if (entry) entry.timer = setInterval(run, m.interval_seconds * 1000).unref();
        },
        Math.floor(Math.random() * Math.min(m.interval_seconds, 10) * 1000),
      ).unref();
      this.timers.set(m.id, { spec: JSON.stringify(m), timer: first });
    }
    this.flusher ??= setInterval(() => this.flush(), FLUSH_MS).unref();
    this.logger.info({ monitors: monitors.length }, "uptime monitors configured");
    return { monitors: monitors.length };
  }

  /** Runs one check now and keeps its result; exported for tests. */
  async runOnce(m: MonitorSpec): Promise<MonitorResult> {
    const checkedAt = new Date().toISOString();
    const outcome = await this.check(m.check, m.timeout_seconds * 1000);
    const result: MonitorResult = { monitor_id: m.id, checked_at: checkedAt, ...outcome };
    if (this.timers.has(m.id)) {
      if (this.buffer.length >= this.bufferLimit) {
        this.buffer.shift();
        this.dropped++;
      }
      this.buffer.push(result);
    }
    return result;
  }

  /** Sends what is buffered when connected. */
  flush(): void {
    if (!this.channel.ready || (this.buffer.length === 0 && this.dropped === 0)) return;
    while (this.buffer.length > 0 || this.dropped > 0) {
      const results = this.buffer.splice(0, 1000);
      this.channel.send("monitor_results", { results, dropped: this.dropped });
      this.dropped = 0;
    }
  }

  stop(): void {
    for (const entry of this.timers.values()) {
      clearInterval(entry.timer);
      clearTimeout(entry.timer);
    }
    this.timers.clear();
    if (this.flusher) clearInterval(this.flusher);
    this.flusher = null;
  }
}
