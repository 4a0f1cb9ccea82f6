import { routedDomain } from "@syntra/contracts";
import { AgentError } from "../errors";
import type { RouteCertificate, ServiceRoute } from "./types";

// Service ids become names in proxy configs (Caddy `@id`, Traefik router names, file names): no dots, slashes
// or anything a config syntax could read as structure.
const serviceIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
// host:port, the host a DNS name or IPv4 address, or a bracketed IPv6 address.
const upstreamPattern = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/;

/** Checks a service id before it names anything in a proxy's configuration. */
export function validateServiceId(serviceId: string): string {
  if (!serviceIdPattern.test(serviceId)) {
    throw new AgentError("VALIDATION_ERROR", `Invalid service id for a route: ${JSON.stringify(serviceId)}`);
  }
  return serviceId;
}

/**
 * Checks a route before any of it reaches a proxy's configuration (Caddy's JSON, Traefik's files); domains
 * come back lowercased and deduplicated. Domains are ASCII only (`routedDomain`): the control plane converts
 * international names to their IDNA form before they get here, so look-alike characters never reach a proxy.
 */
export function validateRoute(route: ServiceRoute): ServiceRoute {
  validateServiceId(route.serviceId);
  const domains = validateDomains(route.domains);
  for (const upstream of route.upstreams) {
    const port = Number(upstream.slice(upstream.lastIndexOf(":") + 1));
    if (!upstreamPattern.test(upstream) || port < 1 || port > 65535) {
      throw new AgentError("VALIDATION_ERROR", `Invalid upstream address: ${JSON.stringify(upstream)}`);
    }
  }
  const valid: ServiceRoute = { serviceId: route.serviceId, domains, upstreams: [...new Set(route.upstreams)] };
  if (route.certificates !== undefined) valid.certificates = route.certificates.map(validateCertificate);
  return valid;
}

function validateDomains(domains: string[]): string[] {
  const valid = domains.map((domain) => {
    if (typeof domain !== "string" || !routedDomain.safeParse(domain).success) {
      throw new AgentError("VALIDATION_ERROR", `Invalid domain for a route: ${JSON.stringify(domain)}`);
    }
    return domain.toLowerCase();
  });
  return [...new Set(valid)];
}

/** The PEM's content is checked where it is used (a proxy loads it); here only its shape, never echoed. */
function validateCertificate(certificate: RouteCertificate): RouteCertificate {
  const domains = validateDomains(certificate.domains);
  if (domains.length === 0) {
    throw new AgentError("VALIDATION_ERROR", "A custom certificate must name at least one domain");
  }
  if (!certificate.certPem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new AgentError("VALIDATION_ERROR", `The certificate for ${domains.join(", ")} is not a PEM certificate`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(certificate.keyPem)) {
    throw new AgentError("VALIDATION_ERROR", `The key for ${domains.join(", ")} is not a PEM private key`);
  }
  return { domains, certPem: certificate.certPem, keyPem: certificate.keyPem };
}
