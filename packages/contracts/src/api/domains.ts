import { z } from "zod";
import { isoTimestamp, text, uuid } from "../common";
import { certificateFailureCode } from "../ws/routing";

// No lookarounds: the generated JSON Schemas may be checked by regex engines without them (Go, RE2).
const label = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
// A top-level domain is never all digits, so "10.0.0.1" is refused as an address, not taken for a name.
const topLabel = "[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?";

/**
 * A public domain name as Syntra stores and routes it: lowercase ASCII (punycode for IDNs, converted by the
 * server before this check), at least two labels, at most 253 characters, no trailing dot, optionally `*.`.
 * Everything that reaches a proxy's configuration passes this check first.
 */
export const domainName = z
  .string()
  .max(253, "at most 253 characters")
  .regex(new RegExp(`^(?:\\*\\.)?(?:${label}\\.)+${topLabel}$`), "not a valid domain name");

/** True when `value` is a domain name Syntra accepts (see `domainName`). */
export function isValidDomainName(value: string): boolean {
  return domainName.safeParse(value).success;
}

/** Where a custom domain stands: DNS first, then (next) its TLS certificate. */
export const domainStatuses = ["pending_dns", "verified", "certificate_pending", "active", "failed"] as const;
export type DomainStatus = (typeof domainStatuses)[number];

/** A DNS record the user must create so that the domain reaches the service's server. */
export const dnsRecord = z.object({
  type: z.enum(["CNAME", "A", "AAAA"]),
  name: z.string(),
  value: z.string(),
});
export type DnsRecord = z.infer<typeof dnsRecord>;

/** POST /services/:serviceId/domains. `domain` may be Unicode or mixed case; the server stores punycode. */
export const createDomainBody = z.strictObject({ domain: text(1000).min(1) });
export type CreateDomainBody = z.infer<typeof createDomainBody>;

/** The TLS certificate of a domain: obtained by ACME, or uploaded. Dates and issuer as the proxy serves it. */
export const domainCertificate = z.object({
  source: z.enum(["acme", "custom"]),
  /** none: not routed yet or the proxy has not reported; failed: see `error_code` and the domain's status_reason. */
  status: z.enum(["none", "pending", "active", "failed"]),
  issuer: z.string().nullable(),
  not_before: isoTimestamp.nullable(),
  not_after: isoTimestamp.nullable(),
  error_code: certificateFailureCode.nullable(),
  checked_at: isoTimestamp.nullable(),
});
export type DomainCertificate = z.infer<typeof domainCertificate>;

/** PUT /services/:serviceId/domains/:domain/certificate: a PEM chain (leaf first) and its private key. */
export const uploadCertificateBody = z.strictObject({
  certificate_pem: text(64_000).min(1),
  private_key_pem: text(64_000).min(1),
});
export type UploadCertificateBody = z.infer<typeof uploadCertificateBody>;

/** A custom domain of a service, with the records that make it verify. */
export const serviceDomain = z.object({
  id: uuid,
  service_id: uuid,
  domain: domainName,
  status: z.enum(domainStatuses),
  /** Why the domain is not verified yet, in words a person can act on; null once verified. */
  status_reason: z.string().nullable(),
  verified_at: isoTimestamp.nullable(),
  last_checked_at: isoTimestamp.nullable(),
  created_at: isoTimestamp,
  /** The records to create at the DNS provider; empty until the server reports its hostname or address. */
  dns_records: z.array(dnsRecord),
  certificate: domainCertificate,
});
export type ServiceDomain = z.infer<typeof serviceDomain>;

/** Path of one domain of a service; the server normalizes `domain` as it does a body's. */
export const domainParams = z.object({ serviceId: uuid, domain: text(1000).min(1) });
