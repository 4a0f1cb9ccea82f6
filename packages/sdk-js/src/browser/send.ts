import type { Dsn } from "../core/dsn";
import type { Sender, SendResult } from "../core/transport";

// Browsers send the key in the query string and the body as text/plain: a "simple" request needs no CORS
// preflight, and sendBeacon can set no headers anyway.
function endpoint(dsn: Dsn): string {
  return `${dsn.errorsUrl}?syntra_key=${encodeURIComponent(dsn.key)}`;
}

// keepalive requests may carry at most 64 KiB in total (Fetch standard); bigger bodies go as ordinary requests.
const KEEPALIVE_LIMIT = 60_000;

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Posts a batch with fetch (keepalive, so a request in flight survives a navigation). */
export function fetchSender(dsn: Dsn, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): Sender {
  const url = endpoint(dsn);
  return async (body: string): Promise<SendResult> => {
    const res = await fetchImpl(url, {
      method: "POST",
      body,
      headers: { "content-type": "text/plain;charset=UTF-8" },
      credentials: "omit",
      keepalive: body.length < KEEPALIVE_LIMIT,
    });
    return { status: res.status, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
  };
}

/** Hands a batch to sendBeacon, which the browser delivers even after the page is gone; false if it refused. */
export function beaconSender(dsn: Dsn): ((body: string) => boolean) | undefined {
  const nav = globalThis.navigator as Navigator | undefined;
  if (typeof nav?.sendBeacon !== "function") return undefined;
  const url = endpoint(dsn);
  return (body) => nav.sendBeacon(url, new Blob([body], { type: "text/plain;charset=UTF-8" }));
}
