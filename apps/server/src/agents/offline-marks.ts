import type { Logger } from "pino";
import type { Db } from "../db/client";
import { markServersOffline } from "./agent-servers";

/** What the offline marks have done (the bench and the tests read them). */
export interface OfflineMarkStats {
  /** Servers whose agent disconnected, handed to `add`. */
  received: number;
  /** Flushes that wrote something: one statement each. */
  flushes: number;
  /** Servers marked offline. */
  marked: number;
  /** Servers skipped because their agent was back (or held by another replica) by the flush. */
  skipped: number;
}

/** Settings of the offline marks. */
export interface OfflineMarksOptions {
  db: Db;
  logger: Logger;
  now: () => Date;
  /** How long a disconnect waits to be written with others (ms). */
  flushMs: number;
  /** True when the server's agent is back (connected again, or saying hello now): it is not marked. */
  isBack(serverId: string): boolean;
  /** The server left this replica: false when another replica holds its agent meanwhile (not offline then). */
  release(serverId: string): Promise<boolean>;
  /** Told the servers just marked offline, with their organizations (to publish their status). */
  onOffline(servers: { id: string; orgId: string }[]): Promise<void>;
}

/**
 * Marks servers offline in batches, like the heartbeats: a mass disconnect of 10,000 agents is a few statements,
 * not 10,000, and a server whose agent is back before the flush (the usual case after a network blip) is not
 * marked at all. One flush at a time; hellos wait for a flush in progress (`settled`) before they mark their
 * servers online, so an offline mark never lands after the hello that follows it.
 */
export class OfflineMarks {
  readonly stats: OfflineMarkStats = { received: 0, flushes: 0, marked: 0, skipped: 0 };
  private pending = new Set<string>();
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: OfflineMarksOptions) {}

  /** A server's agent disconnected: it goes offline with the next flush unless its agent is back by then. */
  add(serverId: string): void {
    this.stats.received++;
    this.pending.add(serverId);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.opts.flushMs);
    this.timer.unref();
  }

  /** Servers waiting to be marked. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Resolves once a flush in progress has ended. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Marks every waiting server offline now (after a flush in progress). */
  async flush(): Promise<void> {
    await this.settled();
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending = new Set();
    // Taken out synchronously with the check: a hello that starts after this line waits for this flush.
    const gone = ids.filter((id) => !this.opts.isBack(id));
    this.stats.skipped += ids.length - gone.length;
    this.running = this.write(gone).finally(() => {
      this.running = null;
    });
    await this.running;
  }

  /** Stops the timer and writes what waits. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(ids: string[]): Promise<void> {
    try {
      const released: string[] = [];
      for (const id of ids) {
        if (await this.opts.release(id)) released.push(id);
        else this.stats.skipped++;
      }
      if (released.length === 0) return;
      const rows = await markServersOffline(this.opts.db, released, this.opts.now());
      this.stats.flushes++;
      this.stats.marked += rows.length;
      await this.opts.onOffline(rows);
    } catch (err) {
      // The sweep marks them once their heartbeats are three intervals old.
      this.opts.logger.error({ err, servers: ids.length }, "servers could not be marked offline");
    }
  }
}
