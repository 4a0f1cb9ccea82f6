import { DeliveryError } from "./types";

/**
 * POSTs a JSON body with a timeout and turns the answer into success or a DeliveryError: 2xx is delivered; 408, 429
 * and 5xx are retried (429's Retry-After honoured); other 4xx are permanent. Error messages carry the status and the
 * start of the receiver's answer, never the URL (for Slack and Discord the URL is the secret).
 */
export async function postJson(
  fetchFn: typeof fetch,
  url: string,
  body: unknown,
  opts: { timeoutMs: number; headers?: Record<string, string>; serialized?: string },
): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Syntra-Alerts/1", ...opts.headers },
      body: opts.serialized ?? JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
      redirect: "manual",
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError") throw new DeliveryError(`no answer within ${opts.timeoutMs / 1000} s`);
    throw new DeliveryError(`could not connect: ${e.cause?.code ?? e.cause?.message ?? String(err)}`);
  }
  if (res.ok) return res;
  const text = (await res.text().catch(() => "")).replace(/\s+/g, " ").trim().slice(0, 200);
  const message = `HTTP ${res.status}${text ? `: ${text}` : ""}`;
  if (res.status === 429 || res.status === 408 || res.status >= 500) {
    throw new DeliveryError(message, { retryAfterMs: retryAfterMs(res.headers.get("retry-after")) });
  }
  throw new DeliveryError(message, { permanent: res.status >= 400 && res.status < 500 && res.status !== 425 });
}

/** Retry-After in seconds or as an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
