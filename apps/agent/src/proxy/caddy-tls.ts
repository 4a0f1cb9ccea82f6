import { servedOverPlainHttp } from "@syntra/contracts";
import { type CaddyRoute, ROUTE_ID_PREFIX, SERVER_NAME, type ServerSettings } from "./caddy-config";
import type { RouteCertificate } from "./types";

/** `@id` of Syntra's ACME automation policy in Caddy's tls app. */
export const ACME_POLICY_ID = "syntra-acme";
/** Caddy HTTP server on the HTTP port for wildcard domains that have no certificate (see applyTls). */
export const PLAIN_SERVER_NAME = "syntra-plain";
const PLAIN_ROUTE_ID_PREFIX = "syntra-plain-";
// Tags on a `load_pem` entry: whose certificate it is, and the domains it was uploaded for.
const SERVICE_TAG_PREFIX = "syntra-svc-";
const DOMAIN_TAG_PREFIX = "syntra-domain-";

/** One entry of the tls app's `certificates.load_pem`. */
export interface LoadedPem {
  certificate: string;
  key: string;
  tags?: string[];
}

interface CaddyServer {
  listen?: string[];
  routes?: CaddyRoute[];
  automatic_https?: Record<string, unknown>;
  [key: string]: unknown;
}

interface AutomationPolicy {
  "@id"?: string;
  subjects?: string[];
  [key: string]: unknown;
}

/** The slice of Caddy's `apps` this module reads and writes; the rest passes through untouched. */
export interface CaddyApps {
  http?: { servers?: Record<string, CaddyServer>; [key: string]: unknown };
  tls?: {
    certificates?: { load_pem?: LoadedPem[]; [key: string]: unknown };
    automation?: { policies?: AutomationPolicy[]; [key: string]: unknown };
    [key: string]: unknown;
  };
  [app: string]: unknown;
}

/** Which certificate each routed domain gets. */
export interface TlsPlan {
  /** Domains Caddy obtains (and renews) certificates for by ACME. */
  acme: string[];
  /** Domains served with an uploaded certificate: domain -> that certificate's PEM. */
  custom: Map<string, string>;
  /**
   * Wildcard domains without an uploaded certificate (ACME's HTTP and TLS-ALPN challenges cannot prove a
   * wildcard: reported failed) and names no public CA issues for (`*.localhost`, a private address under
   * sslip.io): served over plain HTTP only, with no redirect to HTTPS.
   */
  httpOnly: string[];
}

/** The `load_pem` entries of a service's certificates, each limited to the domains the route serves. */
export function servicePems(serviceId: string, domains: string[], certificates: RouteCertificate[]): LoadedPem[] {
  const routed = new Set(domains);
  return certificates.flatMap((c) => {
    const covered = c.domains.filter((d) => routed.has(d));
    if (covered.length === 0) return [];
    return [
      {
        certificate: c.certPem,
        key: c.keyPem,
        tags: [`${SERVICE_TAG_PREFIX}${serviceId}`, ...covered.map((d) => `${DOMAIN_TAG_PREFIX}${d}`)],
      },
    ];
  });
}

/** Swaps the service's loaded certificates for `pems`; every other entry (other services', other tools') stays. */
export function replaceServicePems(apps: CaddyApps, serviceId: string, pems: LoadedPem[]): void {
  const tag = `${SERVICE_TAG_PREFIX}${serviceId}`;
  const others = (apps.tls?.certificates?.load_pem ?? []).filter((p) => !p.tags?.includes(tag));
  const all = [...others, ...pems];
  if (all.length === 0 && !apps.tls?.certificates) return;
  apps.tls ??= {};
  apps.tls.certificates ??= {};
  apps.tls.certificates.load_pem = all;
  if (all.length === 0) delete apps.tls.certificates.load_pem;
}

/** Reads from the config which domains get ACME, which an uploaded certificate, and which neither. */
export function tlsPlan(apps: CaddyApps): TlsPlan {
  const declared = new Map<string, Map<string, string>>();
  for (const pem of apps.tls?.certificates?.load_pem ?? []) {
    const service = pem.tags?.find((t) => t.startsWith(SERVICE_TAG_PREFIX));
    if (!service) continue;
    const domains = declared.get(service) ?? new Map<string, string>();
    for (const tag of pem.tags ?? []) {
      if (tag.startsWith(DOMAIN_TAG_PREFIX)) domains.set(tag.slice(DOMAIN_TAG_PREFIX.length), pem.certificate);
    }
    declared.set(service, domains);
  }
  const plan: TlsPlan = { acme: [], custom: new Map(), httpOnly: [] };
  for (const route of syntraRoutes(apps)) {
    const serviceId = (route["@id"] ?? "").slice(ROUTE_ID_PREFIX.length);
    const certificates = declared.get(`${SERVICE_TAG_PREFIX}${serviceId}`);
    for (const domain of route.match?.[0]?.host ?? []) {
      const pem = certificates?.get(domain);
      if (pem !== undefined) plan.custom.set(domain, pem);
      else if (domain.startsWith("*.") || servedOverPlainHttp(domain)) plan.httpOnly.push(domain);
      else plan.acme.push(domain);
    }
  }
  return plan;
}

