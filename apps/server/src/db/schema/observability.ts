import type { AlertLabels, AlertSeverity } from "@syntra/contracts";
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { idColumn, jsonText, tstz } from "./columns";
import { alertStatus, alertType, issueSeverity, issueStatus } from "./enums";
import { organizations, users } from "./identity";
import { deployments, projects, servers, services } from "./infrastructure";

export const errorGroups = pgTable(
  "error_groups",
  {
    id: idColumn(),
    serviceId: uuid("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    fingerprint: varchar("fingerprint", { length: 64 }).notNull(),
    title: text("title").notNull(),
    exceptionType: varchar("exception_type", { length: 255 }),
    status: issueStatus("status").default("unresolved"),
    severity: issueSeverity("severity").default("medium"),
    firstSeenAt: tstz("first_seen_at").notNull(),
    lastSeenAt: tstz("last_seen_at").notNull(),
    eventCount: bigint("event_count", { mode: "number" }).default(1),
    userCount: integer("user_count").default(0),
    assignedTo: uuid("assigned_to").references(() => users.id),
    aiAnalysis: jsonb("ai_analysis"),
    aiAnalyzedAt: tstz("ai_analyzed_at"),
    resolvedAt: tstz("resolved_at"),
    createdAt: tstz("created_at").default(sql`now()`),
    // Migration 0014.
    culprit: text("culprit"),
    firstDeploymentId: uuid("first_deployment_id").references((): AnyPgColumn => deployments.id, {
      onDelete: "set null",
    }),
    lastDeploymentId: uuid("last_deployment_id").references((): AnyPgColumn => deployments.id, {
      onDelete: "set null",
    }),
    lastRelease: varchar("last_release", { length: 200 }),
    resolvedDeploymentId: uuid("resolved_deployment_id").references((): AnyPgColumn => deployments.id, {
      onDelete: "set null",
    }),
    resolvedRelease: varchar("resolved_release", { length: 200 }),
    regressedAt: tstz("regressed_at"),
    // Migration 0026: when the background analysis took the issue, and what came of it.
    aiAutoAt: tstz("ai_auto_at"),
    aiAutoOutcome: varchar("ai_auto_outcome", { length: 40 }),
  },
  (t) => [
    uniqueIndex("error_groups_service_id_fingerprint_key").on(t.serviceId, t.fingerprint),
    index("idx_error_groups_service_last_seen").on(t.serviceId, t.lastSeenAt.desc()),
    index("idx_error_groups_status").on(t.status),
    index("idx_error_groups_last_seen").on(t.lastSeenAt.desc()),
    index("idx_error_groups_ai_pending")
      .on(t.firstSeenAt.desc())
      .where(sql`ai_auto_at IS NULL AND ai_analysis IS NULL`),
  ],
);

export const errorEvents = pgTable(
  "error_events",
  {
    id: idColumn(),
    errorGroupId: uuid("error_group_id")
      .notNull()
      .references(() => errorGroups.id, { onDelete: "cascade" }),
    deploymentId: uuid("deployment_id").references(() => deployments.id),
    // NULL when the stack is stored once in error_stacks under stack_hash (migration 0032).
    stackTrace: jsonb("stack_trace"),
    // TEXT since migration 0033: only ever read whole.
    breadcrumbs: jsonText<unknown>("breadcrumbs"),
    context: jsonb("context"),
    environment: varchar("environment", { length: 64 }),
    release: varchar("release", { length: 200 }),
    userIdHash: varchar("user_id_hash", { length: 64 }),
    timestamp: tstz("timestamp").notNull(),
    createdAt: tstz("created_at").default(sql`now()`),
    // Migration 0014.
    exceptionType: varchar("exception_type", { length: 255 }),
    message: text("message"),
    level: varchar("level", { length: 10 }),
    handled: boolean("handled"),
    traceId: varchar("trace_id", { length: 32 }),
    spanId: varchar("span_id", { length: 16 }),
    // Migration 0032.
    stackHash: varchar("stack_hash", { length: 64 }),
  },
  (t) => [
    index("idx_error_events_group_time").on(t.errorGroupId, t.timestamp.desc(), t.id.desc()),
    // Migration 0016: a trace's errors.
    index("idx_error_events_trace").on(t.traceId).where(sql`trace_id IS NOT NULL`),
  ],
);

/**
 * The distinct stack traces of an issue, each stored once and named by its events' `stack_hash` (the SHA-256 of
 * its JSON): an issue's events nearly always repeat one stack (migration 0032).
 */
export const errorStacks = pgTable(
  "error_stacks",
  {
    errorGroupId: uuid("error_group_id")
      .notNull()
      .references(() => errorGroups.id, { onDelete: "cascade" }),
    hash: varchar("hash", { length: 64 }).notNull(),
    stackTrace: jsonb("stack_trace").notNull(),
  },
  (t) => [primaryKey({ columns: [t.errorGroupId, t.hash] })],
);

/** The distinct users of an issue, hashed; `error_groups.user_count` counts them (migration 0014). */
export const errorGroupUsers = pgTable(
  "error_group_users",
  {
    errorGroupId: uuid("error_group_id")
      .notNull()
      .references(() => errorGroups.id, { onDelete: "cascade" }),
    userHash: varchar("user_hash", { length: 64 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.errorGroupId, t.userHash] })],
);

