/** A fixed number of slots for provider requests: callers past the limit wait their turn, first come first served. */
export interface Slots {
  /** Runs `work` once a slot is free, and frees it when `work` settles. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Requests running now and waiting now (for logs and tests). */
  readonly running: number;
  readonly waiting: number;
}

/** `size` slots (at least 1). */
export function createSlots(size: number): Slots {
  let running = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else running--;
  };
  return {
    async run(work) {
      if (running < size) running++;
      // The slot passes straight from the one releasing it to the next in line: `running` stays the same.
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await work();
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}
