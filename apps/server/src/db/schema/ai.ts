import { bigint, date, integer, pgTable, primaryKey, uuid, varchar } from "drizzle-orm/pg-core";
import { organizations } from "./identity";

/** Tokens spent on AI providers per organization, day, feature, provider and model (migrations 0018, 0030). */
export const aiUsage = pgTable(
  "ai_usage",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    day: date("day").notNull(),
    /** What spent them: error_analysis, incident_summary, ...; 'other' for rows from before 0030. */
    feature: varchar("feature", { length: 40 }).notNull().default("other"),
    provider: varchar("provider", { length: 20 }).notNull(),
    model: varchar("model", { length: 200 }).notNull(),
    requests: integer("requests").notNull().default(0),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull().default(0),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.day, t.feature, t.provider, t.model] })],
);
