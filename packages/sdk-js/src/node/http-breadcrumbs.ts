import diagnostics from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import type { Breadcrumb, ClientLike, Integration } from "../core/types";

/** The header that carries an ingest key: requests with it go to Syntra and are not the app's own. */
export const KEY_HEADER = "x-syntra-key";

function levelOf(status: number): Breadcrumb["level"] {
  return status >= 500 ? "error" : status >= 400 ? "warning" : "info";
}

/** A URL without its query string and credentials (both may hold secrets). */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString();
  } catch {
    return url.split("?")[0] ?? url;
  }
}

interface UndiciRequest {
  origin: string | URL;
  path: string;
  method: string;
  headers: string | string[];
}

function undiciHasKey(req: UndiciRequest): boolean {
  const { headers } = req;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === KEY_HEADER) return true;
    return false;
  }
  return typeof headers === "string" && headers.toLowerCase().includes(`${KEY_HEADER}:`);
}

function crumb(client: ClientLike, method: string, url: string, status: number | undefined, error?: unknown): void {
  client.addBreadcrumb({
    type: "http",
    category: "http",
    level: error ? "error" : levelOf(status ?? 0),
    message: `${method} ${safeUrl(url)}${status ? ` [${status}]` : ""}`,
    data: {
      method,
      url: safeUrl(url),
      ...(status !== undefined && { status_code: status }),
      ...(error !== undefined && { error: error instanceof Error ? error.message : String(error) }),
    },
  });
}

/**
 * Breadcrumbs of the app's outgoing HTTP requests, from node:http/https and fetch (undici), read from Node's
 * diagnostics channels, so nothing is patched. Requests to Syntra itself (those carrying an ingest key) are left out.
 */
export function httpBreadcrumbs(): Integration {
  return {
    name: "HttpBreadcrumbs",
    setup(client) {
      const onHttpResponse = (message: unknown) => {
        const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
        if (request.getHeader(KEY_HEADER) !== undefined) return;
        crumb(client, request.method, `${request.protocol}//${request.host}${request.path}`, response.statusCode);
      };
      const onHttpError = (message: unknown) => {
        const { request, error } = message as { request: ClientRequest; error: unknown };
        if (request.getHeader(KEY_HEADER) !== undefined) return;
        crumb(client, request.method, `${request.protocol}//${request.host}${request.path}`, undefined, error);
      };
      const undiciUrl = (r: UndiciRequest) => `${String(r.origin).replace(/\/$/, "")}${r.path}`;
      const onUndiciHeaders = (message: unknown) => {
        const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
        if (!undiciHasKey(request)) crumb(client, request.method, undiciUrl(request), response.statusCode);
      };
      const onUndiciError = (message: unknown) => {
        const { request, error } = message as { request: UndiciRequest; error: unknown };
        if (!undiciHasKey(request)) crumb(client, request.method, undiciUrl(request), undefined, error);
      };
      const subscriptions: [string, (m: unknown) => void][] = [
        ["http.client.response.finish", onHttpResponse],
        ["http.client.request.error", onHttpError],
        ["undici:request:headers", onUndiciHeaders],
        ["undici:request:error", onUndiciError],
      ];
      for (const [name, fn] of subscriptions) diagnostics.subscribe(name, fn);
      return () => {
        for (const [name, fn] of subscriptions) diagnostics.unsubscribe(name, fn);
      };
    },
  };
}
