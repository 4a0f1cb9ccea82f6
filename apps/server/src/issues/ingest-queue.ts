import type { ErrorEvent } from "@syntra/contracts";
import { type ErrorIngestDeps, type ErrorIngestResult, ingestErrorEvents } from "./ingest";

/** Most events one transaction of the queue takes. */
const MAX_BATCH = 1000;

interface Waiter {
  events: ErrorEvent[];
  resolve(result: ErrorIngestResult): void;
  reject(err: unknown): void;
}

/**
 * Group commit for error ingest: requests that arrive while a service's transaction runs wait and go together
 * in the next one. One SDK request usually carries one event, and a transaction per event would spend most of
 * its time beginning and committing; under load the waiting requests share that cost, idle ones pay none.
 */
export class ErrorIngestQueue {
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly running = new Set<string>();

  constructor(private readonly deps: ErrorIngestDeps) {}

  /** Stores a request's events (in a transaction shared with others waiting) and answers for them alone. */
  submit(serviceId: string, events: ErrorEvent[]): Promise<ErrorIngestResult> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(serviceId) ?? [];
      queue.push({ events, resolve, reject });
      this.waiting.set(serviceId, queue);
      if (!this.running.has(serviceId)) void this.drain(serviceId);
    });
  }

  private async drain(serviceId: string): Promise<void> {
    this.running.add(serviceId);
    try {
      for (let queue = this.waiting.get(serviceId); queue && queue.length > 0; queue = this.waiting.get(serviceId)) {
        const batch: Waiter[] = [];
        let size = 0;
        while (queue.length > 0 && (batch.length === 0 || size + (queue[0]?.events.length ?? 0) <= MAX_BATCH)) {
          const w = queue.shift() as Waiter;
          batch.push(w);
          size += w.events.length;
        }
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
      this.waiting.delete(serviceId);
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
