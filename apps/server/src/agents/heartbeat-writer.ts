import type { HeartbeatPayload } from "@syntra/contracts";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { recordHeartbeats } from "./agent-servers";

/** A server's latest heartbeat, waiting for the next flush. */
export interface PendingHeartbeat {
  serverId: string;
  beat: HeartbeatPayload;
  /** The control plane's clock when it arrived (last_heartbeat_at and the metrics row use it). */
  at: Date;
}

/** What the writer has done since it started (the bench and the tests read it). */
export interface HeartbeatWriterStats {
  /** Heartbeats handed to `record`. */
  received: number;
  /** Heartbeats replaced by a newer one of the same server before they were written. */
  coalesced: number;
  /** Statements written (a flush of more than `rowsPerStatement` servers writes several). */
  flushes: number;
  /** Server rows written (one per server per flush). */
  written: number;
}

/** Settings of a HeartbeatWriter. */
export interface HeartbeatWriterOptions {
  db: Db;
  logger: Logger;
  /** How long a heartbeat may wait before it is written; 0: only on `flush` (tests). */
  flushMs: number;
  /** Servers at which a flush starts at once instead of at the next tick. */
  maxBatch: number;
  /**
   * Servers written per statement. A flush writes its servers in statements of this many, letting the event loop
   * turn between them: on PGlite's single connection a query that arrives meanwhile (an API request) waits for one
   * statement, not for the whole flush. Default: `maxBatch`.
   */
  rowsPerStatement?: number;
  /** Told the servers a flush found deleted (their agents are to be disconnected). */
  onDeleted(serverIds: string[]): void;
}

/**
 * Writes heartbeats in batches: the latest state of each server is kept in memory and every `flushMs` the
 * servers that beat since the last flush are written with one statement (last_heartbeat_at, status and one
 * metrics row per server), so 10,000 agents beating every 30 s cost a statement a second, not 333 transactions.
 * One flush runs at a time; heartbeats arriving meanwhile wait for the next one. A flush's statements are
 * `rowsPerStatement` servers each, with an event-loop turn between them.
 */
export class HeartbeatWriter {
  readonly stats: HeartbeatWriterStats = { received: 0, coalesced: 0, flushes: 0, written: 0 };
  private pending = new Map<string, PendingHeartbeat>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: HeartbeatWriterOptions) {
    if (opts.flushMs > 0) {
      this.timer = setInterval(() => void this.flush(), opts.flushMs);
      // Never keeps a stopping process alive; `close` writes what is left.
      this.timer.unref();
    }
  }

  /** Keeps a server's newest heartbeat for the next flush (replacing one still waiting). */
  record(serverId: string, beat: HeartbeatPayload, at: Date): void {
    this.stats.received++;
    if (this.pending.has(serverId)) this.stats.coalesced++;
    // Deleted and set again, so the map's order is arrival order and a full batch takes the oldest first.
    this.pending.delete(serverId);
    this.pending.set(serverId, { serverId, beat, at });
    if (this.pending.size >= this.opts.maxBatch && !this.running) void this.flush();
  }

  /** How many servers have a heartbeat waiting. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Drops a server's waiting heartbeat and resolves once a flush that may hold one has ended: after this, marking
   * the server offline cannot be undone by a heartbeat written late.
   */
  async forget(serverId: string): Promise<void> {
    this.pending.delete(serverId);
    await this.running;
  }

  /** Writes every waiting heartbeat now (after a flush in progress), one statement per `maxBatch` servers. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.pending.size === 0) return;
    this.running = this.writeAll().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  /** Stops the timer and writes what waits. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
  }

  private async writeAll(): Promise<void> {
    const rows = Math.max(1, this.opts.rowsPerStatement ?? this.opts.maxBatch);
    let first = true;
    while (this.pending.size > 0) {
      // setImmediate runs after the loop's I/O phase: requests that arrived during the last statement get their
      // queries into the database's queue before the next statement does.
      if (!first) await new Promise((resolve) => setImmediate(resolve));
      first = false;
      const batch: PendingHeartbeat[] = [];
      for (const entry of this.pending.values()) {
        batch.push(entry);
        if (batch.length >= rows) break;
      }
      for (const entry of batch) this.pending.delete(entry.serverId);
      try {
        const stored = await recordHeartbeats(this.opts.db, batch);
        this.stats.flushes++;
        this.stats.written += stored.size;
        const deleted = batch.filter((b) => !stored.has(b.serverId)).map((b) => b.serverId);
        if (deleted.length > 0) this.opts.onDeleted(deleted);
      } catch (err) {
        // Lost only until the next beat (an interval later); the sweep allows three missed ones.
        this.opts.logger.error({ err, servers: batch.length }, "heartbeats could not be written");
        return;
      }
    }
  }
}
