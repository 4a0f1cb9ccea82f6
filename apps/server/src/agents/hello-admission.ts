/** What the admission queue has done (the bench and the tests read it). */
export interface AdmissionStats {
  /** Hellos admitted so far. */
  admitted: number;
  /** The most hellos that ever waited at once. */
  peakWaiting: number;
}

/**
 * Admits agents' hellos `limit` at a time, in arrival order. Sockets are accepted at once and their hellos read
 * at once (no handshake times out while it waits here); the database work of a hello (recording the host,
 * pending deployments, the agent-ready handlers) runs for a bounded number of agents at a time, so a storm of
 * reconnects queues up instead of starving the API and the connected agents of the database.
 */
export class HelloAdmission {
  readonly stats: AdmissionStats = { admitted: 0, peakWaiting: 0 };
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Runs `fn` once admitted; resolves or rejects with it. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => {
        this.queue.push(resolve);
        this.stats.peakWaiting = Math.max(this.stats.peakWaiting, this.queue.length);
      });
    } else {
      this.running++;
    }
    this.stats.admitted++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next in line (running stays the same), or is given back.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Hellos waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }
}
