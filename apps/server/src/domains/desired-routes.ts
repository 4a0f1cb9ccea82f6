import { createHash } from "node:crypto";
import type { CustomCertificate, RoutedCertificate } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { servers, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { defaultDomainOf } from "../services/default-domain";
import { customCertificatesOf } from "./certificates";

/** What a service's route should be on its server's proxy: the one source of deploys, pushes and repairs. */
export interface DesiredRouting {
  /** Routed domains, sorted: the custom domains whose DNS is verified, and the default domain when on. */
  domains: string[];
  /** Uploaded certificates of the routed domains (keys decrypted: for the agent only, never logged). */
  certificates: CustomCertificate[];
}

/** The service's desired routing now, read from the database; null for a service that no longer exists. */
export async function desiredRouting(deps: AppDeps, serviceId: string): Promise<DesiredRouting | null> {
  const [found] = await deps.db
    .select({ service: services, server: servers })
    .from(services)
    .innerJoin(servers, eq(servers.id, services.serverId))
    .where(eq(services.id, serviceId));
  if (!found) return null;
  const routed = new Set(found.service.domains ?? []);
  const fallback = defaultDomainOf(found.service, found.server, deps.config.domains.appsDomain);
  const domains = [...new Set([...routed, ...(fallback ? [fallback.domain] : [])])].sort();
  const certificates = (await customCertificatesOf(deps, serviceId))
    .map((c) => ({ ...c, domains: c.domains.filter((d) => routed.has(d)) }))
    .filter((c) => c.domains.length > 0);
  return { domains, certificates };
}

/** The per-domain certificate fingerprints a proxy serving `certificates` reports (see routes_report). */
export function certificateFingerprints(certificates: CustomCertificate[]): RoutedCertificate[] {
  return certificates
    .flatMap((c) => c.domains.map((domain) => ({ domain, sha256: sha256(c.cert_pem) })))
    .sort((a, b) => a.domain.localeCompare(b.domain));
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
