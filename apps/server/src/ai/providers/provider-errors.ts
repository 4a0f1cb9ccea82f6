import { AppError } from "../../errors";

/**
 * An AppError for a provider's HTTP failure, the same for every provider: 429 -> AI_RATE_LIMITED (with the
 * provider's Retry-After passed on), 529 and 503 -> AI_OVERLOADED, 408/504 -> AI_TIMEOUT, anything else ->
 * AI_PROVIDER_ERROR. `detail` is the provider's own error message, which never holds our key.
 */
export function providerHttpError(
  provider: string,
  status: number,
  detail: string | undefined,
  retryAfter?: string | null,
): AppError {
  const said = detail ? `: ${detail.slice(0, 300)}` : "";
  if (status === 429) {
    const seconds = retryAfter && /^\d+$/.test(retryAfter.trim()) ? retryAfter.trim() : undefined;
    return new AppError(
      "AI_RATE_LIMITED",
      `${provider} rate-limited the request (HTTP 429)${said}`,
      seconds ? { retry_after_seconds: Number(seconds) } : undefined,
      seconds ? { "retry-after": seconds } : undefined,
    );
  }
  if (status === 529 || status === 503) {
    return new AppError("AI_OVERLOADED", `${provider} is overloaded (HTTP ${status})${said}`);
  }
  if (status === 408 || status === 504)
    return new AppError("AI_TIMEOUT", `${provider} timed out (HTTP ${status})${said}`);
  return new AppError("AI_PROVIDER_ERROR", `${provider} answered HTTP ${status}${said}`);
}

/** The AppError for a request that took longer than the configured timeout. */
export const providerTimeout = (provider: string, timeoutMs: number) =>
  new AppError("AI_TIMEOUT", `${provider} did not answer within ${Math.round(timeoutMs / 1000)} s`);

/** The AppError for a provider that could not be reached at all (refused, DNS, reset). */
export const providerUnreachable = (provider: string, err: unknown) =>
  new AppError(
    "AI_PROVIDER_ERROR",
    `${provider} could not be reached: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
  );
