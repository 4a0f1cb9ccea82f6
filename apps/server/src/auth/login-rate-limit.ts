/**
 * Counts failed logins per key (email, client address) in a sliding window. In memory: each
 * control-plane replica limits on its own, which bounds guessing to replicas x the limit.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxAttempts: number,
    private readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  /** Seconds until the next attempt is allowed for any of the keys, or 0 when it is allowed now. */
  retryAfterSeconds(keys: string[]): number {
    const now = this.now().getTime();
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.maxAttempts) {
        const oldest = recent[recent.length - this.maxAttempts] ?? now;
        wait = Math.max(wait, Math.ceil((oldest + this.windowMs - now) / 1000));
      }
    }
    return wait;
  }

  /** Records a failed attempt for each key. */
  recordFailure(keys: string[]): void {
    const now = this.now().getTime();
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
    if (this.failures.size > 10_000) this.prune(now);
  }

  /** Forgets the failures of these keys (after a successful login). */
  reset(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }

  private prune(now: number): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key, now).length === 0) this.failures.delete(key);
    }
  }
}
