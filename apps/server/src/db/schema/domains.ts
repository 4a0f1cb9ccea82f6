import type { CertificateFailureCode, DomainStatus } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import { index, pgTable, text, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { bytea, idColumn, tstz } from "./columns";
import { services } from "./infrastructure";

/** Custom domains of services; `domain` is unique across the installation (migration 0003). */
export const domains = pgTable(
  "domains",
  {
    id: idColumn(),
    serviceId: uuid("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    domain: varchar("domain", { length: 253 }).notNull(),
    status: text("status").$type<DomainStatus>().notNull().default("pending_dns"),
    statusReason: text("status_reason"),
    verifiedAt: tstz("verified_at"),
    lastCheckedAt: tstz("last_checked_at"),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    certificateSource: text("certificate_source").$type<"acme" | "custom">().notNull().default("acme"),
    certificatePem: text("certificate_pem"),
    certificateKeyEncrypted: bytea("certificate_key_encrypted"),
    certificateIssuer: text("certificate_issuer"),
    certificateNotBefore: tstz("certificate_not_before"),
    certificateNotAfter: tstz("certificate_not_after"),
    certificateErrorCode: text("certificate_error_code").$type<CertificateFailureCode>(),
    certificateCheckedAt: tstz("certificate_checked_at"),
  },
  (t) => [
    unique("domains_domain_unique").on(t.domain),
    index("idx_domains_service").on(t.serviceId),
    index("idx_domains_status").on(t.status),
  ],
);
