import { and, asc, eq, inArray, notInArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { domains, services } from "../db/schema";
import { conflict, isUniqueViolation } from "../errors";

/** Statuses whose domain the proxy routes: DNS leads to the server. */
export const ROUTED_STATUSES = ["verified", "certificate_pending", "active"] as const;

/** The CONFLICT thrown when a domain belongs to another service (of this or any organization). */
export const domainTaken = (domain: string) =>
  conflict(`The domain '${domain}' is already used by another service`, [{ path: "domain", message: "taken" }]);

/** Maps a race on the unique domain constraint to CONFLICT; other errors pass through unchanged. */
export function asDomainConflict(err: unknown, domain: string): unknown {
  return isUniqueViolation(err, "domains_domain_unique") ? domainTaken(domain) : err;
}

/**
 * Makes `names` (already normalized) the domains of a service: removes the others, adds the new ones as
 * pending_dns (CONFLICT when another service holds one), and copies the routed ones into services.domains.
 */
export async function claimDomains(db: Db, serviceId: string, names: readonly string[]): Promise<void> {
  const wanted = [...new Set(names)];
  await db
    .delete(domains)
    .where(
      wanted.length > 0
        ? and(eq(domains.serviceId, serviceId), notInArray(domains.domain, wanted))
        : eq(domains.serviceId, serviceId),
    );
  if (wanted.length > 0) {
    const held = await db
      .select({ domain: domains.domain, serviceId: domains.serviceId })
      .from(domains)
      .where(inArray(domains.domain, wanted));
    const taken = held.find((h) => h.serviceId !== serviceId);
    if (taken) throw domainTaken(taken.domain);
    const own = new Set(held.map((h) => h.domain));
    const fresh = wanted.filter((d) => !own.has(d));
    for (const domain of fresh) {
      try {
        await db.insert(domains).values({ serviceId, domain, statusReason: "waiting for the first DNS check" });
      } catch (err) {
        throw asDomainConflict(err, domain);
      }
    }
  }
  await syncRoutedDomains(db, serviceId);
}

/** Sets services.domains (what the agent routes) to the service's domains whose DNS is verified. */
export async function syncRoutedDomains(db: Db, serviceId: string): Promise<string[]> {
  const rows = await db
    .select({ domain: domains.domain })
    .from(domains)
    .where(and(eq(domains.serviceId, serviceId), inArray(domains.status, [...ROUTED_STATUSES])))
    .orderBy(asc(domains.domain));
  const routed = rows.map((r) => r.domain);
  await db.update(services).set({ domains: routed }).where(eq(services.id, serviceId));
  return routed;
}
