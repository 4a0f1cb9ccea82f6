import { isIPv4 } from "node:net";
import { isDeepStrictEqual } from "node:util";
import type { ServiceRoute } from "./types";

// Route validation is shared with the Traefik router.
export { validateRoute } from "./validate-route";

/** The Caddy HTTP server Syntra owns; other servers in the same Caddy are left alone. */
export const SERVER_NAME = "syntra";
/** `@id` of a service's route, addressable at the admin API's `/id/<id>`. */
export const ROUTE_ID_PREFIX = "syntra-svc-";
/** `@id` of the last route, answering 404 for hosts no service claims (Caddy would answer an empty 200). */
export const FALLBACK_ROUTE_ID = "syntra-fallback";

/** The slice of Caddy's JSON config this module reads and writes. */
export interface CaddyRoute {
  "@id"?: string;
  match?: { host?: string[] }[];
  handle?: { handler: string; upstreams?: { dial: string }[]; [key: string]: unknown }[];
  terminal?: boolean;
}

/**
 * Where a route's handler asks for its containers (Caddy's dynamic upstreams, source `a`): a name whose A records
 * are the containers' addresses, served by the agent's dnsmasq, the one port they all listen on, and how long
 * Caddy keeps an answer.
 */
export interface UpstreamSource {
  /** The name of the service's containers (absolute). */
  name: string;
  /** The app's port in every container (Caddy's A source has one port for all). */
  port: number;
  /** `resolver.addresses` entry of the agent's dnsmasq: `udp/host:port`, or `tcp/…` for large answers. */
  resolver: string;
  /** Caddy duration, e.g. "1000ms". */
  refresh: string;
}

/**
 * Past this many containers a route asks over TCP: one UDP answer holds about 70 A records (Go's resolver in
 * Caddy 2.6 offers 1232 bytes), and Caddy does not retry a truncated answer over TCP through a resolver it is
 * given (it then falls back to the static upstreams).
 */
export const MAX_UDP_UPSTREAMS = 64;

/**
 * The one port of a list of `ipv4:port` upstreams, or null when they cannot come from an A source: a host that
 * is not an IPv4 address, or ports that differ (a deploy that changed the service's port, mid-rollout).
 */
export function commonPort(upstreams: string[]): number | null {
  const ports = new Set<number>();
  for (const upstream of upstreams) {
    const colon = upstream.lastIndexOf(":");
    if (!isIPv4(upstream.slice(0, colon))) return null;
    ports.add(Number(upstream.slice(colon + 1)));
  }
  const [port] = ports;
  return ports.size === 1 && port !== undefined ? port : null;
}

/** The dynamic source a route of ours has in Caddy now, or null when it lists its upstreams (or is older). */
export function sourceOf(route: CaddyRoute | undefined): Omit<UpstreamSource, "refresh"> | null {
  const dynamic = route?.handle?.[0]?.dynamic_upstreams as
    | { source?: string; name?: string; port?: string; resolver?: { addresses?: string[] } }
    | undefined;
  const resolver = dynamic?.resolver?.addresses?.[0];
  if (dynamic?.source !== "a" || !dynamic.name || !resolver) return null;
  return { name: dynamic.name, port: Number(dynamic.port), resolver };
}

/** Where Caddy gets certificates for routed domains when TLS is on. */
export interface AcmeSettings {
  /** The CA's ACME directory. */
  directoryUrl: string;
  /** PEM file of extra roots Caddy trusts for the ACME server's own HTTPS (a private or test CA). */
  caRootPemFile?: string;
  /** Account contact, for the CA's expiry and problem notices. */
  email?: string;
}

export interface ServerSettings {
  listenHost: string;
  httpPort: number;
  httpsPort: number;
  tls: boolean;
  acme: AcmeSettings;
}

/**
 * A service's route. Requests that fail to reach an upstream are retried on another one for up to 5 s, and
 * an upstream that failed once is skipped for 10 s (passive health check): a request that raced a container's
 * removal lands on a live one instead of failing. With no upstreams the domains answer 503.
 *
 * With a `source`, Caddy takes the containers from the agent's dnsmasq (A records, asked again every `refresh`)
 * and the route's own upstreams are only the fallback for when it does not answer: the containers change without
 * a config change, so without a reload.
 */
export function buildRoute(route: ServiceRoute, source?: UpstreamSource): CaddyRoute & Record<string, unknown> {
  const handle =
    route.upstreams.length === 0
      ? {
          handler: "static_response",
          status_code: 503,
          headers: { "Retry-After": ["5"] },
          body: "No healthy container serves this service right now\n",
        }
      : {
          handler: "reverse_proxy",
          upstreams: route.upstreams.map((dial) => ({ dial })),
          ...(source && {
            dynamic_upstreams: {
              source: "a",
              name: source.name,
              port: String(source.port),
              refresh: source.refresh,
              resolver: { addresses: [source.resolver] },
              dial_timeout: "1s",
            },
          }),
          load_balancing: {
            selection_policy: { policy: "round_robin" },
            try_duration: "5s",
            try_interval: "100ms",
          },
          health_checks: { passive: { fail_duration: "10s", max_fails: 1 } },
        };
  return {
    "@id": `${ROUTE_ID_PREFIX}${route.serviceId}`,
    match: [{ host: route.domains }],
    handle: [handle],
    terminal: true,
  };
}

