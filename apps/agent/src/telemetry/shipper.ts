import { randomUUID } from "node:crypto";
import type {
  AgentTelemetryStats,
  TelemetryAckPayload,
  TelemetryBatchBinaryPayload,
  TelemetryBatchPayload,
} from "@syntra/contracts";
import { type BatchCompression, recompressBatch } from "@syntra/otlp";
import type { Logger } from "pino";
import type { BatchMeta } from "./batch-files";
import type { TelemetryBuffer } from "./buffer";
import type { TelemetryStats } from "./stats";

/** What the shipper needs of the control-plane connection. */
export interface BatchChannel {
  readonly ready: boolean;
  send(type: "telemetry_batch", payload: TelemetryBatchPayload): void;
  /** The control plane takes batches as binary frames (negotiated in hello/hello_ack). */
  readonly binaryTelemetry?: boolean;
  /** Sends a compressed batch as a binary frame, its bytes as they are. */
  sendTelemetryFrame?(payload: TelemetryBatchBinaryPayload, data: Uint8Array): void;
}

/** Settings of delivery. */
export interface ShipperOptions {
  agentId: string;
  /** Batches sent and not yet answered at once. */
  window?: number;
  /** A batch without an answer this long is sent again (the control plane drops the copy it already stored). */
  ackTimeoutMs?: number;
  now?: () => number;
}

/**
 * Delivers the buffer's batches to the control plane, at least once: oldest first, a few in flight at a time, each
 * kept until its `telemetry_ack` says stored (or rejected: dropped and counted). Unanswered batches go again after
 * a reconnect or a timeout, and `retry` answers after the delay they ask for. Cuts a batch every interval, sooner
 * when the buffer holds a batch's worth; a stats-only batch carries the counters when there was nothing to send.
 */
export class TelemetryShipper {
  private readonly sent = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  private statsSentAt = "";
  /** The control plane takes brotli batches (hello_ack). */
  private brotli = false;
  private readonly window: number;
  private readonly ackTimeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly buffer: TelemetryBuffer,
    private readonly stats: TelemetryStats,
    private readonly channel: BatchChannel,
    private readonly logger: Logger,
    private readonly opts: ShipperOptions,
  ) {
    this.window = opts.window ?? 4;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Cuts and sends every `seconds` (again with a new interval when hello_ack sets one). */
  start(seconds: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
  }

  /** The buffer holds a batch's worth: cut and send now rather than at the next tick. */
  kick(): void {
    void this.buffer
      .cut()
      .then(
        () => this.pump(),
        (err: unknown) => this.logger.error({ err }, "could not cut a telemetry batch"),
      )
      .catch((err: unknown) => this.logger.error({ err }, "telemetry delivery failed"));
  }

  /**
   * The connection is (again) accepted: what was in flight on the old one goes again. `brotli`: this control plane
   * takes brotli batches (else those cut for an earlier one go compressed again).
   */
  connected(accepts: { brotli?: boolean } = {}): void {
    this.brotli = accepts.brotli ?? false;
    this.sent.clear();
    this.buffer.inFlight.clear();
    // A batch that cannot be read (or recompressed) stays for the next pump; the agent stays up.
    this.pump().catch((err: unknown) => this.logger.error({ err }, "telemetry delivery failed"));
  }

  /** The control plane answered a batch. */
  async acknowledged(ack: TelemetryAckPayload): Promise<void> {
    this.sent.delete(ack.batch_id);
    this.buffer.inFlight.delete(ack.batch_id);
    switch (ack.status) {
      case "stored":
        await this.buffer.stored(ack.batch_id);
        break;
      case "rejected":
        this.logger.error(
          { batch_id: ack.batch_id, reason: ack.message },
          "the control plane rejected a telemetry batch",
        );
        await this.buffer.rejected(ack.batch_id);
        break;
      case "retry": {
        const delay = (ack.retry_after_seconds ?? 5) * 1000;
        this.notBefore.set(ack.batch_id, this.now() + delay);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => void this.pump(), delay);
        this.retryTimer.unref();
        break;
      }
      default: {
        const unknown: never = ack.status;
        throw new Error(`unknown ack status ${String(unknown)}`);
      }
    }
    await this.pump();
  }

  private async tick(): Promise<void> {
    try {
      await this.buffer.cut();
      const sentAny = await this.pump();
      if (!sentAny) this.sendStatsIfChanged();
    } catch (err) {
      this.logger.error({ err }, "telemetry delivery failed");
    }
  }

  /** Sends pending batches while the window has room; true when it sent any. */
  private async pump(): Promise<boolean> {
    if (this.pumping) {
      this.pumpAgain = true;
      return false;
    }
    this.pumping = true;
    let sentAny = false;
    try {
      do {
        this.pumpAgain = false;
        sentAny = (await this.pumpOnce()) || sentAny;
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    return sentAny;
  }

  private async pumpOnce(): Promise<boolean> {
    let sentAny = false;
    {
      const now = this.now();
      for (const [id, at] of this.sent) {
        if (now - at > this.ackTimeoutMs) {
          this.sent.delete(id);
          this.buffer.inFlight.delete(id);
        }
      }
      for (const meta of this.buffer.pending()) {
        if (!this.channel.ready || this.sent.size >= this.window) break;
        if (this.sent.has(meta.id) || (this.notBefore.get(meta.id) ?? 0) > now) continue;
        const stored = await this.buffer.data(meta);
        const { compression, data } =
          meta.compression === "br" && !this.brotli
            ? await recompressBatch(stored, meta.rawBytes)
            : { compression: meta.compression, data: stored };
        if (!this.channel.ready) break;
        this.notBefore.delete(meta.id);
        this.sent.set(meta.id, this.now());
        this.buffer.inFlight.add(meta.id);
        this.send(meta, compression, data);
        sentAny = true;
      }
    }
    return sentAny;
  }

  /** One batch to the control plane: a binary frame where it takes them, else base64 in JSON (section 1.3). */
  private send(meta: BatchMeta, compression: BatchCompression, data: Buffer): void {
    const stats = this.currentStats();
    this.statsSentAt = JSON.stringify({ ...stats, oldest_buffered_at: null });
    const head = {
      batch_id: meta.id,
      agent_id: this.opts.agentId,
      stats,
      compression,
      format: "json+otlp",
      raw_bytes: meta.rawBytes,
    } as const;
    if (this.channel.binaryTelemetry && this.channel.sendTelemetryFrame) {
      this.channel.sendTelemetryFrame({ ...head, data_bytes: data.length }, data);
      return;
    }
    this.channel.send("telemetry_batch", { ...head, data: data.toString("base64") });
  }

  private currentStats(): AgentTelemetryStats {
    return { ...this.stats.counters, ...this.buffer.snapshot() };
  }

  /** With nothing to send, the counters still reach the control plane when they changed (an empty batch). */
  private sendStatsIfChanged(): void {
    if (!this.channel.ready) return;
    const stats = this.currentStats();
    // The buffer's size counts too: the report after the buffer drained says so (0 bytes waiting).
    const key = JSON.stringify({ ...stats, oldest_buffered_at: null });
    if (key === this.statsSentAt) return;
    this.statsSentAt = key;
    this.channel.send("telemetry_batch", {
      batch_id: `stats-${randomUUID()}`,
      agent_id: this.opts.agentId,
      stats,
      compression: "none",
      data: { errors: [], traces: [], logs: [], metrics: [], health_checks: [] },
    });
  }

  /** Batches sent and not yet answered (for tests and the agent's stop). */
  get inFlight(): number {
    return this.sent.size;
  }
}
