import type { AnyApiRoute } from "@syntra/contracts";
import type { z } from "zod";
import { ApiError } from "./errors";
import { errorOf, type Http } from "./http";
import { routeRequest } from "./route-request";

/** The part of a WebSocket the client uses: the browser's, or `ws`'s in Node (which also takes headers). */
export interface WebSocketLike {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * Opens a WebSocket to `url` with `headers` (a browser cannot send headers; its cookie goes instead). When the
 * server refuses the upgrade with an HTTP answer, an implementation that can read it (Node's `ws`) hands it to
 * `refused`, so the caller gets the API's error (code, message, request id) rather than a bare close.
 */
export type WebSocketFactory = (
  url: string,
  headers: Record<string, string>,
  refused: (answer: Response) => void,
) => WebSocketLike;

/** The browser's WebSocket (same origin: the session cookie authenticates). */
export const browserWebSocket: WebSocketFactory = (url) => {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new TypeError("No WebSocket here: pass ClientOptions.webSocket (e.g. one made with the ws package)");
  return new Ctor(url);
};

/** An open socket of a route, typed by its declared frames. */
export interface TypedSocket<Send> {
  /** Sends one frame (JSON text). */
  send(frame: Send): void;
  /** Closes the socket (normal closure). */
  close(): void;
  /** Resolves when the socket has closed, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Options of opening a socket. */
export interface SocketOptions {
  /** Called with frames that do not match the route's declared frame (skipped otherwise). */
  onInvalid?(data: string): void;
}

/** `http://host/path` as `ws://host/path` (https as wss); a relative base (the dashboard) uses the page's origin. */
function socketUrl(baseUrl: string, path: string): string {
  const origin = baseUrl || (globalThis as { location?: { origin: string } }).location?.origin || "";
  return (origin + path).replace(/^http/, "ws");
}

/**
 * Opens a route's WebSocket: resolves once it is open, with frames from the server parsed with the route's
 * `events` schema and handed to `onFrame`; rejects with the API's error when the upgrade is refused, or
 * NETWORK_ERROR when the server cannot be reached.
 */
export function openSocket(
  http: Http,
  route: AnyApiRoute,
  factory: WebSocketFactory,
  input: Record<string, unknown> | undefined,
  onFrame: (frame: unknown) => void,
  options: SocketOptions = {},
): Promise<TypedSocket<unknown>> {
  const url = socketUrl(http.baseUrl, routeRequest(route, input).path);
  const schema = route.events as z.ZodType | undefined;
  return new Promise((resolve, reject) => {
    let opened = false;
    // A refused upgrade is reported by `refused`; the socket's own error and close that follow say less.
    let refusedUpgrade = false;
    let settleClosed: (value: { code: number; reason: string }) => void = () => {};
    const closed = new Promise<{ code: number; reason: string }>((r) => {
      settleClosed = r;
    });
    const socket = factory(url, http.headers(), (answer) => {
      refusedUpgrade = true;
      void errorOf(answer).then(reject);
    });
    socket.onopen = () => {
      opened = true;
      resolve({
        send: (frame) => socket.send(JSON.stringify(frame)),
        close: () => socket.close(1000, "done"),
        closed,
      });
    };
    socket.onmessage = (event) => {
      const text = typeof event.data === "string" ? event.data : String(event.data);
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        options.onInvalid?.(text);
        return;
      }
      const parsed = schema ? schema.safeParse(data) : { success: true as const, data };
      if (parsed.success) onFrame(parsed.data);
      else options.onInvalid?.(text);
    };
    socket.onerror = () => {
      if (!opened && !refusedUpgrade) reject(new ApiError("NETWORK_ERROR", `Syntra could not be reached at ${url}`, 0));
    };
    socket.onclose = (event) => {
      if (!opened && !refusedUpgrade)
        reject(new ApiError("NETWORK_ERROR", `The connection closed before it opened (${event.code})`, 0));
      settleClosed({ code: event.code, reason: event.reason });
    };
  });
}
