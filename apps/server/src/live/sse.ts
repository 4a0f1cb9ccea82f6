import type { FastifyReply, FastifyRequest } from "fastify";

/** How often an idle stream sends a comment, so proxies and browsers keep it open. */
export const HEARTBEAT_MS = 15_000;

/** An open Server-Sent Events answer. */
export interface SseStream {
  /** Sends one event; ignored once the stream is closed. */
  send(event: string, data: unknown): void;
  /** Ends the answer (idempotent). */
  close(): void;
  /** Runs once when the stream ends, whoever ended it (the client leaving, or `close`). */
  onClose(cleanup: () => void): void;
  readonly closed: boolean;
}

/**
 * Takes over the reply and answers with an event stream: the headers the route would have sent (request
 * id), no caching, no proxy buffering, a comment every `heartbeatMs`. Everything registered with `onClose`
 * runs when the client disconnects.
 */
export function openSse(req: FastifyRequest, reply: FastifyReply, heartbeatMs = HEARTBEAT_MS): SseStream {
  reply.hijack();
  const res = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) res.setHeader(name, value);
  }
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  // Tells EventSource how soon to reconnect after the stream ends unexpectedly.
  res.write("retry: 3000\n\n");
  const cleanups: (() => void)[] = [];
  let closed = false;
  const heartbeat = setInterval(() => {
    if (!closed) res.write(": heartbeat\n\n");
  }, heartbeatMs);
  heartbeat.unref();
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const cleanup of cleanups.splice(0)) {
      try {
        cleanup();
      } catch (err) {
        req.log.warn({ err }, "event stream cleanup failed");
      }
    }
  };
  res.on("close", finish);
  return {
    send(event, data) {
      if (closed) return;
      // JSON never holds a raw newline, so one `data:` line carries the whole event.
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (closed) return;
      finish();
      res.end();
    },
    onClose(cleanup) {
      if (closed) cleanup();
      else cleanups.push(cleanup);
    },
    get closed() {
      return closed;
    },
  };
}
