import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** An answer of Caddy's admin API. */
export interface AdminAnswer {
  status: number;
  text: string;
}

/** Connection attempts a call makes when the admin API resets them at connect (see adminRequest). */
const CONNECT_ATTEMPTS = 5;
const CONNECT_RETRY_MS = 100;

/**
 * One request to Caddy's admin API on a connection of its own. Caddy replaces its admin server at every
 * config change and closes the old one's idle connections, so a kept-alive connection can be closed just as
 * the next request goes out on it ("other side closed"); a fresh connection per call cannot be. The old server
 * is shut down after Caddy has answered the change, so a connection made just then can still land in the
 * closing listener's queue and be reset at connect: nothing was sent on it, so that attempt is made again.
 */
export async function adminRequest(
  url: string,
  method: string,
  body: unknown,
  timeoutMs: number,
): Promise<AdminAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestOnce(url, method, body, timeoutMs);
    } catch (err) {
      const { code, syscall } = err as NodeJS.ErrnoException;
      const resetAtConnect = syscall === "connect" && code === "ECONNRESET";
      if (!resetAtConnect || attempt === CONNECT_ATTEMPTS) {
        throw new Error(`Caddy's admin API (${method} ${url}): ${(err as Error).message}`, { cause: err });
      }
      await sleep(CONNECT_RETRY_MS);
    }
  }
}

function requestOnce(url: string, method: string, body: unknown, timeoutMs: number): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent: false,
        headers:
          payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer to ${method} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}
