import { ErrorCode } from "./frames";
import { StreamError } from "./http2-errors";

/** Headers that are HTTP/1.1's connection handling, never valid in HTTP/2 (RFC 9113 section 8.2.2). */
const CONNECTION_SPECIFIC = new Set(["connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade"]);
const REQUEST_PSEUDO = new Set([":method", ":scheme", ":path", ":authority"]);
const UPPER_CASE = /[A-Z]/;

/**
 * The request's header list as a map, checked as RFC 9113 section 8 requires (a malformed request is a stream
 * error): lower-case names, the request pseudo-headers first and once each, `:method`, `:scheme` and `:path`
 * present, no connection-specific fields, `te` only "trailers".
 */
export function requestHeaders(
  fields: ReadonlyArray<readonly [string, string]>,
  maxListBytes: number,
): Map<string, string> {
  const malformed = (why: string) => new StreamError(ErrorCode.PROTOCOL_ERROR, `malformed request: ${why}`);
  const headers = new Map<string, string>();
  let listBytes = 0;
  let regularSeen = false;
  for (const [name, value] of fields) {
    listBytes += name.length + value.length + 32;
    if (UPPER_CASE.test(name)) throw malformed("an upper-case field name");
    if (name.startsWith(":")) {
      if (regularSeen) throw malformed("a pseudo-header after a regular field");
      if (!REQUEST_PSEUDO.has(name)) throw malformed(`the pseudo-header ${name}`);
      if (headers.has(name)) throw malformed(`${name} twice`);
      headers.set(name, value);
      continue;
    }
    regularSeen = true;
    if (CONNECTION_SPECIFIC.has(name)) throw malformed(`the connection-specific field ${name}`);
    if (name === "te" && value !== "trailers") throw malformed("te other than trailers");
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  // Not REFUSED_STREAM: clients retry a refused stream by themselves, and this one would be refused again.
  if (listBytes > maxListBytes) throw new StreamError(ErrorCode.ENHANCE_YOUR_CALM, "a header list over the limit");
  if (!headers.get(":method") || !headers.has(":scheme") || !headers.get(":path")) {
    throw malformed("a missing :method, :scheme or :path");
  }
  const length = headers.get("content-length");
  if (length !== undefined && !/^\d+$/.test(length)) throw malformed("content-length is not a number");
  return headers;
}
