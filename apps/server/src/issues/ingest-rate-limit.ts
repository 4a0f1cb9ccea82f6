/**
 * A token bucket per ingest key: `rate` items per second, bursts of `burstSeconds` worth. A request is let through
 * when its key's bucket is not empty and may overdraw it, so an envelope larger than the burst still passes once
 * and the key then waits for the debt. In memory: each control-plane replica limits on its own.
 */
export class IngestRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly now: () => Date,
    private readonly burstSeconds = 10,
  ) {}

  /** Takes `items` for the key; returns 0 when they pass, else the seconds until the key may send again. */
  take(key: string, items: number): number {
    if (this.rate <= 0) return 0;
    const now = this.now().getTime();
    const capacity = this.rate * this.burstSeconds;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    if (bucket.tokens <= 0) {
      this.buckets.set(key, bucket);
      return Math.max(1, Math.ceil(-bucket.tokens / this.rate + 1 / this.rate));
    }
    bucket.tokens -= items;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.prune(now, capacity);
    return 0;
  }

  // Full buckets hold no state worth keeping.
  private prune(now: number, capacity: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= capacity) this.buckets.delete(key);
    }
  }
}
