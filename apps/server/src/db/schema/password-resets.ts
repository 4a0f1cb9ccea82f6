import { sql } from "drizzle-orm";
import { index, pgTable, uuid, varchar } from "drizzle-orm/pg-core";
import { idColumn, tstz } from "./columns";
import { users } from "./identity";

/** One-time password reset tokens (migration 0005); only the token's SHA-256 is stored. */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: idColumn(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: varchar("token_hash", { length: 64 }).notNull().unique(),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    expiresAt: tstz("expires_at").notNull(),
    usedAt: tstz("used_at"),
  },
  (t) => [index("idx_password_resets_user").on(t.userId)],
);
