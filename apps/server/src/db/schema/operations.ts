import { sql } from "drizzle-orm";
import { boolean, index, inet, jsonb, pgTable, text, uuid, varchar } from "drizzle-orm/pg-core";
import { idColumn, tstz } from "./columns";
import { triggerType } from "./enums";
import { organizations, users } from "./identity";
import { projects } from "./infrastructure";

export const auditLogs = pgTable(
  "audit_logs",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userId: uuid("user_id").references(() => users.id),
    /** user, token or system (migration 0011). */
    actorType: varchar("actor_type", { length: 20 }).$type<"user" | "token" | "system">().notNull().default("user"),
    actorTokenId: uuid("actor_token_id"),
    actorComponent: varchar("actor_component", { length: 50 }),
    action: varchar("action", { length: 100 }).notNull(),
    resourceType: varchar("resource_type", { length: 50 }).notNull(),
    resourceId: uuid("resource_id"),
    details: jsonb("details"),
    ipAddress: inet("ip_address"),
    userAgent: text("user_agent"),
    createdAt: tstz("created_at").default(sql`now()`),
  },
  (t) => [
    index("idx_audit_logs_org").on(t.orgId, t.createdAt.desc()),
    index("idx_audit_logs_resource").on(t.resourceType, t.resourceId),
    index("idx_audit_logs_actor").on(t.orgId, t.actorType, t.createdAt.desc()),
  ],
);

export const workflows = pgTable("workflows", {
  id: idColumn(),
  projectId: uuid("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" }),
  name: varchar("name", { length: 255 }).notNull(),
  description: text("description"),
  definition: jsonb("definition").notNull(),
  triggerType: triggerType("trigger_type").default("manual"),
  cronExpression: varchar("cron_expression", { length: 100 }),
  isActive: boolean("is_active").default(true),
  createdAt: tstz("created_at").default(sql`now()`),
  updatedAt: tstz("updated_at").default(sql`now()`),
});

export const workflowRuns = pgTable("workflow_runs", {
  id: idColumn(),
  workflowId: uuid("workflow_id")
    .notNull()
    .references(() => workflows.id, { onDelete: "cascade" }),
  status: varchar("status", { length: 50 }).default("running"),
  triggeredBy: uuid("triggered_by").references(() => users.id),
  triggerType: triggerType("trigger_type"),
  stepResults: jsonb("step_results").default({}),
  startedAt: tstz("started_at").default(sql`now()`),
  finishedAt: tstz("finished_at"),
});
