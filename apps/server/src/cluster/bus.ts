/**
 * How the control-plane replicas sharing one PostgreSQL talk to each other: messages by topic, to all the others or
 * to one, which replicas are alive, and work that must run on one replica at a time. The embedded single-process
 * default uses `LocalClusterBus` (there is no other replica); PostgreSQL uses LISTEN/NOTIFY and advisory locks
 * (`postgres-bus.ts`). No broker besides the database.
 */
export interface ClusterBus {
  readonly kind: "local" | "postgres";
  /** This replica's id: unique among the replicas alive on the database. */
  readonly replicaId: string;
  /** Sends to every other replica (not to this one). Messages from one replica arrive in the order sent. */
  broadcast(topic: string, message: unknown): void;
  /** Sends to one replica. A replica that is gone never gets it (see `onReplicaGone`). */
  sendTo(replicaId: string, topic: string, message: unknown): void;
  /** Handles a topic's messages from the other replicas; returns the function that stops it. */
  on(topic: string, handler: (message: unknown, from: string) => void): () => void;
  /** Called with each replica that was alive and is not any more (its process died or stopped). */
  onReplicaGone(handler: (replicaId: string) => void): void;
  /**
   * Called when this replica had lost its connection to the others (they saw it gone and released what it held)
   * and is back under the same id: it must claim again what it still holds.
   */
  onRejoin(handler: () => void): void;
  /** The replicas alive now, this one included. */
  liveReplicas(): Promise<ReadonlySet<string>>;
  /**
   * Runs `fn` while holding the cluster-wide lock `key`, waiting for a replica that holds it; the lock goes with its
   * holder's connection, so a dead replica never keeps it.
   */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` unless another replica holds `key` now (then resolves `undefined`): periodic jobs run once. */
  tryLock<T>(key: string, fn: () => Promise<T>): Promise<T | undefined>;
  close(): Promise<void>;
}

/** The cluster of one: the embedded default (PGlite, or PostgreSQL with clustering turned off). */
export class LocalClusterBus implements ClusterBus {
  readonly kind = "local";
  readonly replicaId = "local";
  private readonly locks = new Map<string, Promise<unknown>>();

  broadcast(): void {
    // There is no other replica to tell.
  }

  sendTo(): void {
    // Only this replica exists, and it never addresses itself through the bus.
  }

  on(): () => void {
    return () => {};
  }

  onReplicaGone(): void {
    // This replica is the only one, and it is alive while anyone asks.
  }

  onRejoin(): void {
    // Nothing to lose: there is no connection to the others.
  }

  async liveReplicas(): Promise<ReadonlySet<string>> {
    return new Set([this.replicaId]);
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.catch(() => {});
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return run;
  }

  async tryLock<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.locks.has(key)) return undefined;
    return this.withLock(key, fn);
  }

  async close(): Promise<void> {}
}
