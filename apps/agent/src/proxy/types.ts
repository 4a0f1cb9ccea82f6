/** A certificate the user supplied for some of a service's domains (PEM); the other domains use ACME. */
export interface RouteCertificate {
  domains: string[];
  certPem: string;
  keyPem: string;
}

/** Where a service's traffic goes: its domains and the addresses of its healthy containers. */
export interface ServiceRoute {
  serviceId: string;
  domains: string[];
  /** `host:port` of each container that should receive traffic. */
  upstreams: string[];
  /** User-supplied certificates; a wildcard domain is served over HTTPS only with one. */
  certificates?: RouteCertificate[];
  /** Read back only (routes()): the PEM of the uploaded certificate served for each domain that has one. */
  certificatePems?: Record<string, string>;
}

/** What the proxy serves for a domain over HTTPS, or why it cannot. */
export interface CertificateInfo {
  domain: string;
  source: "acme" | "custom";
  status: "pending" | "active" | "failed";
  issuer?: string;
  notBefore?: string;
  notAfter?: string;
  error?: {
    code: "challenge_failed" | "rate_limited" | "dns_not_pointing_here" | "port_80_unreachable" | "unknown";
    message: string;
  };
}

/**
 * The edge proxy seam: Caddy (driven through its admin API) and Traefik (dynamic configuration files) side
 * by side. `setRoute` must switch traffic atomically and gracefully: requests in flight on the old upstreams
 * finish.
 */
export interface Router {
  /** Makes sure the proxy runs and answers its admin interface (starting it if this agent manages it). */
  start(): Promise<void>;
  /**
   * Creates or replaces the service's route. No upstreams: its domains answer 503. No domains: no route.
   * Resolves once new requests go to `upstreams` only, so containers left out may be drained and stopped.
   */
  setRoute(route: ServiceRoute): Promise<void>;
  removeRoute(serviceId: string): Promise<void>;
  /** The routes currently configured, for reconciliation and tests. Certificates' keys are not read back. */
  routes(): Promise<ServiceRoute[]>;
  /** The TLS state of every routed domain (empty when TLS is off). */
  certificates(): Promise<CertificateInfo[]>;
  /** The agent stops and the proxy serves on without it: leaves the proxy able to (the routes stay). */
  detach(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Orders certificate reports by domain, in code-unit order like `Array.prototype.sort()` (domains are ASCII,
 * IDNA-encoded). Not `localeCompare`: its first call loads ICU's collator and collation data, ~3 MB of the
 * idle agent's RSS for a sort that needs no locale.
 */
export function byDomain(a: { domain: string }, b: { domain: string }): number {
  return a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0;
}
