import type { AlertChannelType, MonitorCheck, NotificationKind } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { bytea, idColumn, tstz } from "./columns";
import { organizations, users } from "./identity";
import { projects, servers, services } from "./infrastructure";
import { alertIncidents, alerts } from "./observability";

// Tables of alerting, uptime and status pages (migration 0017); alerts and alert_incidents are in observability.ts.

/** Groups of a rule whose condition holds but that are still in their pending period. */
export const alertPending = pgTable(
  "alert_pending",
  {
    alertId: uuid("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    groupKey: varchar("group_key", { length: 200 }).notNull(),
    since: tstz("since").notNull(),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.groupKey] })],
);

/** Where notifications go; secrets encrypted in secretEncrypted. */
export const notificationChannels = pgTable(
  "notification_channels",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    type: varchar("type", { length: 20 }).$type<AlertChannelType>().notNull(),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    secretEncrypted: bytea("secret_encrypted"),
    isActive: boolean("is_active").notNull().default(true),
    lastDeliveryAt: tstz("last_delivery_at"),
    lastSuccessAt: tstz("last_success_at"),
    lastError: text("last_error"),
    lastErrorAt: tstz("last_error_at"),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    updatedAt: tstz("updated_at").notNull().default(sql`now()`),
  },
  (t) => [index("idx_notification_channels_org").on(t.orgId)],
);

/** The delivery queue and its log. */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: idColumn(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    incidentId: uuid("incident_id").references(() => alertIncidents.id, { onDelete: "cascade" }),
    kind: varchar("kind", { length: 20 }).$type<NotificationKind>().notNull(),
    payload: jsonb("payload").notNull(),
    status: varchar("status", { length: 10 }).$type<"pending" | "delivered" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tstz("next_attempt_at").notNull().default(sql`now()`),
    lockedUntil: tstz("locked_until"),
    lastError: text("last_error"),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    deliveredAt: tstz("delivered_at"),
  },
  (t) => [
    index("idx_alert_deliveries_due").on(t.nextAttemptAt),
    index("idx_alert_deliveries_channel").on(t.channelId, t.createdAt.desc()),
  ],
);

/** Silences and maintenance windows. */
export const alertSilences = pgTable(
  "alert_silences",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    alertId: uuid("alert_id").references(() => alerts.id, { onDelete: "cascade" }),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    serviceId: uuid("service_id").references(() => services.id, { onDelete: "cascade" }),
    serverId: uuid("server_id").references(() => servers.id, { onDelete: "cascade" }),
    kind: varchar("kind", { length: 20 }).$type<"silence" | "maintenance">().notNull().default("silence"),
    comment: text("comment").notNull().default(""),
    startsAt: tstz("starts_at").notNull(),
    endsAt: tstz("ends_at").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
  },
  (t) => [index("idx_alert_silences_org_end").on(t.orgId, t.endsAt)],
);

/** The agents' `alert` messages. */
export const agentAlerts = pgTable(
  "agent_alerts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    serverId: uuid("server_id")
      .notNull()
      .references(() => servers.id, { onDelete: "cascade" }),
    serviceId: uuid("service_id").references(() => services.id, { onDelete: "cascade" }),
    agentAlertId: varchar("agent_alert_id", { length: 128 }).notNull(),
    type: varchar("type", { length: 40 }).notNull(),
    severity: varchar("severity", { length: 10 }).notNull(),
    title: text("title").notNull(),
    message: text("message").notNull(),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    reportedAt: tstz("reported_at").notNull(),
    receivedAt: tstz("received_at").notNull().default(sql`now()`),
  },
  (t) => [
    unique("agent_alerts_server_id_agent_alert_id_key").on(t.serverId, t.agentAlertId),
    index("idx_agent_alerts_server_time").on(t.serverId, t.receivedAt.desc()),
  ],
);

/** Health checks per hour and per day. */
export const healthCheckRollups = pgTable(
  "health_check_rollups",
  {
    serviceId: uuid("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    granularity: varchar("granularity", { length: 4 }).$type<"hour" | "day">().notNull(),
    bucket: tstz("bucket").notNull(),
    checks: integer("checks").notNull(),
    healthy: integer("healthy").notNull(),
    responseMsSum: doublePrecision("response_ms_sum").notNull(),
    responseMsMax: doublePrecision("response_ms_max").notNull(),
  },
  (t) => [primaryKey({ columns: [t.serviceId, t.granularity, t.bucket] })],
);

/** Public status pages. */
export const statusPages = pgTable(
  "status_pages",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    slug: varchar("slug", { length: 63 }).notNull().unique(),
    title: varchar("title", { length: 255 }).notNull(),
    description: text("description").notNull().default(""),
    isPublic: boolean("is_public").notNull().default(true),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    updatedAt: tstz("updated_at").notNull().default(sql`now()`),
  },
  (t) => [index("idx_status_pages_org").on(t.orgId)],
);

