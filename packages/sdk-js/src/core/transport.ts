import type { SyntraEvent } from "./types";

/** What one delivery attempt got back: the HTTP status (0 when the request failed before an answer). */
export interface SendResult {
  status: number;
  /** From Retry-After, when the server asked to wait. */
  retryAfterMs?: number;
}

/** Sends one request; may reject on network errors (the transport treats that like a 503). */
export type Sender = (body: string) => Promise<SendResult>;

/** Why events were dropped, counted per reason. */
export interface DropCounts {
  /** The queue was full (the app produced errors faster than they could be sent). */
  queue_full: number;
  /** The control plane refused them (a 4xx other than 408/429: wrong key, invalid event). */
  rejected: number;
  /** Every retry failed. */
  retries_exhausted: number;
  /** Dropped by `sampleRate`. */
  sample_rate: number;
  /** beforeSend returned null (or threw). */
  before_send: number;
  /** Captured after close(). */
  closed: number;
}

/** What the transport has done so far. */
export interface TransportStats {
  sent: number;
  /** Requests that failed and were tried again. */
  retried: number;
  queued: number;
  dropped: DropCounts;
}

/** How the transport behaves; every field has a default suited to an app. */
export interface TransportConfig {
  send: Sender;
  maxQueueSize: number;
  /** Events per request (default 50). */
  batchSize?: number;
  /** How long the first event of a batch waits for others (ms, default 200). */
  batchDelayMs?: number;
  /** Retries of one batch before it is dropped (default 8: about four minutes with the default backoff). */
  maxRetries?: number;
  /** First backoff (ms, default 1000), doubled per retry up to maxBackoffMs (default 60 s), with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string) => void;
}

/** The counters of a fresh transport. */
export function emptyDrops(): DropCounts {
  return { queue_full: 0, rejected: 0, retries_exhausted: 0, sample_rate: 0, before_send: 0, closed: 0 };
}

// A timer that must not keep a Node process alive: events still queued at a natural exit are sent by the
// runtime's exit hook, which waits at most the shutdown timeout.
function unrefTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(fn, ms);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

function retryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

/**
 * Delivers events in batches, one request at a time, in order. Failures are retried with exponential backoff and
 * jitter (or after the server's Retry-After); the queue is bounded and what cannot be kept is counted, never thrown
 * into the app. `flush` waits at most its timeout, so a shutdown is never blocked for longer.
 */
export class Transport {
  private readonly queue: SyntraEvent[] = [];
  private readonly drops = emptyDrops();
  private sent = 0;
  private retried = 0;
  private sending = false;
  // How many events at the head of the queue the request in flight carries.
  private inFlight = 0;
  private attempt = 0;
  private closed = false;
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: (() => void)[] = [];
  // Drops not yet reported to the control plane: they ride along with the next event that is sent.
  private unreported = emptyDrops();
  // The counts the request in flight carries; subtracted from `unreported` once it is delivered.
  private reporting = emptyDrops();
  private readonly batchSize: number;
  private readonly batchDelayMs: number;
  private readonly maxRetries: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly config: TransportConfig) {
    this.batchSize = config.batchSize ?? 50;
    this.batchDelayMs = config.batchDelayMs ?? 200;
    this.maxRetries = config.maxRetries ?? 8;
    this.initialBackoffMs = config.initialBackoffMs ?? 1000;
    this.maxBackoffMs = config.maxBackoffMs ?? 60_000;
  }

  /** Queues an event; false when it had to be dropped (counted). */
  enqueue(event: SyntraEvent): boolean {
    if (this.closed) return this.drop("closed", 1);
    if (this.queue.length >= this.config.maxQueueSize) return this.drop("queue_full", 1);
    this.queue.push(event);
    this.schedule();
    return true;
  }

  /** Counts events dropped before they reached the transport (sampling, beforeSend). */
  recordDrop(reason: keyof DropCounts, count = 1): void {
    this.drop(reason, count);
  }

  stats(): TransportStats {
    return { sent: this.sent, retried: this.retried, queued: this.queue.length, dropped: { ...this.drops } };
  }