/**
 * Brings the TLS parts of the config in line with the routes: Syntra's ACME policy covers exactly the ACME
 * domains (other sites in the same Caddy keep their own policies), uploaded certificates' domains are kept
 * out of ACME (`skip_certificates`), and wildcards without a certificate are skipped by automatic HTTPS and
 * served on the HTTP port by their own server. With TLS off, Syntra's policy and certificates are removed.
 */
export function applyTls(apps: CaddyApps, settings: ServerSettings): void {
  const server = apps.http?.servers?.[SERVER_NAME];
  const policies = (apps.tls?.automation?.policies ?? []).filter((p) => p["@id"] !== ACME_POLICY_ID);
  // Certificates of services that have no route any more (or all of them, with TLS off) are dropped.
  const routed = new Set(settings.tls ? syntraRoutes(apps).map((r) => r["@id"]?.slice(ROUTE_ID_PREFIX.length)) : []);
  for (const serviceId of pemOwners(apps)) if (!routed.has(serviceId)) replaceServicePems(apps, serviceId, []);
  if (!settings.tls) {
    setPolicies(apps, policies);
    if (apps.http?.servers) delete apps.http.servers[PLAIN_SERVER_NAME];
    return;
  }
  const plan = tlsPlan(apps);
  if (plan.acme.length > 0) policies.unshift(acmePolicy(settings, plan.acme));
  setPolicies(apps, policies);
  if (server) {
    const automatic = { ...server.automatic_https };
    setList(automatic, "skip", plan.httpOnly);
    setList(automatic, "skip_certificates", [...plan.custom.keys()]);
    if (Object.keys(automatic).length > 0) server.automatic_https = automatic;
    else delete server.automatic_https;
  }
  const servers = apps.http?.servers;
  if (!servers) return;
  const plainRoutes = httpOnlyRoutes(apps, new Set(plan.httpOnly));
  if (plainRoutes.length === 0) {
    delete servers[PLAIN_SERVER_NAME];
    return;
  }
  // Caddy adds its HTTP -> HTTPS redirects (and serves ACME HTTP challenges) after these routes.
  servers[PLAIN_SERVER_NAME] = { listen: [`${settings.listenHost}:${settings.httpPort}`], routes: plainRoutes };
}

/** Syntra's automation policy: Caddy's ACME issuer at the configured directory, for `subjects` only. */
function acmePolicy(settings: ServerSettings, subjects: string[]): AutomationPolicy {
  const { directoryUrl, caRootPemFile, email } = settings.acme;
  return {
    "@id": ACME_POLICY_ID,
    subjects,
    issuers: [
      {
        module: "acme",
        ca: directoryUrl,
        ...(email ? { email } : {}),
        ...(caRootPemFile ? { trusted_roots_pem_files: [caRootPemFile] } : {}),
      },
    ],
  };
}

/** Copies of the services' routes limited to their HTTP-only domains, for the plain server. */
function httpOnlyRoutes(apps: CaddyApps, httpOnly: Set<string>): CaddyRoute[] {
  return syntraRoutes(apps).flatMap((route) => {
    const hosts = (route.match?.[0]?.host ?? []).filter((d) => httpOnly.has(d));
    if (hosts.length === 0) return [];
    const serviceId = (route["@id"] ?? "").slice(ROUTE_ID_PREFIX.length);
    return [{ ...route, "@id": `${PLAIN_ROUTE_ID_PREFIX}${serviceId}`, match: [{ host: hosts }] }];
  });
}

/** Ids of the services that have certificates loaded. */
function pemOwners(apps: CaddyApps): Set<string> {
  const owners = (apps.tls?.certificates?.load_pem ?? []).flatMap((p) => p.tags ?? []);
  return new Set(owners.filter((t) => t.startsWith(SERVICE_TAG_PREFIX)).map((t) => t.slice(SERVICE_TAG_PREFIX.length)));
}

function syntraRoutes(apps: CaddyApps): CaddyRoute[] {
  const routes = apps.http?.servers?.[SERVER_NAME]?.routes ?? [];
  return routes.filter((r) => r["@id"]?.startsWith(ROUTE_ID_PREFIX));
}

function setPolicies(apps: CaddyApps, policies: AutomationPolicy[]): void {
  if (policies.length === 0) {
    if (apps.tls?.automation) delete apps.tls.automation.policies;
    return;
  }
  apps.tls ??= {};
  apps.tls.automation ??= {};
  apps.tls.automation.policies = policies;
}

function setList(target: Record<string, unknown>, key: string, values: string[]): void {
  if (values.length > 0) target[key] = values;
  else delete target[key];
}
