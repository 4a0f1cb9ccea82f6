/**
 * Polls `check` until it returns a value other than undefined, and resolves with it. On timeout the error
 * names `what`, the last error `check` threw, and whatever `diagnostic` adds (logs, messages received).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  options: { timeoutMs?: number; diagnostic?: () => Promise<string> | string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const extra = options.diagnostic ? `\n${await options.diagnostic()}` : "";
  throw new Error(`${what} did not happen (last error: ${String(last)})${extra}`);
}
