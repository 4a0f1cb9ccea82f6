import type { ErrorEvent } from "@syntra/contracts";
import { type ErrorIngestDeps, type ErrorIngestResult, ingestErrorEvents } from "./ingest";

/** Most events one transaction of the queue takes. */
const MAX_BATCH = 1000;

interface Waiter {
  events: ErrorEvent[];
  resolve(result: ErrorIngestResult): void;
  reject(err: unknown): void;
}

/** A service's requests waiting for their transaction, and how many events they hold. */
interface Pending {
  waiters: Waiter[];
  events: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Group commit for error ingest: requests of one service that arrive within a short window, or while the service's
 * transaction runs, go together in one transaction. One SDK request usually carries one event, and a transaction
 * per event would spend most of its time in fixed costs (beginning, committing, a statement per step).
 *
 * The window matters on PGlite: its queries run in this thread without yielding to I/O, so without a wait no other
 * request is even read while a transaction runs and every request got a transaction of its own (600 envelopes from
 * 32 senders made 600 transactions). A request waits at most `windowMs` before its transaction starts (less when
 * MAX_BATCH events are waiting), and is answered only after the commit: at-least-once, as before.
 */
export class ErrorIngestQueue {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<string>();

  constructor(
    private readonly deps: ErrorIngestDeps,
    private readonly windowMs = 0,
  ) {}

  /** Stores a request's events (in a transaction shared with others waiting) and answers for them alone. */
  submit(serviceId: string, events: ErrorEvent[]): Promise<ErrorIngestResult> {
    return new Promise((resolve, reject) => {
      let p = this.pending.get(serviceId);
      if (!p) {
        p = { waiters: [], events: 0, timer: null };
        this.pending.set(serviceId, p);
      }
      p.waiters.push({ events, resolve, reject });
      p.events += events.length;
      if (this.running.has(serviceId)) return; // the running drain takes it next
      if (p.events >= MAX_BATCH || this.windowMs <= 0) {
        if (p.timer) clearTimeout(p.timer);
        p.timer = null;
        void this.drain(serviceId);
      } else {
        p.timer ??= setTimeout(() => {
          (p as Pending).timer = null;
          void this.drain(serviceId);
        }, this.windowMs);
      }
    });
  }

  private async drain(serviceId: string): Promise<void> {
    if (this.running.has(serviceId)) return;
    this.running.add(serviceId);
    try {
      for (let p = this.pending.get(serviceId); p && p.waiters.length > 0; p = this.pending.get(serviceId)) {
        const batch: Waiter[] = [];
        let size = 0;
        while (p.waiters.length > 0 && (batch.length === 0 || size + (p.waiters[0]?.events.length ?? 0) <= MAX_BATCH)) {
          const w = p.waiters.shift() as Waiter;
          batch.push(w);
          size += w.events.length;
        }
        p.events -= size;
        try {
          const all = await ingestErrorEvents(
            this.deps,
            { serviceId },
            batch.flatMap((w) => w.events),
          );
          for (const w of batch) w.resolve(share(all, w.events));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      const p = this.pending.get(serviceId);
      if (p && p.waiters.length === 0) {
        if (p.timer) clearTimeout(p.timer);
        this.pending.delete(serviceId);
      }
      this.running.delete(serviceId);
    }
  }
}

/** One request's part of a shared transaction's result. */
function share(all: ErrorIngestResult, events: ErrorEvent[]): ErrorIngestResult {
  const ids = new Set(events.map((e) => e.id));
  const storedIds = new Set([...ids].filter((id) => all.storedIds.has(id)));
  return { accepted: storedIds.size, duplicates: events.length - storedIds.size, issues: all.issues, storedIds };
}
