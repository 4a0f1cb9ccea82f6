/** The console methods as they were when the SDK loaded, before any integration wrapped them. */
export const originalConsole: Pick<Console, "log" | "warn" | "error"> = {
  log: console.log.bind(console),
  warn: console.warn.bind(console),
  error: console.error.bind(console),
};

/** Writes an SDK line when debug is on; errors in the SDK's own setup are always written. */
export function debugLog(enabled: boolean, message: string, ...args: unknown[]): void {
  if (enabled) originalConsole.log(`[syntra] ${message}`, ...args);
}
