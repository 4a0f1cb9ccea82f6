import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { context } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import type { Dsn } from "../core/dsn";
import type { Sender, SendResult } from "../core/transport";
import { KEY_HEADER } from "./http-breadcrumbs";

const gzipAsync = promisify(gzip);
const REQUEST_TIMEOUT_MS = 10_000;

/** Retry-After in seconds or as an HTTP date, in ms. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Posts batches to the DSN's errors endpoint with fetch, gzipped, the key in its header. The request is made with
 * tracing suppressed, so the SDK's own traffic does not show up as spans of the app (nor, by its key header, as
 * breadcrumbs).
 */
export function nodeSender(dsn: Dsn): Sender {
  return async (body: string): Promise<SendResult> => {
    const compressed = await gzipAsync(body);
    const res = await context.with(suppressTracing(context.active()), () =>
      fetch(dsn.errorsUrl, {
        method: "POST",
        body: compressed,
        headers: { "content-type": "application/json", "content-encoding": "gzip", [KEY_HEADER]: dsn.key },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }),
    );
    // The answer is small; reading it lets the connection be reused.
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
  };
}
