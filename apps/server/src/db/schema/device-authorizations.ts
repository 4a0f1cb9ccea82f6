import { sql } from "drizzle-orm";
import { integer, pgTable, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { idColumn, tstz } from "./columns";
import { organizations, users } from "./identity";

/** Device logins of the CLI (migration 0015); only the device code's SHA-256 is stored. */
export const deviceAuthorizations = pgTable(
  "device_authorizations",
  {
    id: idColumn(),
    deviceCodeHash: varchar("device_code_hash", { length: 64 }).notNull().unique(),
    userCode: varchar("user_code", { length: 8 }).notNull(),
    clientName: varchar("client_name", { length: 100 }).notNull(),
    clientIp: varchar("client_ip", { length: 64 }),
    status: varchar("status", { length: 10 }).notNull().default("pending"),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "set null" }),
    intervalSeconds: integer("interval_seconds").notNull(),
    lastPolledAt: tstz("last_polled_at"),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    expiresAt: tstz("expires_at").notNull(),
    decidedAt: tstz("decided_at"),
  },
  (t) => [uniqueIndex("idx_device_authorizations_pending_code").on(t.userCode).where(sql`status = 'pending'`)],
);
