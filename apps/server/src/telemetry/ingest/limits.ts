/**
 * At most `limit` holders at once; `tryAcquire` never waits (ingest answers "retry later" instead of queueing, so
 * memory stays bounded however many batches or requests arrive).
 */
export class Semaphore {
  private held = 0;

  constructor(readonly limit: number) {}

  tryAcquire(): boolean {
    if (this.held >= this.limit) return false;
    this.held++;
    return true;
  }

  release(): void {
    this.held = Math.max(0, this.held - 1);
  }

  get inUse(): number {
    return this.held;
  }
}

/**
 * Token buckets per key (an ingest key's items per second, with a burst of `burstSeconds` worth), bounded in the
 * number of keys it remembers. `take` answers how long to wait when the key is over its rate.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burstSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes `n` items' worth; returns 0 when allowed, else the seconds until it would be (rounded up, >= 1). */
  take(key: string, n: number): number {
    if (this.perSecond <= 0) return 0;
    const capacity = this.perSecond * this.burstSeconds;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = { tokens: capacity, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    // A request larger than the whole burst is let through when the bucket is full, so it is not refused forever.
    if (bucket.tokens >= n || bucket.tokens >= capacity) {
      bucket.tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil((n - bucket.tokens) / this.perSecond));
  }
}