/** A route of ours built again as it is, listing its upstreams (no dynamic source); others as they are. */
export function rebuildRoute(route: CaddyRoute): CaddyRoute {
  const parsed = parseRoute(route);
  return parsed ? buildRoute(parsed) : route;
}

/** Reads a route of ours back; null for routes that are not a service's. */
export function parseRoute(route: CaddyRoute): ServiceRoute | null {
  const id = route["@id"];
  if (!id?.startsWith(ROUTE_ID_PREFIX)) return null;
  const handler = route.handle?.[0];
  return {
    serviceId: id.slice(ROUTE_ID_PREFIX.length),
    domains: route.match?.[0]?.host ?? [],
    upstreams: handler?.handler === "reverse_proxy" ? (handler.upstreams ?? []).map((u) => u.dial) : [],
  };
}

/**
 * Where a new route goes: exact hosts first, wildcard ones after them (Caddy matches routes in order and
 * does not sort JSON routes by specificity), the fallback last.
 */
export function insertionIndex(routes: CaddyRoute[], route: ServiceRoute): number {
  const fallback = routes.findIndex((r) => r["@id"] === FALLBACK_ROUTE_ID);
  const end = fallback === -1 ? routes.length : fallback;
  return route.domains.some((d) => d.startsWith("*.")) ? end : 0;
}

/**
 * The routes with `route`'s entry created (at insertionIndex) or replaced in place. With a `source`, an entry
 * that differs only in its fallback upstreams is kept as it is: its containers change through the DNS server,
 * and rewriting it would reload Caddy.
 */
export function upsertRoute(routes: CaddyRoute[], route: ServiceRoute, source?: UpstreamSource): CaddyRoute[] {
  const built = buildRoute(route, source);
  const at = routes.findIndex((r) => r["@id"] === built["@id"]);
  const existing = routes[at];
  if (existing && source && isDeepStrictEqual(withoutFallback(existing), withoutFallback(built))) return routes;
  if (at !== -1) return routes.map((r, i) => (i === at ? built : r));
  const index = insertionIndex(routes, route);
  return [...routes.slice(0, index), built, ...routes.slice(index)];
}

/**
 * Whether a route Caddy has may stay in place of `built`, the same route written with the `serving` containers:
 * they differ at most in the static fallback of a route that asks dnsmasq, and that fallback is a non-empty part
 * of what serves now. Such a fallback routes correctly if dnsmasq stops answering (with fewer containers), so
 * rewriting it would only cost a reload, which closes idle kept-alive connections (a failed request for a
 * client that does not resend). A fallback naming a container that no longer serves is not kept: its address
 * may be gone or reused.
 */
export function fallbackStillServes(existing: CaddyRoute, built: CaddyRoute, serving: string[]): boolean {
  if (!isDeepStrictEqual(withoutFallback(existing), withoutFallback(built))) return false;
  const fallback = parseRoute(existing)?.upstreams ?? [];
  return fallback.length > 0 && fallback.every((u) => serving.includes(u));
}

/** A route with its handler's static upstreams left out, to compare what only a reload can change. */
function withoutFallback(route: CaddyRoute): CaddyRoute {
  const [handler, ...rest] = route.handle ?? [];
  if (!handler || handler.dynamic_upstreams === undefined) return route;
  const { upstreams: _fallback, ...dynamic } = handler;
  return { ...route, handle: [dynamic, ...rest] };
}

/** The routes without the service's entry. */
export function withoutRoute(routes: CaddyRoute[], serviceId: string): CaddyRoute[] {
  return routes.filter((r) => r["@id"] !== `${ROUTE_ID_PREFIX}${serviceId}`);
}

/** Syntra's server: plain HTTP when `tls` is off; otherwise HTTPS with Caddy's automatic certificates. */
export function buildServer(settings: ServerSettings): Record<string, unknown> {
  const port = settings.tls ? settings.httpsPort : settings.httpPort;
  return {
    listen: [`${settings.listenHost}:${port}`],
    routes: [
      {
        "@id": FALLBACK_ROUTE_ID,
        handle: [{ handler: "static_response", status_code: 404, body: "No service is routed at this host\n" }],
      },
    ],
    // With TLS on, Caddy adds the HTTP -> HTTPS redirect (and ACME HTTP challenges) on http_port itself.
    ...(settings.tls ? {} : { automatic_https: { disable: true } }),
  };
}

/** A whole Caddy config with only Syntra's server (and its TLS event log), for a Caddy this agent starts. */
export function initialConfig(
  adminListen: string,
  settings: ServerSettings,
  logging?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    admin: { listen: adminListen },
    ...(logging ? { logging } : {}),
    apps: {
      http: {
        http_port: settings.httpPort,
        https_port: settings.httpsPort,
        servers: { [SERVER_NAME]: buildServer(settings) },
      },
    },
  };
}
