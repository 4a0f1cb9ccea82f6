import { createHash } from "node:crypto";
import path from "node:path";
import { servedOverPlainHttp } from "@syntra/contracts";
import { z } from "zod";
import type { RouteCertificate, ServiceRoute } from "./types";
import { validateRoute } from "./validate-route";

/** Every name Syntra puts in Traefik's configuration starts with this, followed by the service id. */
export const NAME_PREFIX = "syntra-svc-";

/** How the routes are served: names from Traefik's static configuration, and whether HTTPS is on. */
export interface TraefikSettings {
  /** Entrypoint of plain HTTP (port 80). */
  httpEntryPoint: string;
  /** Entrypoint of HTTPS (port 443). */
  httpsEntryPoint: string;
  /** `certificatesResolvers.<name>` that obtains ACME certificates. */
  certResolver: string;
  /** Off: plain HTTP routers only, no redirect, no certificates. */
  tls: boolean;
  /** Port of HTTPS as clients see it; the redirect names it when it is not 443. */
  httpsPort: number;
}

/** Where a user certificate and its key are written for Traefik to load. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

interface RouterConfig {
  entryPoints: string[];
  rule: string;
  ruleSyntax: "v3";
  priority?: number;
  middlewares?: string[];
  service: string;
  tls?: { certResolver?: string; domains?: { main: string }[] };
}

type ServiceConfig =
  | { loadBalancer: { servers: { url: string }[]; passHostHeader: true } }
  | { weighted: { services: never[] } };

type MiddlewareConfig =
  | { redirectScheme: { scheme: "https"; permanent: true; port?: string } }
  | { retry: { attempts: number; initialInterval: string } };

/** The part of Traefik's dynamic configuration (file provider) that one service's file holds. */
export interface TraefikServiceConfig {
  http: {
    routers: Record<string, RouterConfig>;
    middlewares: Record<string, MiddlewareConfig>;
    services: Record<string, ServiceConfig>;
  };
  tls?: { certificates: CertificateFiles[] };
}

/**
 * The routers of a service, by how they serve its domains. Each is named `syntra-svc-<id>-<kind>`; kinds hold
 * no "-", so two services' names never collide even when one id extends another.
 */
const HOST_ROUTERS = {
  /** Exact domains over HTTPS with an ACME certificate (certResolver). */
  acme: { https: true, wildcard: false },
  /** Exact domains over HTTPS with a user certificate. */
  cert: { https: true, wildcard: false },
  /** Wildcard domains over HTTPS with a user certificate. */
  wildcard: { https: true, wildcard: true },
  /** Exact domains over plain HTTP (TLS off). */
  http: { https: false, wildcard: false },
  /** Wildcard domains over plain HTTP: TLS off, or no user certificate (ACME HTTP challenges cannot issue one). */
  httpwildcard: { https: false, wildcard: true },
} as const;
type HostRouterKind = keyof typeof HOST_ROUTERS;
const HOST_ROUTER_KINDS = Object.keys(HOST_ROUTERS) as HostRouterKind[];

/**
 * Wildcard routers rank below every exact-host router: Traefik's default priority is the rule's length, and a
 * HostRegexp rule is longer than a Host rule, so without this `*.example.com` would take `shop.example.com`
 * from the service that owns it.
 */
const WILDCARD_PRIORITY = 1;

// One DNS label, as a wildcard certificate covers exactly one.
const LABEL_REGEXP = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const WILDCARD_PREFIX = `HostRegexp(\`^${LABEL_REGEXP}\\.`;
const WILDCARD_SUFFIX = "$`)";

/**
 * The service's Traefik configuration. The route is validated first (ids, domains, upstreams, certificates):
 * rule values are built from checked domains only, so nothing in them can close a backtick or add a matcher.
 * `filesOf` says where each served certificate (servedCertificates) is written.
 */
