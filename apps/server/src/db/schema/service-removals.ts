import { sql } from "drizzle-orm";
import { index, pgTable, uuid } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { servers } from "./infrastructure";

/** Services deleted while their agent was offline, whose containers it removes on reconnect (migration 0007). */
export const serviceRemovals = pgTable(
  "service_removals",
  {
    serviceId: uuid("service_id").primaryKey(),
    serverId: uuid("server_id")
      .notNull()
      .references(() => servers.id, { onDelete: "cascade" }),
    requestedAt: tstz("requested_at").notNull().default(sql`now()`),
  },
  (t) => [index("idx_service_removals_server").on(t.serverId)],
);