export const healthChecks = pgTable(
  "health_checks",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    serviceId: uuid("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    statusCode: integer("status_code"),
    responseTimeMs: integer("response_time_ms").notNull(),
    isHealthy: boolean("is_healthy").notNull(),
    errorMessage: text("error_message"),
    checkedAt: tstz("checked_at").notNull().default(sql`now()`),
  },
  (t) => [
    index("idx_health_checks_service").on(t.serviceId, t.checkedAt.desc()),
    // Migration 0012: a resent telemetry batch inserts its health checks once.
    uniqueIndex("idx_health_checks_service_checked_at").on(t.serviceId, t.checkedAt),
  ],
);

/** Migration 0012: the latest telemetry pipeline report of each server's agent (counters since installation). */
export const serverTelemetryStats = pgTable("server_telemetry_stats", {
  serverId: uuid("server_id")
    .primaryKey()
    .references(() => servers.id, { onDelete: "cascade" }),
  receivedSpans: bigint("received_spans", { mode: "number" }).notNull().default(0),
  receivedLogRecords: bigint("received_log_records", { mode: "number" }).notNull().default(0),
  receivedMetricPoints: bigint("received_metric_points", { mode: "number" }).notNull().default(0),
  droppedSpans: bigint("dropped_spans", { mode: "number" }).notNull().default(0),
  droppedLogRecords: bigint("dropped_log_records", { mode: "number" }).notNull().default(0),
  droppedMetricPoints: bigint("dropped_metric_points", { mode: "number" }).notNull().default(0),
  droppedBytes: bigint("dropped_bytes", { mode: "number" }).notNull().default(0),
  sampledOutSpans: bigint("sampled_out_spans", { mode: "number" }).notNull().default(0),
  refusedRequests: bigint("refused_requests", { mode: "number" }).notNull().default(0),
  bufferedBytes: bigint("buffered_bytes", { mode: "number" }).notNull().default(0),
  bufferLimitBytes: bigint("buffer_limit_bytes", { mode: "number" }).notNull().default(0),
  oldestBufferedAt: tstz("oldest_buffered_at"),
  reportedAt: tstz("reported_at").notNull().default(sql`now()`),
});

