import { z } from "zod";
import { isoTimestamp, uuid } from "../common";

/** Rolling uptime of a service: the share of its health checks that passed, in percent (null: no checks). */
export const uptimeWindows = z.object({
  "24h": z.number().min(0).max(100).nullable(),
  "7d": z.number().min(0).max(100).nullable(),
  "30d": z.number().min(0).max(100).nullable(),
  "90d": z.number().min(0).max(100).nullable(),
});
export type UptimeWindows = z.infer<typeof uptimeWindows>;

/** One point of a response-time chart: the checks of one hour (24h, 7d) or day (30d, 90d). */
export const uptimePoint = z.object({
  at: isoTimestamp,
  checks: z.number().int().nonnegative(),
  healthy: z.number().int().nonnegative(),
  avg_response_ms: z.number().nonnegative().nullable(),
  max_response_ms: z.number().nonnegative().nullable(),
});
export type UptimePoint = z.infer<typeof uptimePoint>;

/** GET /services/:id/uptime. */
export const serviceUptime = z.object({
  service_id: uuid,
  uptime: uptimeWindows,
  /** The latest check, null before the first. */
  latest: z
    .object({
      checked_at: isoTimestamp,
      is_healthy: z.boolean(),
      response_time_ms: z.number().nonnegative(),
      error: z.string().nullable(),
    })
    .nullable(),
  /** Failed checks in a row up to the latest. */
  consecutive_failures: z.number().int().nonnegative(),
  period: z.enum(["24h", "7d", "30d", "90d"]),
  points: z.array(uptimePoint),
});
export type ServiceUptime = z.infer<typeof serviceUptime>;

/** GET /services/:id/uptime query: the chart's period (hourly points up to 7 days, daily beyond). */
export const serviceUptimeQuery = z.strictObject({
  period: z.enum(["24h", "7d", "30d", "90d"]).default("24h"),
});

/** A status page's slug, its address `/status/<slug>`. */
export const statusPageSlug = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and dashes");

/** One component of a status page: a name shown to the public and the service whose health it reflects. */
export const statusPageComponent = z.object({
  id: uuid,
  name: z.string(),
  description: z.string(),
  service_id: uuid.nullable(),
  /** Or an uptime monitor whose results it reflects. */
  monitor_id: uuid.nullable(),
  position: z.number().int(),
});

const componentInput = z
  .strictObject({
    name: z.string().trim().min(1).max(255),
    description: z.string().max(1000).default(""),
    service_id: uuid.nullable().default(null),
    monitor_id: uuid.nullable().default(null),
  })
  .refine((c) => c.service_id === null || c.monitor_id === null, {
    message: "a service or a monitor, not both",
    path: ["monitor_id"],
  });

/** A public status page of an organization or a project. */
export const statusPage = z.object({
  id: uuid,
  org_id: uuid,
  project_id: uuid.nullable(),
  slug: statusPageSlug,
  title: z.string(),
  description: z.string(),
  is_public: z.boolean(),
  components: z.array(statusPageComponent),
  /** Where the public reads it. */
  url: z.string(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type StatusPage = z.infer<typeof statusPage>;

/** POST /status-pages. */
export const createStatusPageBody = z.strictObject({
  slug: statusPageSlug,
  title: z.string().trim().min(1).max(255),
  description: z.string().max(2000).default(""),
  project_id: uuid.nullable().default(null),
  is_public: z.boolean().default(true),
  components: z.array(componentInput).max(100).default([]),
});
export type CreateStatusPageBody = z.infer<typeof createStatusPageBody>;

/** PATCH /status-pages/:id; `components` replaces the list (components keep their id when their name is kept). */
export const updateStatusPageBody = z.strictObject({
  slug: statusPageSlug.optional(),
  title: z.string().trim().min(1).max(255).optional(),
  description: z.string().max(2000).optional(),
  is_public: z.boolean().optional(),
  components: z.array(componentInput).max(100).optional(),
});
export type UpdateStatusPageBody = z.infer<typeof updateStatusPageBody>;

/** Statuses of a status page incident (Statuspage's) and of scheduled maintenance. */
export const statusIncidentStatuses = [
  "investigating",
  "identified",
  "monitoring",
  "resolved",
  "scheduled",
  "in_progress",
  "completed",
] as const;
export const statusIncidentStatus = z.enum(statusIncidentStatuses);

/** One public update of a status page incident. */
export const statusIncidentUpdate = z.object({
  id: uuid,
  status: statusIncidentStatus,
  message: z.string(),
  created_at: isoTimestamp,
});

/** An incident or a scheduled maintenance shown on a status page, with its updates, newest first. */
export const statusPageIncident = z.object({
  id: uuid,
  page_id: uuid,
  kind: z.enum(["incident", "maintenance"]),
  title: z.string(),
  impact: z.enum(["none", "minor", "major", "critical"]),
  status: statusIncidentStatus,
  component_ids: z.array(uuid),
  /** The alert incident it was opened from, if any (never shown publicly). */
  alert_incident_id: uuid.nullable(),
  scheduled_start: isoTimestamp.nullable(),
  scheduled_end: isoTimestamp.nullable(),
  created_at: isoTimestamp,
  resolved_at: isoTimestamp.nullable(),
  updates: z.array(statusIncidentUpdate),
});
export type StatusPageIncident = z.infer<typeof statusPageIncident>;

/** POST /status-pages/:id/incidents: an incident (by hand or from an alert incident) or a scheduled maintenance. */
export const createStatusPageIncidentBody = z
  .strictObject({
    kind: z.enum(["incident", "maintenance"]).default("incident"),
    title: z.string().trim().min(1).max(255).optional(),
    impact: z.enum(["none", "minor", "major", "critical"]).default("minor"),
    status: statusIncidentStatus.optional(),
    message: z.string().trim().min(1).max(5000),
    component_ids: z.array(uuid).max(100).default([]),
    /** Open it from this alert incident: its title and the component of its service are taken when not given. */
    alert_incident_id: uuid.nullable().default(null),
    scheduled_start: isoTimestamp.optional(),
    scheduled_end: isoTimestamp.optional(),
  })
  .refine((b) => b.kind !== "maintenance" || (b.scheduled_start && b.scheduled_end), {
    message: "scheduled maintenance needs scheduled_start and scheduled_end",
    path: ["scheduled_start"],
  })
  .refine(
    (b) => !b.scheduled_start || !b.scheduled_end || Date.parse(b.scheduled_start) < Date.parse(b.scheduled_end),
    { message: "scheduled_end must be after scheduled_start", path: ["scheduled_end"] },
  )
  .refine((b) => b.title !== undefined || b.alert_incident_id !== null, {
    message: "a title, or the alert incident to take it from",
    path: ["title"],
  });
export type CreateStatusPageIncidentBody = z.infer<typeof createStatusPageIncidentBody>;

/** POST /status-pages/:id/incidents/:incidentId/updates. */
export const addStatusIncidentUpdateBody = z.strictObject({
  status: statusIncidentStatus,
  message: z.string().trim().min(1).max(5000),
});
