import { countQueries } from "../db/query-count";

/** What the admission queue has done (the bench and the tests read it). */
export interface AdmissionStats {
  /** Hellos admitted so far (handed to a batch). */
  admitted: number;
  /** Batches run so far. */
  batches: number;
  /** Statements the batches sent (and the work they started in the background): divided by `admitted`, a hello's cost. */
  queries: number;
  /** The most hellos that ever waited at once. */
  peakWaiting: number;
}

interface Waiting<T> {
  item: T;
  resolve: (admitted: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Admits agents' hellos in batches, `limit` batches at a time, in arrival order. Sockets are accepted at once and
 * their hellos read at once (no handshake times out while it waits here); the database work of hellos (recording
 * the hosts, pending deployments, the agent-ready handlers) runs for every hello waiting when a slot frees, up to
 * `maxBatch` of them, with one query per step for the whole batch. A lone hello is a batch of one and waits for
 * nothing; a storm of reconnects costs a few queries per batch instead of about ten per agent.
 */
export class HelloAdmission<T> {
  readonly stats: AdmissionStats = { admitted: 0, batches: 0, queries: 0, peakWaiting: 0 };
  private running = 0;
  private readonly pending: Waiting<T>[] = [];
  private readonly slotWaiters: (() => void)[] = [];

  private gather: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: number,
    readonly maxBatch: number,
    /** Admits a batch; answers, in the batch's order, whether each hello was admitted. */
    private readonly admitBatch: (batch: T[]) => Promise<boolean[]>,
    /**
     * How long a hello finding a slot free waits for others to join its batch (ms). Hellos that waited for a slot
     * go at once. Without it, a storm whose upgrades complete one by one is admitted one hello per batch, each
     * batch costing its full set of queries, which slows the next upgrades: a trickle that feeds itself.
     */
    private readonly gatherMs = 0,
  ) {}

  /** Queues a hello; resolves with whether its batch admitted it. */
  submit(item: T): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.stats.peakWaiting = Math.max(this.stats.peakWaiting, this.pending.length);
      if (this.gatherMs <= 0 || this.pending.length >= this.maxBatch) this.drain();
      else if (!this.gather && this.running < this.limit) {
        this.gather = setTimeout(() => {
          this.gather = undefined;
          this.drain();
        }, this.gatherMs);
        this.gather.unref();
      }
    });
  }

  /** Runs `fn` in a slot of its own (a batch's turn); resolves or rejects with it. */
  async run<R>(fn: () => Promise<R>): Promise<R> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Hellos (and other work) waiting for a slot. */
  get waiting(): number {
    return this.pending.length + this.slotWaiters.length;
  }

  private drain(): void {
    while (this.pending.length > 0 && this.running < this.limit) {
      this.running++;
      void this.runBatch(this.pending.splice(0, this.maxBatch));
    }
  }

  private async runBatch(batch: Waiting<T>[]): Promise<void> {
    this.stats.batches++;
    this.stats.admitted += batch.length;
    try {
      // The stats are the tally: queries of background work the batch started count too, as they happen.
      const admitted = await countQueries(this.stats, () => this.admitBatch(batch.map((w) => w.item)));
      for (const [i, w] of batch.entries()) w.resolve(admitted[i] === true);
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.release();
    }
  }

  /** A slot passes straight to work waiting for one, or to the next batch, or is given back. */
  private release(): void {
    const next = this.slotWaiters.shift();
    if (next) {
      next();
      return;
    }
    this.running--;
    this.drain();
  }
}
