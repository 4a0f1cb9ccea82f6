import type { Logger } from "pino";
import { AppError } from "../errors";

/**
 * The stored outcome of a background AI task that failed: `budget_exceeded`, or `failed:<error code>`. Logged with
 * `what` and the ids; an unexpected error (not an AppError) is logged whole, since nothing else records it.
 */
export function failureOutcome(err: unknown, logger: Logger, what: string, ids: Record<string, string>): string {
  const code = err instanceof AppError ? err.code : "INTERNAL_ERROR";
  logger.warn({ ...ids, code, ...(code === "INTERNAL_ERROR" && { err }) }, what);
  return code === "AI_BUDGET_EXCEEDED" ? "budget_exceeded" : `failed:${code}`;
}