  /**
   * Sends what is queued now and waits until the queue is empty, at most `timeoutMs`. True when everything was
   * delivered (or dropped for good) in time. Never rejects.
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.batchTimer !== undefined) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
      void this.sendBatch();
    }
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      // Held (not unref'd): whoever awaits a flush wants the process to live until it is done or the time is up.
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  /** Flushes, then refuses new events and stops its timers. */
  async close(timeoutMs: number): Promise<boolean> {
    const done = await this.flush(timeoutMs);
    this.closed = true;
    clearTimeout(this.batchTimer);
    clearTimeout(this.retryTimer);
    return done;
  }

  /**
   * Hands everything queued to a synchronous sender at once (a browser's sendBeacon while the page goes away).
   * Events the sender did not take stay queued.
   */
  drainWith(sendNow: (body: string) => boolean): void {
    // A batch in flight (a keepalive fetch) finishes on its own; everything behind it goes now.
    const start = this.sending ? this.inFlight : 0;
    while (this.queue.length > start) {
      const batch = this.queue.slice(start, start + this.batchSize);
      if (!sendNow(this.body(batch))) return;
      this.queue.splice(start, batch.length);
      this.sent += batch.length;
      this.markReported();
    }
    this.notifyIfIdle();
  }

  private drop(reason: keyof DropCounts, count: number): false {
    this.drops[reason] += count;
    this.unreported[reason] += count;
    this.config.log?.(`dropped ${count} event(s): ${reason}`);
    return false;
  }

  private markReported(): void {
    for (const key of Object.keys(this.unreported) as (keyof DropCounts)[]) {
      this.unreported[key] -= this.reporting[key];
    }
    this.reporting = emptyDrops();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && !this.sending;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private schedule(): void {
    if (this.sending || this.retryTimer !== undefined) return;
    if (this.queue.length >= this.batchSize) {
      clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
      void this.sendBatch();
    } else if (this.batchTimer === undefined) {
      this.batchTimer = unrefTimer(() => {
        this.batchTimer = undefined;
        void this.sendBatch();
      }, this.batchDelayMs);
    }
  }

  private body(batch: SyntraEvent[]): string {
    this.reporting = { ...this.unreported };
    const pending = Object.entries(this.reporting).filter(([, n]) => n > 0);
    if (pending.length === 0) return JSON.stringify({ errors: batch });
    // The drop counts since the last delivery travel in the first event's extra.sdk, so losses show up in Syntra.
    const [first, ...rest] = batch as [SyntraEvent, ...SyntraEvent[]];
    const sdk = { ...(first.context.extra.sdk as object | undefined), dropped_events: Object.fromEntries(pending) };
    const marked = { ...first, context: { ...first.context, extra: { ...first.context.extra, sdk } } };
    return JSON.stringify({ errors: [marked, ...rest] });
  }

  private async sendBatch(): Promise<void> {
    if (this.sending || this.queue.length === 0) {
      this.notifyIfIdle();
      return;
    }
    this.sending = true;
    const batch = this.queue.slice(0, this.batchSize);
    this.inFlight = batch.length;
    let result: SendResult;
    try {
      result = await this.config.send(this.body(batch));
    } catch (err) {
      const cause = (err as { cause?: unknown } | null)?.cause;
      this.config.log?.(
        `sending failed: ${err instanceof Error ? err.message : String(err)}${cause ? ` (${String(cause)})` : ""}`,
      );
      result = { status: 0 };
    }
    this.sending = false;
    this.inFlight = 0;
    if (result.status >= 200 && result.status < 300) {
      this.queue.splice(0, batch.length);
      this.sent += batch.length;
      this.attempt = 0;
      this.markReported();
    } else if (retryable(result.status) && this.attempt < this.maxRetries && !this.closed) {
      this.attempt += 1;
      this.retried += 1;
      const backoff = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (this.attempt - 1));
      const wait = result.retryAfterMs ?? backoff * (0.5 + Math.random() / 2);
      this.config.log?.(`status ${result.status}: retry ${this.attempt} in ${Math.round(wait)} ms`);
      this.retryTimer = unrefTimer(() => {
        this.retryTimer = undefined;
        void this.sendBatch();
      }, wait);
      return;
    } else {
      this.queue.splice(0, batch.length);
      this.attempt = 0;
      this.drop(retryable(result.status) ? "retries_exhausted" : "rejected", batch.length);
    }
    if (this.queue.length > 0) this.schedule();
    this.notifyIfIdle();
  }
}
