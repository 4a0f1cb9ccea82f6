import { isIP } from "node:net";
import type { DnsRecord, DomainCertificate, ServiceDomain } from "@syntra/contracts";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { HubEvents } from "../agents/hub-events";
import { plainWork, type UnitOfWork } from "../audit/unit-of-work";
import type { Db } from "../db/client";
import { domains, servers, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { notFound } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { getServiceRow } from "../services/services";
import { checkCertificate, sealCertificateKey } from "./certificates";
import { asDomainConflict, domainTaken, ROUTED_STATUSES, syncRoutedDomains } from "./claims";
import { checkDomainDns, createResolver, type DnsTarget } from "./dns-check";
import { normalizeDomain } from "./normalize";
import { pushRoutes } from "./push-routes";

type DomainRow = typeof domains.$inferSelect;

/** The hostname and public IP the server's agent reported: where a domain's DNS must lead. */
export async function serverTarget(db: Db, serverId: string): Promise<DnsTarget> {
  const [row] = await db
    .select({ hostname: servers.hostname, publicIp: servers.publicIp })
    .from(servers)
    .where(eq(servers.id, serverId))
    .limit(1);
  return { hostname: row?.hostname ?? null, publicIp: row?.publicIp ?? null };
}

/** The records that make `domain` verify: a CNAME to the hostname, an A/AAAA to the public IP, or both. */
export function dnsRecordsFor(domain: string, target: DnsTarget): DnsRecord[] {
  const records: DnsRecord[] = [];
  if (target.hostname) records.push({ type: "CNAME", name: domain, value: target.hostname });
  const family = target.publicIp ? isIP(target.publicIp) : 0;
  if (target.publicIp && family !== 0) {
    records.push({ type: family === 6 ? "AAAA" : "A", name: domain, value: target.publicIp });
  }
  return records;
}

/** The certificate facts of a domain, as its server's proxy last reported them. */
function certificateOf(row: DomainRow): DomainCertificate {
  const routed = (ROUTED_STATUSES as readonly string[]).includes(row.status) || row.status === "failed";
  const status: DomainCertificate["status"] =
    !routed || !row.certificateCheckedAt
      ? "none"
      : row.certificateErrorCode
        ? "failed"
        : row.certificateNotAfter
          ? "active"
          : "pending";
  return {
    source: row.certificateSource,
    status,
    issuer: row.certificateIssuer,
    not_before: row.certificateNotBefore?.toISOString() ?? null,
    not_after: row.certificateNotAfter?.toISOString() ?? null,
    error_code: row.certificateErrorCode,
    checked_at: row.certificateCheckedAt?.toISOString() ?? null,
  };
}

function present(row: DomainRow, target: DnsTarget): ServiceDomain {
  return {
    id: row.id,
    service_id: row.serviceId,
    domain: row.domain,
    status: row.status,
    status_reason: row.statusReason,
    verified_at: row.verifiedAt?.toISOString() ?? null,
    last_checked_at: row.lastCheckedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    dns_records: dnsRecordsFor(row.domain, target),
    certificate: certificateOf(row),
  };
}

async function findDomain(db: Db, serviceId: string, domain: string): Promise<DomainRow> {
  const [row] = await db
    .select()
    .from(domains)
    .where(and(eq(domains.serviceId, serviceId), eq(domains.domain, domain)))
    .limit(1);
  if (!row) throw notFound("Domain");
  return row;
}

/** The custom domains of a service in scope, by name. */
export async function listServiceDomains(deps: AppDeps, scope: ProjectScope, serviceId: string) {
  const service = await getServiceRow(deps.db, scope, serviceId);
  const target = await serverTarget(deps.db, service.serverId);
  const rows = await deps.db
    .select()
    .from(domains)
    .where(eq(domains.serviceId, service.id))
    .orderBy(asc(domains.domain));
  return rows.map((r) => present(r, target));
}

/**
 * Adds a domain to a service as pending_dns (as `change`, noting the domain) and then checks its DNS once;
 * CONFLICT when any service holds it.
 */
export async function addServiceDomain(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  raw: string,
  change: UnitOfWork,
): Promise<ServiceDomain> {
  const domain = normalizeDomain(raw, "body.domain");
  const service = await getServiceRow(deps.db, scope, serviceId);
  const [held] = await deps.db.select({ id: domains.id }).from(domains).where(eq(domains.domain, domain)).limit(1);
  if (held) throw domainTaken(domain);
  const row = await change(async (tx, audit) => {
    let inserted: DomainRow | undefined;
    try {
      [inserted] = await tx
        .insert(domains)
        .values({ serviceId: service.id, domain, statusReason: "waiting for the first DNS check" })
        .returning();
    } catch (err) {
      throw asDomainConflict(err, domain);
    }
    if (!inserted) throw new Error("insert returned no row");
    audit({ resourceId: inserted.id, details: { domain, service_id: service.id } });
    return inserted;
  });
  return checkAndRecord(deps, row, service.serverId);
}

/** Removes a domain from a service (and from what the agent routes at its next deploy). */
export async function removeServiceDomain(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  raw: string,
  change: UnitOfWork,
): Promise<void> {
  const domain = normalizeDomain(raw, "params.domain");
  const service = await getServiceRow(deps.db, scope, serviceId);
  const row = await findDomain(deps.db, service.id, domain);
  await change(async (tx) => {
    await tx.delete(domains).where(eq(domains.id, row.id));
    await syncRoutedDomains(tx, service.id);
  });
  await pushRoutes(deps, service.id);
}

type CertificateColumns = Pick<
  DomainRow,
  | "certificateSource"
  | "certificatePem"
  | "certificateKeyEncrypted"
  | "certificateIssuer"
  | "certificateNotBefore"
  | "certificateNotAfter"
>;

/**
 * Replaces a domain's certificate columns (the facts the proxy reported are reset: they were about the old
 * certificate), tells the running service's agent, and answers the domain.
 */
async function replaceCertificate(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  raw: string,
  change: UnitOfWork,
  columns: (row: DomainRow, domain: string) => CertificateColumns,
): Promise<ServiceDomain> {
  const domain = normalizeDomain(raw, "params.domain");
  const service = await getServiceRow(deps.db, scope, serviceId);
  const row = await findDomain(deps.db, service.id, domain);
  // Checked (and the key sealed) before the unit of work: parsing certificates is CPU work.
  const replacement = columns(row, domain);
  const updated = await change(async (tx, audit) => {
    const [next] = await tx
      .update(domains)
      .set({ ...replacement, certificateErrorCode: null, certificateCheckedAt: null })
      .where(eq(domains.id, row.id))
      .returning();
    if (!next) throw notFound("Domain");
    // The domain and an uploaded certificate's expiry: never the key.
    const notAfter = next.certificateSource === "custom" ? next.certificateNotAfter?.toISOString() : undefined;
    audit({ resourceId: next.id, details: { domain: next.domain, ...(notAfter && { not_after: notAfter }) } });
    return next;
  });
  await pushRoutes(deps, service.id);
  return present(updated, await serverTarget(deps.db, service.serverId));
}

/** Serves a domain with an uploaded certificate instead of ACME; the key is stored encrypted. */
export function setDomainCertificate(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  raw: string,
  body: { certificate_pem: string; private_key_pem: string },
  change: UnitOfWork,
): Promise<ServiceDomain> {
  return replaceCertificate(deps, scope, serviceId, raw, change, (row, domain) => {
    const cert = checkCertificate(domain, body.certificate_pem, body.private_key_pem, deps.now());
    return {
      certificateSource: "custom",
      certificatePem: cert.certPem,
      certificateKeyEncrypted: sealCertificateKey(deps.keyring, row.id, cert.keyPem),
      certificateIssuer: cert.issuer,
      certificateNotBefore: cert.notBefore,
      certificateNotAfter: cert.notAfter,
    };
  });
}

/** Goes back to ACME for a domain: the uploaded certificate and key are deleted. */
export function removeDomainCertificate(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  raw: string,
  change: UnitOfWork,
): Promise<ServiceDomain> {
  return replaceCertificate(deps, scope, serviceId, raw, change, () => ({
    certificateSource: "acme",
    certificatePem: null,
    certificateKeyEncrypted: null,
    certificateIssuer: null,
    certificateNotBefore: null,
    certificateNotAfter: null,
  }));
}

/** Checks a domain's DNS now and answers it with its new status (stored as `change`). */
export async function verifyServiceDomain(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  raw: string,
  change: UnitOfWork,
): Promise<ServiceDomain> {
  const domain = normalizeDomain(raw, "params.domain");
  const service = await getServiceRow(deps.db, scope, serviceId);
  return checkAndRecord(deps, await findDomain(deps.db, service.id, domain), service.serverId, change);
}

/**
 * Runs one DNS check and stores its outcome. A pending domain that passes becomes verified and routed; one
 * that fails stays pending_dns with the reason (it never turns `failed` on DNS alone: records take time to
 * propagate, and the periodic check keeps trying). A routed domain is never unrouted by a failed check (a DNS
 * hiccup must not take a site down); the reason is recorded for the user, unless the domain failed on its
 * certificate.
 */
async function checkAndRecord(
  deps: AppDeps,
  row: DomainRow,
  serverId: string,
  change: UnitOfWork = plainWork(deps.db),
): Promise<ServiceDomain> {
  const target = await serverTarget(deps.db, serverId);
  let outcome: Awaited<ReturnType<typeof checkDomainDns>>;
  try {
    outcome = await checkDomainDns(createResolver(deps.config.domains.dnsResolver), row.domain, target);
  } catch (err) {
    deps.logger.warn({ err, domain: row.domain }, "DNS lookup failed");
    outcome = { verified: false, reason: `DNS lookup failed (${(err as Error).message}); will retry` };
  }
  const now = deps.now();
  const routed = (ROUTED_STATUSES as readonly string[]).includes(row.status);
  const becomesVerified = outcome.verified && !routed;
  const updated = await change(async (tx, audit) => {
    const [next] = await tx
      .update(domains)
      .set({
        lastCheckedAt: now,
        // A failed domain's reason is its certificate error, which a DNS check must not hide. Decided in SQL
        // because a certificate report may land between reading the row and this write.
        statusReason: sql`case when ${domains.status} = 'failed' then ${domains.statusReason} else ${
          outcome.verified ? null : outcome.reason
        } end`,
        ...(becomesVerified && { status: "verified" as const, verifiedAt: now }),
      })
      .where(eq(domains.id, row.id))
      .returning();
    if (becomesVerified) await syncRoutedDomains(tx, row.serviceId);
    if (next) audit({ resourceId: next.id, details: { domain: next.domain, status: next.status } });
    return next;
  });
  if (!updated) throw notFound("Domain");
  if (becomesVerified) {
    deps.logger.info({ domain: row.domain, service_id: row.serviceId }, "domain verified");
    await pushRoutes(deps, row.serviceId);
  }
  return present(updated, target);
}

/** Checks every pending_dns domain once; returns how many became verified. */
export async function checkPendingDomains(deps: AppDeps): Promise<number> {
  const pending = await deps.db
    .select({ domain: domains, serverId: services.serverId })
    .from(domains)
    .innerJoin(services, eq(services.id, domains.serviceId))
    .where(eq(domains.status, "pending_dns"))
    .orderBy(asc(domains.lastCheckedAt));
  let verified = 0;
  for (const p of pending) {
    const answer = await checkAndRecord(deps, p.domain, p.serverId);
    if (answer.status === "verified") verified++;
  }
  return verified;
}

/**
 * Checks again every domain of the servers' services (one query for them all), for when servers (re)connect: a
 * hostname or public address may have changed, and the records users made must still lead to the server. Routed
 * domains stay routed; a record that no longer leads here shows as the domain's reason.
 */
export async function recheckServerDomains(deps: AppDeps, ...serverIds: string[]): Promise<void> {
  if (serverIds.length === 0) return;
  const rows = await deps.db
    .select({ domain: domains, serverId: services.serverId })
    .from(domains)
    .innerJoin(services, eq(services.id, domains.serviceId))
    .where(inArray(services.serverId, serverIds));
  for (const { domain, serverId } of rows) await checkAndRecord(deps, domain, serverId);
}

/** Hub event agent_ready: re-checks the servers' domains in the background (see `recheckServerDomains`). */
export async function recheckDomainsOnAgentReady(
  deps: AppDeps,
  { serverIds }: HubEvents["agent_ready"],
): Promise<void> {
  void recheckServerDomains(deps, ...serverIds).catch((err: unknown) =>
    deps.logger.warn({ err, servers: serverIds.length }, "re-checking the servers' domains failed"),
  );
}

/** Re-checks pending domains every `intervalMs` on an unref'd timer; runs never overlap. */
export function startDomainChecker(deps: AppDeps, intervalMs: number): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    // One replica checks at a time: the others skip this round.
    deps.cluster
      .tryLock("domains-dns-check", () => checkPendingDomains(deps))
      .catch((err: unknown) => deps.logger.warn({ err }, "domain DNS check failed"))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