export function buildServiceConfig(
  route: ServiceRoute,
  settings: TraefikSettings,
  filesOf: (certificate: RouteCertificate) => CertificateFiles = missingFiles,
): TraefikServiceConfig {
  const valid = validateRoute(route);
  const base = `${NAME_PREFIX}${valid.serviceId}`;
  const redirect = `${base}-redirect`;
  const retry = `${base}-retry`;
  const hosts = hostsByRouter(valid, settings);

  const routers: Record<string, RouterConfig> = {};
  const addRouter = (name: string, entryPoint: string, domains: string[], wildcard: boolean, extra: object) => {
    routers[name] = {
      entryPoints: [entryPoint],
      rule: hostRule(domains),
      ruleSyntax: "v3",
      ...(wildcard ? { priority: WILDCARD_PRIORITY } : {}),
      service: base,
      ...extra,
    };
  };
  for (const kind of HOST_ROUTER_KINDS) {
    const domains = hosts[kind];
    if (domains.length === 0) continue;
    const { https, wildcard } = HOST_ROUTERS[kind];
    if (!https) {
      addRouter(`${base}-${kind}`, settings.httpEntryPoint, domains, wildcard, { middlewares: [retry] });
      continue;
    }
    // One certificate per domain (`domains`, not the rule's hosts as SANs of one): a domain whose challenge
    // fails does not hold back the others.
    const tls =
      kind === "acme" ? { certResolver: settings.certResolver, domains: domains.map((main) => ({ main })) } : {};
    addRouter(`${base}-${kind}`, settings.httpsEntryPoint, domains, wildcard, { middlewares: [retry], tls });
  }
  // One redirect router for the exact HTTPS domains, one for the wildcard ones (ranked like their HTTPS routers).
  const exactHttps = [...hosts.acme, ...hosts.cert];
  if (exactHttps.length > 0) {
    addRouter(redirect, settings.httpEntryPoint, exactHttps, false, { middlewares: [redirect] });
  }
  if (hosts.wildcard.length > 0) {
    addRouter(`${base}-wildcardredirect`, settings.httpEntryPoint, hosts.wildcard, true, { middlewares: [redirect] });
  }

  const middlewares: Record<string, MiddlewareConfig> = {
    // A request that raced a container's removal is sent again (to the next server) instead of failing.
    [retry]: { retry: { attempts: 3, initialInterval: "100ms" } },
  };
  if (exactHttps.length > 0 || hosts.wildcard.length > 0) {
    const port = settings.httpsPort === 443 ? {} : { port: String(settings.httpsPort) };
    middlewares[redirect] = { redirectScheme: { scheme: "https", permanent: true, ...port } };
  }

  const config: TraefikServiceConfig = {
    http: { routers, middlewares, services: { [base]: serviceConfig(valid.upstreams) } },
  };
  const served = servedCertificates(valid, settings);
  if (served.length > 0) config.tls = { certificates: served.map(filesOf) };
  return config;
}

/**
 * Traefik has no static response. A service without servers is Traefik's own way to answer 503 (its FAQ's
 * "catchall" example); the published schema requires `loadBalancer.servers` to be non-empty, so it is a
 * weighted service with no children instead: the same balancer, which answers `503 Service Unavailable` with
 * the body "no available server".
 */
function serviceConfig(upstreams: string[]): ServiceConfig {
  if (upstreams.length === 0) return { weighted: { services: [] } };
  return { loadBalancer: { servers: upstreams.map((u) => ({ url: `http://${u}` })), passHostHeader: true } };
}

/** Which router serves each domain. A domain is on a user certificate when that certificate names it. */
function hostsByRouter(route: ServiceRoute, settings: TraefikSettings): Record<HostRouterKind, string[]> {
  const custom = new Set((route.certificates ?? []).flatMap((c) => c.domains));
  const hosts: Record<HostRouterKind, string[]> = { acme: [], cert: [], wildcard: [], http: [], httpwildcard: [] };
  for (const domain of route.domains) {
    const wildcard = domain.startsWith("*.");
    // Names no public CA issues for (*.localhost, a private address under sslip.io) stay on plain HTTP.
    if (!settings.tls || servedOverPlainHttp(domain)) hosts[wildcard ? "httpwildcard" : "http"].push(domain);
    else if (custom.has(domain)) hosts[wildcard ? "wildcard" : "cert"].push(domain);
    else hosts[wildcard ? "httpwildcard" : "acme"].push(domain);
  }
  return hosts;
}

/** The user certificates Traefik needs: those naming one of the route's domains (none with TLS off). */
export function servedCertificates(route: ServiceRoute, settings: TraefikSettings): RouteCertificate[] {
  if (!settings.tls) return [];
  const domains = new Set(route.domains);
  return (route.certificates ?? []).filter((cert) => cert.domains.some((d) => domains.has(d)));
}

function missingFiles(): CertificateFiles {
  throw new Error("buildServiceConfig needs to know where the route's certificates are written");
}

/** `Host(`a`) || HostRegexp(`…`)`: one matcher per domain, as Traefik v3 matchers take one value each. */
function hostRule(domains: string[]): string {
  return domains
    .map((d) =>
      d.startsWith("*.") ? `${WILDCARD_PREFIX}${quoteMeta(d.slice(2))}${WILDCARD_SUFFIX}` : `Host(\`${d}\`)`,
    )
    .join(" || ");
}

