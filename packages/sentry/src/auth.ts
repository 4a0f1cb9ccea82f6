// Sentry SDKs authenticate with the public key of their DSN, sent one of three ways: the `X-Sentry-Auth` header
// (`Sentry sentry_version=7, sentry_client=..., sentry_key=<key>`; older SDKs send it as `Authorization`), the
// `sentry_key` query parameter (the browser SDK, which sends no custom header to avoid a CORS preflight), or the
// envelope header's `dsn`. https://develop.sentry.dev/sdk/overview/#authentication

/** The `sentry_key` of an `X-Sentry-Auth` (or `Authorization: Sentry ...`) header value. */
export function keyFromAuthHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /^\s*Sentry\s+(.*)$/i.exec(value);
  if (!match?.[1]) return undefined;
  for (const part of match[1].split(",")) {
    const [name, ...rest] = part.split("=");
    if (name?.trim().toLowerCase() === "sentry_key") return rest.join("=").trim() || undefined;
  }
  return undefined;
}

/** The public key and project id of a DSN (`https://<key>@host/<project id>`); undefined when it is not one. */
export function parseDsn(dsn: string): { key: string; projectId: string } | undefined {
  try {
    const url = new URL(dsn);
    const projectId = url.pathname.split("/").filter(Boolean).at(-1);
    const key = decodeURIComponent(url.username);
    return key && projectId ? { key, projectId } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key of a request: the auth header first, then the query string, then the envelope's DSN. A request that
 * names two different keys is refused by the caller, not resolved by precedence.
 */
export function credentialsOf(req: {
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  envelopeDsn?: string | undefined;
}): { key: string | undefined; conflicting: boolean; dsnProjectId: string | undefined } {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const fromHeader = keyFromAuthHeader(header("x-sentry-auth")) ?? keyFromAuthHeader(header("authorization"));
  const q = req.query.sentry_key;
  const fromQuery = typeof q === "string" && q !== "" ? q : undefined;
  const dsn = req.envelopeDsn ? parseDsn(req.envelopeDsn) : undefined;
  const keys = [fromHeader, fromQuery, dsn?.key].filter((k): k is string => k !== undefined);
  return {
    key: keys[0],
    conflicting: new Set(keys).size > 1,
    dsnProjectId: dsn?.projectId,
  };
}