export const statusPageComponents = pgTable(
  "status_page_components",
  {
    id: idColumn(),
    pageId: uuid("page_id")
      .notNull()
      .references(() => statusPages.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    description: text("description").notNull().default(""),
    serviceId: uuid("service_id").references(() => services.id, { onDelete: "set null" }),
    position: integer("position").notNull(),
    // Migration 0021.
    monitorId: uuid("monitor_id").references((): AnyPgColumn => monitors.id, { onDelete: "set null" }),
  },
  (t) => [index("idx_status_page_components_page").on(t.pageId, t.position)],
);

export const statusPageIncidents = pgTable(
  "status_page_incidents",
  {
    id: idColumn(),
    pageId: uuid("page_id")
      .notNull()
      .references(() => statusPages.id, { onDelete: "cascade" }),
    kind: varchar("kind", { length: 20 }).$type<"incident" | "maintenance">().notNull(),
    title: varchar("title", { length: 255 }).notNull(),
    impact: varchar("impact", { length: 10 }).$type<"none" | "minor" | "major" | "critical">().notNull(),
    status: varchar("status", { length: 20 }).notNull(),
    componentIds: uuid("component_ids").array().notNull().default([]),
    alertIncidentId: uuid("alert_incident_id").references(() => alertIncidents.id, { onDelete: "set null" }),
    scheduledStart: tstz("scheduled_start"),
    scheduledEnd: tstz("scheduled_end"),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    resolvedAt: tstz("resolved_at"),
  },
  (t) => [index("idx_status_page_incidents_page").on(t.pageId, t.createdAt.desc())],
);

export const statusPageIncidentUpdates = pgTable(
  "status_page_incident_updates",
  {
    id: idColumn(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => statusPageIncidents.id, { onDelete: "cascade" }),
    status: varchar("status", { length: 20 }).notNull(),
    message: text("message").notNull(),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
  },
  (t) => [index("idx_status_page_incident_updates_incident").on(t.incidentId, t.createdAt.desc())],
);

/** Uptime monitors run by chosen servers' agents (migration 0021). */
export const monitors = pgTable(
  "monitors",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    check: jsonb("check").$type<MonitorCheck>().notNull(),
    intervalSeconds: integer("interval_seconds").notNull(),
    timeoutSeconds: integer("timeout_seconds").notNull(),
    serverIds: uuid("server_ids").array().notNull(),
    isActive: boolean("is_active").notNull().default(true),
    createdAt: tstz("created_at").notNull().default(sql`now()`),
    updatedAt: tstz("updated_at").notNull().default(sql`now()`),
  },
  (t) => [index("idx_monitors_org").on(t.orgId), index("idx_monitors_servers").using("gin", t.serverIds)],
);

export const monitorResults = pgTable(
  "monitor_results",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    monitorId: uuid("monitor_id")
      .notNull()
      .references(() => monitors.id, { onDelete: "cascade" }),
    serverId: uuid("server_id")
      .notNull()
      .references(() => servers.id, { onDelete: "cascade" }),
    checkedAt: tstz("checked_at").notNull(),
    isUp: boolean("is_up").notNull(),
    latencyMs: integer("latency_ms").notNull(),
    statusCode: integer("status_code"),
    errorMessage: text("error_message"),
    daysLeft: doublePrecision("days_left"),
  },
  (t) => [
    unique("monitor_results_monitor_id_server_id_checked_at_key").on(t.monitorId, t.serverId, t.checkedAt),
    index("idx_monitor_results_monitor_time").on(t.monitorId, t.checkedAt.desc()),
  ],
);

export const monitorResultRollups = pgTable(
  "monitor_result_rollups",
  {
    monitorId: uuid("monitor_id")
      .notNull()
      .references(() => monitors.id, { onDelete: "cascade" }),
    granularity: varchar("granularity", { length: 4 }).$type<"hour" | "day">().notNull(),
    bucket: tstz("bucket").notNull(),
    checks: integer("checks").notNull(),
    healthy: integer("healthy").notNull(),
    responseMsSum: doublePrecision("response_ms_sum").notNull(),
    responseMsMax: doublePrecision("response_ms_max").notNull(),
  },
  (t) => [primaryKey({ columns: [t.monitorId, t.granularity, t.bucket] })],
);
