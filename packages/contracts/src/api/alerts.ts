import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { aiIncidentSummary, anomalySignal } from "./ai";

/** Kinds of alert rules: the `alert_type` enum of spec 3.1 plus `event` (something happened: a new issue, a failed deploy ...). */
export const alertTypes = ["error_rate", "latency", "downtime", "anomaly", "custom", "event"] as const;
export const alertType = z.enum(alertTypes);
export type AlertType = z.infer<typeof alertType>;

/** How urgent a rule's incidents are; channels map it (PagerDuty severity, Slack colour). */
export const alertSeverities = ["critical", "warning", "info"] as const;
export const alertSeverity = z.enum(alertSeverities);
export type AlertSeverity = z.infer<typeof alertSeverity>;

/** Comparison of an observed value with a rule's threshold. */
export const alertOperator = z.enum([">", ">=", "<", "<="]);
export type AlertOperator = z.infer<typeof alertOperator>;

const windowSeconds = z
  .number()
  .int()
  .min(60)
  .max(86_400)
  .default(300)
  .describe("The window the value is computed over, ending at the evaluation, in seconds (60 to 86400)");

/**
 * `error_rate`: `events` counts the service's error events (issues' events) in the window; `failed_requests_percent`
 * is the share of its server spans (requests) with error status, when at least `min_requests` were served.
 */
export const errorRateCondition = z.strictObject({
  measure: z.enum(["events", "failed_requests_percent"]).default("events"),
  window_seconds: windowSeconds,
  operator: alertOperator.default(">"),
  threshold: z.number().min(0).max(1e12),
  min_requests: z.number().int().min(0).max(1e9).default(10),
});
export type ErrorRateCondition = z.infer<typeof errorRateCondition>;

/** `latency`: a percentile of the duration of the service's server spans (requests) over the window, in ms. */
export const latencyCondition = z.strictObject({
  percentile: z.enum(["p50", "p90", "p95", "p99"]).default("p95"),
  window_seconds: windowSeconds,
  operator: alertOperator.default(">"),
  threshold_ms: z.number().positive().max(1e9),
  /** Only spans of this operation (`GET /orders`); default every entry-point span. */
  operation: z.string().min(1).max(255).optional(),
  min_requests: z.number().int().min(0).max(1e9).default(5),
});
export type LatencyCondition = z.infer<typeof latencyCondition>;

/**
 * `downtime`: the service's health checks (and the uptime monitors named) failed this many times in a row (a
 * service with no running container counts as failing its checks). A service whose server is offline is inhibited:
 * the server-offline event says it once instead of one alert per service.
 */
export const downtimeCondition = z.strictObject({
  consecutive_failures: z.number().int().min(1).max(100).default(3),
  /** Uptime monitors watched too; with monitors named and no project or service scope, only the monitors. */
  monitor_ids: z.array(uuid).max(50).default([]),
});
export type DowntimeCondition = z.infer<typeof downtimeCondition>;

/**
 * `anomaly`: a service's signal departs from its learned baseline (the AI engine's detector: 7 days, hour-of-week
 * seasonality, median/MAD band, sustained 3 of 4 five-minute steps). Learning, and never firing, until a service has
 * 7 days of history. `sensitivity`: the band's width (low 4, medium 3, high 2 robust standard deviations).
 */
export const anomalyCondition = z.strictObject({
  signal: anomalySignal,
  sensitivity: z.enum(["low", "medium", "high"]).default("medium"),
  direction: z.enum(["up", "down", "both"]).default("up"),
});
export type AnomalyCondition = z.infer<typeof anomalyCondition>;

/** Server metrics a `custom` rule can watch (from the agents' heartbeats). */
export const serverMetricNames = ["cpu_percent", "memory_used_percent", "disk_used_percent"] as const;

/**
 * `custom`: any stored metric with an aggregation, an operator and a threshold. `service_metric`: a metric the
 * services send (OTLP, Prometheus), optionally narrowed by labels; `server_metric`: a server resource of the agents'
 * heartbeats (`cpu_percent`, `memory_used_percent`, `disk_used_percent`) of the servers running the scope's services.
 */
export const customCondition = z.strictObject({
  source: z.enum(["service_metric", "server_metric"]).default("service_metric"),
  metric: z.string().min(1).max(255),
  labels: z.record(z.string().max(255), z.string().max(1024)).default({}),
  aggregation: z.enum(["avg", "min", "max", "sum", "count", "last"]).default("avg"),
  window_seconds: windowSeconds,
  operator: alertOperator.default(">"),
  threshold: z.number().min(-1e15).max(1e15),
});
export type CustomCondition = z.infer<typeof customCondition>;

