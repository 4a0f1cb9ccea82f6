/**
 * Runs operations one at a time per key (a service): a deploy, a scale and a restart of the same service never
 * interleave, while different services proceed in parallel.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(operation, operation);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget idle keys so the map does not grow with every service ever seen.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether an operation on `key` is running or waiting. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
