/** A background pass that sleeps until its work is due or something wakes it (see `wakeableLoop`). */
export interface WakeableLoop {
  /** Runs a pass now (or right after the one running now): something gave the loop work. */
  wake(): void;
  /** Stops waking; resolves once a pass in progress has ended. */
  stop(): Promise<void>;
}

/** What a `wakeableLoop` runs, and how long it may sleep. */
export interface WakeableLoopOptions {
  /**
   * One pass; resolves with the milliseconds until its next known work (null: none known). The loop sleeps that long,
   * at most `maxWaitMs`, at least `minWaitMs`.
   */
  pass: () => Promise<number | null>;
  /** The longest sleep: the safety poll for work this process is not told about (another replica, a crash). */
  maxWaitMs: number;
  /** The shortest sleep after a pass that named work due already (held by another replica, say). Default 1 s. */
  minWaitMs?: number;
  /** A failed pass is reported here and tried again after `maxWaitMs` or at the next wake. */
  onError: (err: unknown) => void;
  /** Sleep `maxWaitMs` before the first pass instead of running one at once. */
  startAfterWait?: boolean;
}

/**
 * Runs `pass` now, then after the sleep it asks for, or at once when woken; never two passes at once (a wake during
 * a pass runs one more right after it). Replaces a fixed-interval poll whose queries cost CPU every few seconds at
 * idle: the pass says when its next work is due, and whoever creates work calls `wake()`. Timers are unref'd.
 */
export function wakeableLoop(opts: WakeableLoopOptions): WakeableLoop {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const sleep = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    let next: number | null = null;
    running = opts
      .pass()
      .then(
        (ms) => {
          next = ms;
        },
        (err: unknown) => opts.onError(err),
      )
      .finally(() => {
        running = null;
        if (stopped) return;
        if (again) {
          again = false;
          sleep(0);
          return;
        }
        const wait = next === null ? opts.maxWaitMs : Math.max(opts.minWaitMs ?? 1000, next);
        sleep(Math.min(wait, opts.maxWaitMs));
      });
  };
  if (opts.startAfterWait) sleep(opts.maxWaitMs);
  else sleep(0);
  return {
    wake: run,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
