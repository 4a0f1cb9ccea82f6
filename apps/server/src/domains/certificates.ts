import { createPrivateKey, X509Certificate } from "node:crypto";
import type { CertificateStatusPayload, CustomCertificate } from "@syntra/contracts";
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { domains, projects, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { decrypt, encrypt } from "../secrets/cipher";
import type { Keyring } from "../secrets/keyring";
import { ROUTED_STATUSES } from "./claims";

type DomainRow = typeof domains.$inferSelect;

const keyContext = (domainId: string) => `domains.certificate_key_encrypted:${domainId}`;

/** What an uploaded certificate is, once checked. */
export interface CheckedCertificate {
  certPem: string;
  keyPem: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
}

const invalid = (path: string, message: string) => new AppError("VALIDATION_ERROR", message, [{ path, message }]);

/**
 * Checks an uploaded certificate for `domain` before anything is stored: a PEM chain whose first certificate
 * covers the domain (a wildcard domain needs a wildcard certificate), is valid now, and matches the key.
 * Messages name the problem, never the key.
 */
export function checkCertificate(domain: string, certPem: string, keyPem: string, now: Date): CheckedCertificate {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch {
    throw invalid("body.certificate_pem", "Not a PEM certificate (expected -----BEGIN CERTIFICATE-----)");
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw invalid("body.private_key_pem", "Not an unencrypted PEM private key");
  }
  if (!leaf.checkPrivateKey(key))
    throw invalid("body.private_key_pem", "The private key does not match the certificate");
  // A wildcard domain is served for any one label under it: the certificate must cover such a name.
  const probe = domain.startsWith("*.") ? `syntra-probe.${domain.slice(2)}` : domain;
  if (!leaf.checkHost(probe, { wildcards: true, partialWildcards: false })) {
    throw invalid("body.certificate_pem", `The certificate does not cover ${domain} (subject: ${leaf.subject})`);
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter <= now) throw invalid("body.certificate_pem", `The certificate expired on ${notAfter.toISOString()}`);
  if (notBefore > now)
    throw invalid("body.certificate_pem", `The certificate is valid only from ${notBefore.toISOString()}`);
  return { certPem, keyPem, issuer: leaf.issuer.replaceAll("\n", ", "), notBefore, notAfter };
}

export function sealCertificateKey(keyring: Keyring, domainId: string, keyPem: string): Buffer {
  return encrypt(keyring, Buffer.from(keyPem, "utf8"), keyContext(domainId));
}

/** The custom certificates of a service's routed domains, keys decrypted: for the agent only, never logged. */
export async function customCertificatesOf(deps: AppDeps, serviceId: string): Promise<CustomCertificate[]> {
  const rows = await deps.db
    .select()
    .from(domains)
    .where(
      and(
        eq(domains.serviceId, serviceId),
        eq(domains.certificateSource, "custom"),
        isNotNull(domains.certificatePem),
        isNotNull(domains.certificateKeyEncrypted),
        inArray(domains.status, [...ROUTED_STATUSES, "failed"]),
      ),
    );
  return rows.map((r) => ({
    domains: [r.domain],
    cert_pem: r.certificatePem as string,
    key_pem: decrypt(deps.keyring, r.certificateKeyEncrypted as Buffer, keyContext(r.id)).toString("utf8"),
  }));
}

/** The domain status a certificate report leads to, for a domain whose DNS is verified. */
function statusFor(state: CertificateStatusPayload["certificates"][number]): DomainRow["status"] {
  if (state.status === "active") return "active";
  if (state.status === "failed") return "failed";
  return "certificate_pending";
}

/**
 * Records what a server's proxy reports about its certificates, for the domains of that server's services
 * only (an agent cannot write another server's domains). Domains still waiting for DNS are left alone.
 */
export async function recordCertificateStatus(
  deps: AppDeps,
  serverId: string,
  report: CertificateStatusPayload,
): Promise<number> {
  const names = report.certificates.map((c) => c.domain.toLowerCase());
  if (names.length === 0) return 0;
  const rows = await deps.db
    .select({ domain: domains, orgId: projects.orgId })
    .from(domains)
    .innerJoin(services, eq(services.id, domains.serviceId))
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(and(eq(services.serverId, serverId), inArray(domains.domain, names)));
  let changed = 0;
  for (const { domain: row, orgId } of rows) {
    const state = report.certificates.find((c) => c.domain.toLowerCase() === row.domain);
    if (!state || row.status === "pending_dns") continue;
    const status = statusFor(state);
    await deps.db
      .update(domains)
      .set({
        status,
        statusReason:
          state.status === "failed" ? (state.error?.message ?? "The certificate could not be obtained") : null,
        certificateIssuer: state.issuer ?? null,
        certificateNotBefore: state.not_before ? new Date(state.not_before) : null,
        certificateNotAfter: state.not_after ? new Date(state.not_after) : null,
        certificateErrorCode: state.status === "failed" ? (state.error?.code ?? "unknown") : null,
        certificateCheckedAt: new Date(state.checked_at),
      })
      .where(eq(domains.id, row.id));
    if (status !== row.status) {
      changed++;
      deps.live.publish({ type: "domain", orgId, serviceId: row.serviceId, domain: row.domain, status });
    }
  }
  return changed;
}
