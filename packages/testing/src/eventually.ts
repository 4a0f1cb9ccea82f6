/** How `eventually` waits, and what its failure says. */
export interface EventuallyOptions {
  /** What is awaited, for the failure message ("the deployment running"). */
  what?: string;
  /** Give up after this long; generous, since a busy CI machine must not fail a wait that would succeed. */
  timeoutMs?: number;
  /** Appended to the failure message: logs, messages received, the state last seen. */
  diagnostic?: () => Promise<string> | string;
}

/**
 * Polls `check` until it returns a value other than undefined or false, and resolves with that value. An error
 * thrown by `check` counts as "not yet" (a server still starting refuses connections); the last one is in
 * the failure message. The first checks follow each other quickly and the pace slows to 100 ms, so a wait
 * that is over at once costs nothing and a long one does not spin. Use it for state that has no event to
 * wait on; to show that something did NOT happen, wait for a later event that is ordered after it instead.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let pause = 5;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 100);
  }
  const because = last === undefined ? "" : ` (last error: ${last instanceof Error ? last.message : String(last)})`;
  const extra = options.diagnostic ? `\n${await options.diagnostic()}` : "";
  throw new Error(`${options.what ?? "the condition"} did not happen within ${timeoutMs} ms${because}${extra}`);
}
