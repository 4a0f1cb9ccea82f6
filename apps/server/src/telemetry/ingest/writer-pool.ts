import { RowBinaryWriter } from "../store/row-binary";

/**
 * RowBinary writers kept between batches. A batch's writer is tens of megabytes (room for all its rows, so it never
 * regrows), and V8 counts every fresh buffer as external memory against the heap's limit: a new one per batch set
 * off a full garbage collection every batch or two, marking the whole control plane's heap on V8's threads. Reused,
 * the memory is allocated once. The pool keeps a few writers and lets them go after a while without batches, so an
 * idle control plane does not hold their pages.
 */
export class WriterPool {
  private free: RowBinaryWriter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keep: number,
    private readonly idleMs: number,
  ) {}

  /** A writer with room for at least `bytes`, empty: a kept one when one is large enough, else a new one. */
  take(bytes: number): RowBinaryWriter {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const capacity = (this.free[i] as RowBinaryWriter).capacity;
      if (capacity >= bytes && (best < 0 || capacity < (this.free[best] as RowBinaryWriter).capacity)) best = i;
    }
    if (best < 0) return new RowBinaryWriter(bytes);
    const [writer] = this.free.splice(best, 1);
    return writer as RowBinaryWriter;
  }

  /** Gives a writer back once nothing reads its bytes any more (its rows are stored, or failed). */
  give(writer: RowBinaryWriter): void {
    writer.truncate(0);
    if (this.free.includes(writer)) return;
    this.free.push(writer);
    // The largest are the most useful to keep.
    if (this.free.length > this.keep) this.free = this.free.sort((a, b) => b.capacity - a.capacity).slice(0, this.keep);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.free = [];
    }, this.idleMs);
    this.timer.unref();
  }

  /** Writers kept now (for tests). */
  get size(): number {
    return this.free.length;
  }
}

/** The ingest paths' writers: a batch or two in conversion while one is being inserted. */
export const rowWriters = new WriterPool(3, 30_000);
