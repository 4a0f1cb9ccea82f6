import http from "node:http";

/** An answer of Caddy's admin API. */
export interface AdminAnswer {
  status: number;
  text: string;
}

/**
 * One request to Caddy's admin API on a connection of its own. Caddy replaces its admin server at every
 * config change and closes the old one's idle connections, so a kept-alive connection can be closed just as
 * the next request goes out on it ("other side closed"); a fresh connection per call cannot be.
 */
export function adminRequest(url: string, method: string, body: unknown, timeoutMs: number): Promise<AdminAnswer> {
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
    req.on("timeout", () =>
      req.destroy(new Error(`Caddy's admin API did not answer ${method} within ${timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(payload);
  });
}