/** Go's regexp.QuoteMeta: the domain matches itself only (its dots are not "any character"). */
function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/**
 * Where a certificate's files go: named by a hash of their content, so a replaced certificate gets new paths
 * and Traefik reloads it (it does not notice a changed file behind an unchanged configuration).
 */
export function certificateFilesFor(dir: string, certificate: RouteCertificate): CertificateFiles {
  const hash = createHash("sha256").update(certificate.certPem).update("\0").update(certificate.keyPem);
  const name = hash.digest("hex").slice(0, 32);
  return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
}

/**
 * The YAML library, loaded when a Traefik file is first written or read: an agent routing through Caddy (the
 * default) never loads it, which keeps it and its setup out of the idle agent's heap.
 */
let yamlModule: Promise<typeof import("yaml")> | undefined;
const yaml = () => (yamlModule ??= import("yaml"));

/** The YAML file of a service's configuration, with a header saying who writes it. */
export async function renderServiceFile(serviceId: string, config: TraefikServiceConfig): Promise<string> {
  const { Document } = await yaml();
  const doc = new Document(config);
  doc.commentBefore = ` Written by the Syntra agent for service ${serviceId}; replaced on every change.`;
  return doc.toString({ lineWidth: 0 });
}

/** The shape of a service's file, built on first use (Traefik only, like the YAML library). */
let fileSchemaBuilt: ReturnType<typeof buildFileSchema> | undefined;
const fileSchema = () => (fileSchemaBuilt ??= buildFileSchema());

const buildFileSchema = () => {
  const routerSchema = z.object({ rule: z.string() });
  return z.object({
    http: z.object({
      routers: z.record(z.string(), routerSchema),
      services: z.record(
        z.string(),
        z.object({
          loadBalancer: z.object({ servers: z.array(z.object({ url: z.string() })) }).optional(),
          weighted: z.object({}).optional(),
        }),
      ),
    }),
    tls: z.object({ certificates: z.array(z.object({ certFile: z.string(), keyFile: z.string() })) }).optional(),
  });
};

/** A service's file read back: its route (without certificates) and how each domain is served. */
export interface ParsedServiceFile {
  route: ServiceRoute;
  /** Exact domains whose certificate comes from the certResolver. */
  acmeDomains: string[];
  /** Domains served with a user certificate. */
  customDomains: string[];
  /** Domains served over plain HTTP only. */
  plainDomains: string[];
  certificateFiles: CertificateFiles[];
}

/** Reads a file written by renderServiceFile; null when it is not one (unparsable, or not this service's). */
export async function parseServiceFile(serviceId: string, text: string): Promise<ParsedServiceFile | null> {
  const { parse } = await yaml();
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    return null;
  }
  const parsed = fileSchema().safeParse(data);
  if (!parsed.success) return null;
  const { routers, services } = parsed.data.http;
  const base = `${NAME_PREFIX}${serviceId}`;
  const service = services[base];
  if (!service) return null;

  const domainsOf = (kinds: HostRouterKind[]): string[] | null => {
    const domains: string[] = [];
    for (const kind of kinds) {
      const router = routers[`${base}-${kind}`];
      if (!router) continue;
      const hosts = parseHostRule(router.rule);
      if (!hosts) return null;
      domains.push(...hosts);
    }
    return domains;
  };
  const acmeDomains = domainsOf(["acme"]);
  const customDomains = domainsOf(["cert", "wildcard"]);
  const plainDomains = domainsOf(["http", "httpwildcard"]);
  if (!acmeDomains || !customDomains || !plainDomains) return null;

  const upstreams: string[] = [];
  for (const server of service.loadBalancer?.servers ?? []) {
    if (!server.url.startsWith("http://")) return null;
    upstreams.push(server.url.slice("http://".length));
  }
  try {
    const route = validateRoute({ serviceId, domains: [...acmeDomains, ...customDomains, ...plainDomains], upstreams });
    return { route, acmeDomains, customDomains, plainDomains, certificateFiles: parsed.data.tls?.certificates ?? [] };
  } catch {
    return null;
  }
}

/** The domains of a rule built by hostRule; null for any other rule. */
function parseHostRule(rule: string): string[] | null {
  const domains: string[] = [];
  for (const term of rule.split(" || ")) {
    const exact = /^Host\(`([^`]*)`\)$/.exec(term);
    if (exact?.[1] !== undefined) {
      domains.push(exact[1]);
    } else if (term.startsWith(WILDCARD_PREFIX) && term.endsWith(WILDCARD_SUFFIX)) {
      const quoted = term.slice(WILDCARD_PREFIX.length, -WILDCARD_SUFFIX.length);
      domains.push(`*.${quoted.replace(/\\(.)/g, "$1")}`);
    } else {
      return null;
    }
  }
  return domains;
}