/** Things that happen, each of which an `event` rule can alert on. */
export const alertEventKinds = [
  /** A new issue (an error never seen before in the service). */
  "issue_new",
  /** A resolved issue came back in a later deployment. */
  "issue_regressed",
  /** A deployment failed or was rolled back; resolved by the service's next running deployment. */
  "deployment_failed",
  /** A domain's certificate expires within `certificate_days`. */
  "certificate_expiring",
  /** A domain's certificate could not be obtained. */
  "certificate_failed",
  /** A server's agent stopped answering. */
  "server_offline",
  /** An agent reported its server's disk or memory nearly exhausted. */
  "resource_critical",
  /** An agent reported a container restarting in a loop. */
  "container_crash",
] as const;
export const alertEventKind = z.enum(alertEventKinds);
export type AlertEventKind = z.infer<typeof alertEventKind>;

/** `event`: alert when one of these happens within the rule's scope. */
export const eventCondition = z.strictObject({
  events: z.array(alertEventKind).min(1).max(alertEventKinds.length),
  certificate_days: z.number().int().min(1).max(90).default(14),
});
export type EventCondition = z.infer<typeof eventCondition>;

/** The condition schema of each rule type. */
export const alertConditions = {
  error_rate: errorRateCondition,
  latency: latencyCondition,
  downtime: downtimeCondition,
  anomaly: anomalyCondition,
  custom: customCondition,
  event: eventCondition,
} as const satisfies Record<AlertType, z.ZodType>;

/** A rule's condition, whichever its type. */
export type AlertCondition = z.infer<(typeof alertConditions)[AlertType]>;

/** Settings every rule has, whatever its type (create bodies; all optional in PATCH). */
const ruleFields = {
  name: z.string().trim().min(1).max(255),
  description: z.string().max(2000).default(""),
  /** Scope: the whole organization (both null), a project, or one service (its project is implied). */
  project_id: uuid.nullable().default(null),
  service_id: uuid.nullable().default(null),
  severity: alertSeverity.default("warning"),
  /** Pending period: the condition must hold this long before the incident fires (a blip fires nothing). */
  for_seconds: z.number().int().min(0).max(86_400).default(0),
  /** Keep firing this long after the condition stops holding (a flapping signal does not resolve and re-fire). */
  keep_firing_seconds: z.number().int().min(0).max(86_400).default(0),
  /** Remind at this interval while an incident fires unacknowledged; 0: never. */
  repeat_interval_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .refine((s) => s === 0 || s >= 60, "0 (no reminders) or at least 60")
    .default(4 * 3600),
  /** How often the rule is evaluated, in seconds. */
  interval_seconds: z.number().int().min(10).max(3600).default(60),
  notify_on_resolve: z.boolean().default(true),
  channel_ids: z.array(uuid).max(20).default([]),
  is_active: z.boolean().default(true),
};

const createRule = <T extends AlertType>(type: T) =>
  z.strictObject({ ...ruleFields, type: z.literal(type), condition: alertConditions[type] });

/**
 * POST /alerts: a rule of one type with that type's `condition` (documented per type in this union).
 */
export const createAlertRuleBody = z.discriminatedUnion("type", [
  createRule("error_rate"),
  createRule("latency"),
  createRule("downtime"),
  createRule("anomaly"),
  createRule("custom"),
  createRule("event"),
]);
export type CreateAlertRuleBody = z.infer<typeof createAlertRuleBody>;

/** PATCH /alerts/:id: any setting; `condition` replaces the whole condition and must fit the rule's type. */
export const updateAlertRuleBody = z.strictObject({
  name: ruleFields.name.optional(),
  description: z.string().max(2000).optional(),
  severity: alertSeverity.optional(),
  for_seconds: ruleFields.for_seconds.unwrap().optional(),
  keep_firing_seconds: ruleFields.keep_firing_seconds.unwrap().optional(),
  repeat_interval_seconds: ruleFields.repeat_interval_seconds.unwrap().optional(),
  interval_seconds: ruleFields.interval_seconds.unwrap().optional(),
  notify_on_resolve: z.boolean().optional(),
  channel_ids: z.array(uuid).max(20).optional(),
  is_active: z.boolean().optional(),
  condition: z.record(z.string(), z.unknown()).optional(),
});
export type UpdateAlertRuleBody = z.infer<typeof updateAlertRuleBody>;

