import type { DomainStatus } from "@syntra/contracts";
import { index, pgTable, text, unique, uuid, varchar } from "drizzle-orm/pg-core";
import { idColumn, tstz } from "./columns";
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
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    unique("domains_domain_unique").on(t.domain),
    index("idx_domains_service").on(t.serviceId),
    index("idx_domains_status").on(t.status),
  ],
);