export const alerts = pgTable(
  "alerts",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    serviceId: uuid("service_id").references(() => services.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    type: alertType("type").notNull(),
    condition: jsonb("condition").notNull(),
    channels: jsonb("channels").notNull(),
    isActive: boolean("is_active").default(true),
    createdAt: tstz("created_at").default(sql`now()`),
    updatedAt: tstz("updated_at").default(sql`now()`),
    // Migration 0017.
    description: text("description").notNull().default(""),
    severity: varchar("severity", { length: 10 }).$type<AlertSeverity>().notNull().default("warning"),
    forSeconds: integer("for_seconds").notNull().default(0),
    keepFiringSeconds: integer("keep_firing_seconds").notNull().default(0),
    repeatIntervalSeconds: integer("repeat_interval_seconds").notNull().default(14400),
    intervalSeconds: integer("interval_seconds").notNull().default(60),
    notifyOnResolve: boolean("notify_on_resolve").notNull().default(true),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    nextEvaluationAt: tstz("next_evaluation_at").notNull().default(sql`now()`),
    lastEvaluatedAt: tstz("last_evaluated_at"),
    lastError: text("last_error"),
  },
  (t) => [index("idx_alerts_org").on(t.orgId), index("idx_alerts_due").on(t.nextEvaluationAt)],
);

export const alertIncidents = pgTable(
  "alert_incidents",
  {
    id: idColumn(),
    alertId: uuid("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    status: alertStatus("status").default("firing"),
    message: text("message").notNull(),
    details: jsonb("details"),
    aiSummary: text("ai_summary"),
    firedAt: tstz("fired_at").notNull().default(sql`now()`),
    resolvedAt: tstz("resolved_at"),
    acknowledgedBy: uuid("acknowledged_by").references(() => users.id),
    acknowledgedAt: tstz("acknowledged_at"),
    // Migration 0017.
    groupKey: varchar("group_key", { length: 200 }).notNull().default(""),
    severity: varchar("severity", { length: 10 }).$type<AlertSeverity>().notNull().default("warning"),
    title: text("title").notNull().default(""),
    labels: jsonb("labels").$type<AlertLabels>().notNull().default({}),
    value: doublePrecision("value"),
    resolvedBy: uuid("resolved_by").references(() => users.id, { onDelete: "set null" }),
    lastActiveAt: tstz("last_active_at"),
    lastNotifiedAt: tstz("last_notified_at"),
    notificationCount: integer("notification_count").notNull().default(0),
    notifyPending: boolean("notify_pending").notNull().default(false),
    // Migration 0027: the AI summary (structured), when the summarizer took the incident and what came of it.
    aiSummaryDetails: jsonb("ai_summary_details"),
    aiSummaryAt: tstz("ai_summary_at"),
    aiSummaryOutcome: varchar("ai_summary_outcome", { length: 40 }),
  },
  (t) => [
    index("idx_alert_incidents_alert").on(t.alertId),
    index("idx_alert_incidents_status").on(t.status),
    uniqueIndex("idx_alert_incidents_open_group").on(t.alertId, t.groupKey),
    index("idx_alert_incidents_ai_pending").on(t.firedAt).where(sql`ai_summary_at IS NULL`),
    index("idx_alert_incidents_fired").on(t.firedAt.desc()),
  ],
);

/**
 * Host resources of heartbeats recorded before migration 0031 moved them to the telemetry store: kept until the
 * control plane has copied them there (telemetry/legacy-host-metrics.ts), which drops the table. Nothing else reads it.
 */
export const serverMetricsLegacy = pgTable(
  "server_metrics_legacy",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    serverId: uuid("server_id")
      .notNull()
      .references(() => servers.id, { onDelete: "cascade" }),
    recordedAt: tstz("recorded_at").notNull(),
    cpuPercent: doublePrecision("cpu_percent").notNull(),
    memoryUsedMb: doublePrecision("memory_used_mb").notNull(),
    memoryAvailableMb: doublePrecision("memory_available_mb").notNull(),
    diskUsedGb: doublePrecision("disk_used_gb").notNull(),
    diskAvailableGb: doublePrecision("disk_available_gb").notNull(),
    networkRxBytes: bigint("network_rx_bytes", { mode: "number" }).notNull(),
    networkTxBytes: bigint("network_tx_bytes", { mode: "number" }).notNull(),
  },
  (t) => [index("idx_server_metrics_server_time").on(t.serverId, t.recordedAt.desc())],
);
