import { type AnyApiRoute, objectKeys } from "@syntra/contracts";

/** A route's call made concrete: the path with its parameters and query, and the JSON body to send. */
export interface RouteRequest {
  /** `/api/v1/services/<id>?tail=10`, relative to the client's base URL. */
  path: string;
  /** The JSON body; undefined for routes without one. */
  body?: Record<string, unknown>;
}

type Input = Record<string, unknown>;

/**
 * Splits one flat input (`{ serviceId, tail: 10 }`) into what the route declares: each `:name` of its path
 * (percent-encoded, so a value never changes the path's shape), its query fields and its body fields. Query
 * values are sent as strings, lists as repeated fields, undefined ones left out. A route declaring both a query
 * and a body tells them apart by the query schema's fields (the contracts' tests keep them distinct).
 */
export function routeRequest(route: AnyApiRoute, input: Input = {}): RouteRequest {
  const rest: Input = { ...input };
  const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_: string, name: string) => {
    const value = rest[name];
    delete rest[name];
    if (value === undefined || value === null || value === "") {
      throw new TypeError(`${route.method} ${route.path} needs '${name}'`);
    }
    return encodeURIComponent(String(value));
  });
  let query: Input = {};
  let body: Input | undefined;
  if (route.query && route.body) {
    const queryKeys = new Set(objectKeys(route.query) ?? []);
    body = {};
    for (const [key, value] of Object.entries(rest)) {
      if (queryKeys.has(key)) query[key] = value;
      else body[key] = value;
    }
  } else if (route.query) {
    query = rest;
  } else if (route.body) {
    body = rest;
  }
  return { path: withQuery(path, query), ...(body && { body }) };
}

/** Builds `path?query` with the undefined values left out. */
export function withQuery(path: string, query: Record<string, unknown> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, String(one));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
