import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { monitorCheck } from "../ws/monitors";
import { uptimePoint, uptimeWindows } from "./status-pages";

/** An uptime monitor: a check run from the chosen servers' agents, with its latest result and rolling uptime. */
export const monitor = z.object({
  id: uuid,
  org_id: uuid,
  project_id: uuid.nullable(),
  name: z.string(),
  check: monitorCheck,
  interval_seconds: z.number().int(),
  timeout_seconds: z.number().int(),
  /** The servers whose agents run it (each checks from its own network). */
  server_ids: z.array(uuid),
  is_active: z.boolean(),
  latest: z
    .object({
      checked_at: isoTimestamp,
      is_up: z.boolean(),
      latency_ms: z.number(),
      error: z.string().nullable(),
      server_id: uuid,
    })
    .nullable(),
  uptime: uptimeWindows,
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type Monitor = z.infer<typeof monitor>;

/** POST /monitors. */
export const createMonitorBody = z.strictObject({
  name: z.string().trim().min(1).max(255),
  project_id: uuid.nullable().default(null),
  check: monitorCheck,
  interval_seconds: z.number().int().min(10).max(86_400).default(60),
  timeout_seconds: z.number().int().min(1).max(120).default(10),
  server_ids: z.array(uuid).min(1).max(20),
  is_active: z.boolean().default(true),
});
export type CreateMonitorBody = z.infer<typeof createMonitorBody>;

/** PATCH /monitors/:id: `check` replaces the whole check. */
export const updateMonitorBody = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  check: monitorCheck.optional(),
  interval_seconds: z.number().int().min(10).max(86_400).optional(),
  timeout_seconds: z.number().int().min(1).max(120).optional(),
  server_ids: z.array(uuid).min(1).max(20).optional(),
  is_active: z.boolean().optional(),
});
export type UpdateMonitorBody = z.infer<typeof updateMonitorBody>;

/** GET /monitors/:id/uptime: uptime windows and response-time points of a period. */
export const monitorUptime = z.object({
  monitor_id: uuid,
  uptime: uptimeWindows,
  period: z.enum(["24h", "7d", "30d", "90d"]),
  points: z.array(uptimePoint),
});