/** An alert rule as the API answers it, with its live state. */
export const alertRule = z.object({
  id: uuid,
  org_id: uuid,
  name: z.string(),
  description: z.string(),
  type: alertType,
  condition: z.record(z.string(), z.unknown()),
  project_id: uuid.nullable(),
  service_id: uuid.nullable(),
  severity: alertSeverity,
  for_seconds: z.number().int(),
  keep_firing_seconds: z.number().int(),
  repeat_interval_seconds: z.number().int(),
  interval_seconds: z.number().int(),
  notify_on_resolve: z.boolean(),
  channel_ids: z.array(uuid),
  is_active: z.boolean(),
  /** Incidents of the rule not resolved yet, and groups whose condition holds but is still in its pending period. */
  firing: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
  last_evaluated_at: isoTimestamp.nullable(),
  /** Why the last evaluation failed (a store that did not answer), null when it worked. */
  last_error: z.string().nullable(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type AlertRule = z.infer<typeof alertRule>;

/** GET /alerts filters. */
export const listAlertRulesQuery = z.strictObject({
  project_id: uuid.optional(),
  service_id: uuid.optional(),
  type: alertType.optional(),
});

/** Lifecycle of an incident (the `alert_status` enum). */
export const alertIncidentStatus = z.enum(["firing", "acknowledged", "resolved"]);
export type AlertIncidentStatus = z.infer<typeof alertIncidentStatus>;

/** What an incident is about, for display and routing: the service, project, server, issue ... it concerns. */
export const alertLabels = z.object({
  project_id: uuid.optional(),
  service_id: uuid.optional(),
  server_id: uuid.optional(),
  monitor_id: uuid.optional(),
  monitor_name: z.string().optional(),
  issue_id: uuid.optional(),
  deployment_id: uuid.optional(),
  domain: z.string().optional(),
  service_name: z.string().optional(),
  project_name: z.string().optional(),
  server_name: z.string().optional(),
});
export type AlertLabels = z.infer<typeof alertLabels>;

/** One incident: a rule's condition held for one grouping key (a service, a server, an issue ...). */
export const alertIncident = z.object({
  id: uuid,
  alert_id: uuid,
  rule_name: z.string(),
  rule_type: alertType,
  severity: alertSeverity,
  status: alertIncidentStatus,
  /** What the incident is grouped by (`service:<id>`, `server:<id>`, `issue:<id>` ...): one open incident per key. */
  group_key: z.string(),
  title: z.string(),
  message: z.string(),
  labels: alertLabels,
  /** The observed value when it fired or was last evaluated (events: null). */
  value: z.number().nullable(),
  details: z.record(z.string(), z.unknown()),
  fired_at: isoTimestamp,
  acknowledged_at: isoTimestamp.nullable(),
  acknowledged_by: uuid.nullable(),
  resolved_at: isoTimestamp.nullable(),
  /** Who resolved it by hand; null when the condition cleared (or it is not resolved). */
  resolved_by: uuid.nullable(),
  last_notified_at: isoTimestamp.nullable(),
  notification_count: z.number().int().nonnegative(),
  /** A silence or maintenance window matches it now: it is recorded, but nobody is notified. */
  silenced: z.boolean(),
  /** What is happening and the likely cause, written after the firing notification went out; null until then. */
  ai_summary: aiIncidentSummary.nullable(),
  /** What the summarizer made of it: `summarized`, `budget_exceeded`, `failed:<code>`; null while not taken. */
  ai_summary_outcome: z.string().nullable(),
});
export type AlertIncident = z.infer<typeof alertIncident>;

/** GET /alert-incidents filters. */
export const listAlertIncidentsQuery = z.strictObject({
  status: z.enum(["open", "firing", "acknowledged", "resolved"]).optional(),
  alert_id: uuid.optional(),
  project_id: uuid.optional(),
  service_id: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** A silence: no notifications for matching incidents between `starts_at` and `ends_at` (Alertmanager's silences). */
export const alertSilence = z.object({
  id: uuid,
  org_id: uuid,
  /** Matchers: every one given must match; none given silences the whole organization. */
  alert_id: uuid.nullable(),
  project_id: uuid.nullable(),
  service_id: uuid.nullable(),
  server_id: uuid.nullable(),
  /** `maintenance`: a planned window (also shown on status pages that list the services); `silence`: ad hoc. */
  kind: z.enum(["silence", "maintenance"]),
  comment: z.string(),
  starts_at: isoTimestamp,
  ends_at: isoTimestamp,
  created_by: uuid.nullable(),
  created_at: isoTimestamp,
  active: z.boolean(),
});
export type AlertSilence = z.infer<typeof alertSilence>;

/** POST /alert-silences. */
export const createAlertSilenceBody = z
  .strictObject({
    alert_id: uuid.nullable().default(null),
    project_id: uuid.nullable().default(null),
    service_id: uuid.nullable().default(null),
    server_id: uuid.nullable().default(null),
    kind: z.enum(["silence", "maintenance"]).default("silence"),
    comment: z.string().max(2000).default(""),
    starts_at: isoTimestamp.optional(),
    ends_at: isoTimestamp,
  })
  .refine((s) => s.starts_at === undefined || Date.parse(s.starts_at) < Date.parse(s.ends_at), {
    message: "ends_at must be after starts_at",
    path: ["ends_at"],
  });
export type CreateAlertSilenceBody = z.infer<typeof createAlertSilenceBody>;

/** GET /alert-silences: current and future ones by default, `all=true` for expired ones too. */
export const listAlertSilencesQuery = z.strictObject({
  all: z.enum(["true", "false"]).default("false"),
});
