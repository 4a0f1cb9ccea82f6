/** A DSN taken apart: where each signal goes and the key that attributes it to a service. */
export interface Dsn {
  /** The DSN as given. */
  raw: string;
  /** The ingest key (`syn_ing_<32 hex>`). */
  key: string;
  /** The service's numeric id. */
  projectId: string;
  /** Scheme, host, port and any path prefix, without a trailing slash: `https://syntra.example.com/syntra`. */
  baseUrl: string;
  /** `POST` error events here (`<base>/v1/errors`). */
  errorsUrl: string;
  /** OTLP/HTTP traces (`<base>/v1/traces`). */
  tracesUrl: string;
  /** OTLP/HTTP logs (`<base>/v1/logs`). */
  logsUrl: string;
}

/** Thrown by parseDsn with a message that says what is wrong and what a DSN looks like. */
export class DsnError extends Error {
  override name = "DsnError";
}

const SHAPE = "http(s)://<key>@<host>[:port][/path]/<numeric id>, e.g. https://syn_ing_0123…@syntra.example.com/42";
const KEY = /^syn_ing_[0-9a-f]{32}$/;

/** Shows a DSN in messages with most of its key hidden (keys are public like Sentry's, but need not be in logs). */
export function maskDsn(dsn: string): string {
  return dsn.replace(/(\/\/syn_ing_[0-9a-f]{4})[0-9a-f]*/i, "$1…");
}

/**
 * Reads a DSN (the `dsn` of `GET /api/v1/services/:id/ingest`, or SYNTRA_DSN in a deployed container).
 * Throws DsnError naming the part that is wrong.
 */
export function parseDsn(dsn: string): Dsn {
  const text = dsn.trim();
  const fail = (why: string): never => {
    throw new DsnError(`Invalid Syntra DSN "${maskDsn(text)}": ${why}. Expected ${SHAPE}`);
  };
  if (text === "") fail("it is empty");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail("it is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    fail(`the scheme must be http or https, not ${url.protocol}`);
  const key = decodeURIComponent(url.username);
  if (key === "") fail("the key is missing before the @");
  if (!KEY.test(key)) fail("the key must look like syn_ing_ followed by 32 hex digits");
  if (url.password !== "") fail("a DSN has no password part (nothing after the key's ':')");
  if (url.search !== "" || url.hash !== "") fail("a DSN has no query string or fragment");
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const projectId = segments.pop();
  if (projectId === undefined) fail("the service's numeric id is missing at the end of the path");
  if (!/^\d+$/.test(projectId as string))
    fail(`the last path segment must be the service's numeric id, not "${projectId}"`);
  const prefix = segments.length > 0 ? `/${segments.join("/")}` : "";
  const baseUrl = `${url.protocol}//${url.host}${prefix}`;
  return {
    raw: text,
    key,
    projectId: projectId as string,
    baseUrl,
    errorsUrl: `${baseUrl}/v1/errors`,
    tracesUrl: `${baseUrl}/v1/traces`,
    logsUrl: `${baseUrl}/v1/logs`,
  };
}
