import { sql } from "drizzle-orm";
import { index, pgTable, smallint, text, uuid, varchar } from "drizzle-orm/pg-core";
import { bytea, idColumn, tstz } from "./columns";
import { servers } from "./infrastructure";

/** The internal CA and the bundle-signing key, one row (migration 0019); private keys sealed with the master key. */
export const agentAuthority = pgTable(
  "agent_authority",
  {
    id: smallint("id").primaryKey().default(1),
    caCertificatePem: text("ca_certificate_pem").notNull(),
    caKeySealed: bytea("ca_key_sealed").notNull(),
    bundleSigningPublicPem: text("bundle_signing_public_pem").notNull(),
    bundleSigningKeySealed: bytea("bundle_signing_key_sealed").notNull(),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
  },
  // The SQL keeps it to one row (CHECK id = 1).
);

/** Client certificates issued to agents (migration 0019), found by fingerprint when an agent connects. */
export const agentCertificates = pgTable(
  "agent_certificates",
  {
    id: idColumn(),
    serverId: uuid("server_id")
      .notNull()
      .references(() => servers.id, { onDelete: "cascade" }),
    fingerprintSha256: varchar("fingerprint_sha256", { length: 64 }).notNull().unique(),
    serialHex: varchar("serial_hex", { length: 40 }).notNull(),
    publicKeySha256: varchar("public_key_sha256", { length: 64 }).notNull(),
    notBefore: tstz("not_before").notNull(),
    notAfter: tstz("not_after").notNull(),
    issuedBy: varchar("issued_by", { length: 10 }).notNull().$type<"enrolment" | "renewal">(),
    revokedAt: tstz("revoked_at"),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
  },
  (t) => [index("idx_agent_certificates_server").on(t.serverId, t.notAfter.desc())],
);
