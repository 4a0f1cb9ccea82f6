import type { IncomingMessage } from "node:http";
import type { RequestData } from "../core/types";

// Headers that carry credentials or identify a person: sent only with sendDefaultPii.
const PRIVATE_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-syntra-key",
  "x-api-key",
  "x-auth-token",
  "x-csrf-token",
  "x-xsrf-token",
  "x-forwarded-for",
  "x-real-ip",
  "forwarded",
]);
const SECRET_PARAM = /pass|secret|token|auth|key|session|signature|sig$|code$/i;

/** A query string with the values of parameters that look like secrets replaced. */
export function scrubQuery(query: string): string {
  if (query === "") return "";
  const params = new URLSearchParams(query);
  for (const [name] of params) if (SECRET_PARAM.test(name)) params.set(name, "[Filtered]");
  return params.toString();
}

/**
 * What an event keeps of the request being served: method, URL without query, the query with secret-looking values
 * filtered, and the headers minus credentials and client addresses (kept with sendDefaultPii).
 */
export function requestData(req: IncomingMessage, sendDefaultPii: boolean): RequestData {
  const host = req.headers.host ?? "localhost";
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const proto =
    (req.headers["x-forwarded-proto"] as string | undefined)?.split(",")[0]?.trim() ?? (encrypted ? "https" : "http");
  const raw = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/";
  const at = raw.indexOf("?");
  const path = at === -1 ? raw : raw.slice(0, at);
  const query = at === -1 ? "" : raw.slice(at + 1);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || (!sendDefaultPii && PRIVATE_HEADERS.has(name))) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    method: req.method ?? "GET",
    url: `${proto}://${host}${path}`,
    ...(query && { query_string: sendDefaultPii ? query : scrubQuery(query) }),
    headers,
  };
}
