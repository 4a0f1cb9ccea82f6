import type { CreateMonitorBody, Monitor, MonitorSpec, UpdateMonitorBody } from "@syntra/contracts";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { monitorResults, monitors, projects, servers } from "../db/schema";
import { AppError, notFound } from "../errors";
import { MONITOR_RESULTS } from "../uptime/rollups";
import { uptimeOf } from "../uptime/uptime";

type MonitorRow = typeof monitors.$inferSelect;

const unprocessable = (path: string, message: string) => new AppError("UNPROCESSABLE", message, [{ path, message }]);

async function checkReferences(
  db: Db,
  orgId: string,
  input: { project_id?: string | null; server_ids?: string[] | undefined },
): Promise<void> {
  if (input.project_id) {
    const [p] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.id, input.project_id), eq(projects.orgId, orgId)));
    if (!p) throw unprocessable("body.project_id", "No such project in this organization");
  }
  if (input.server_ids) {
    const rows = await db
      .select({ id: servers.id })
      .from(servers)
      .where(and(eq(servers.orgId, orgId), inArray(servers.id, input.server_ids)));
    const known = new Set(rows.map((r) => r.id));
    const bad = input.server_ids.findIndex((id) => !known.has(id));
    if (bad >= 0) throw unprocessable(`body.server_ids.${bad}`, "No such server in this organization");
  }
}

/** Creates a monitor; its servers' agents are told by the caller (`pushMonitors`). */
export async function createMonitor(db: Db, orgId: string, body: CreateMonitorBody, now: Date): Promise<MonitorRow> {
  await checkReferences(db, orgId, body);
  const [row] = await db
    .insert(monitors)
    .values({
      orgId,
      projectId: body.project_id,
      name: body.name,
      check: body.check,
      intervalSeconds: body.interval_seconds,
      timeoutSeconds: body.timeout_seconds,
      serverIds: [...new Set(body.server_ids)],
      isActive: body.is_active,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** A monitor of the organization, or NOT_FOUND. */
export async function getMonitor(db: Db, orgId: string, monitorId: string): Promise<MonitorRow> {
  const [row] = await db
    .select()
    .from(monitors)
    .where(and(eq(monitors.id, monitorId), eq(monitors.orgId, orgId)));
  if (!row) throw notFound("Monitor");
  return row;
}

/** The organization's monitors. */
export async function listMonitors(db: Db, orgId: string): Promise<MonitorRow[]> {
  return db.select().from(monitors).where(eq(monitors.orgId, orgId)).orderBy(monitors.createdAt, monitors.id);
}

/** Changes a monitor; answers it and the servers that ran it before (they may have to stop). */
export async function updateMonitor(
  db: Db,
  orgId: string,
  monitorId: string,
  body: UpdateMonitorBody,
  now: Date,
): Promise<{ row: MonitorRow; before: string[] }> {
  const old = await getMonitor(db, orgId, monitorId);
  await checkReferences(db, orgId, body);
  const [row] = await db
    .update(monitors)
    .set({
      ...(body.name !== undefined && { name: body.name }),
      ...(body.check !== undefined && { check: body.check }),
      ...(body.interval_seconds !== undefined && { intervalSeconds: body.interval_seconds }),
      ...(body.timeout_seconds !== undefined && { timeoutSeconds: body.timeout_seconds }),
      ...(body.server_ids !== undefined && { serverIds: [...new Set(body.server_ids)] }),
      ...(body.is_active !== undefined && { isActive: body.is_active }),
      updatedAt: now,
    })
    .where(eq(monitors.id, old.id))
    .returning();
  if (!row) throw notFound("Monitor");
  return { row, before: old.serverIds };
}

/** Deletes a monitor; answers the servers that ran it. */
export async function deleteMonitor(db: Db, orgId: string, monitorId: string): Promise<string[]> {
  const row = await getMonitor(db, orgId, monitorId);
  await db.delete(monitors).where(eq(monitors.id, row.id));
  return row.serverIds;
}

/** The monitors each server's agent runs, as the agent receives them (one query for all the servers). */
export async function monitorsOfServers(db: Db, serverIds: readonly string[]): Promise<Map<string, MonitorSpec[]>> {
  const out = new Map<string, MonitorSpec[]>(serverIds.map((id) => [id, []]));
  if (serverIds.length === 0) return out;
  const rows = await db
    .select()
    .from(monitors)
    .where(
      and(
        eq(monitors.isActive, true),
        sql`${monitors.serverIds} && ARRAY[${sql.join(
          serverIds.map((id) => sql`${id}`),
          sql`, `,
        )}]::uuid[]`,
      ),
    );
  for (const m of rows) {
    const spec: MonitorSpec = {
      id: m.id,
      interval_seconds: m.intervalSeconds,
      timeout_seconds: m.timeoutSeconds,
      check: m.check,
    };
    for (const serverId of m.serverIds) out.get(serverId)?.push(spec);
  }
  return out;
}

/** Monitors as the API answers them, with their latest result and rolling uptime. */
export async function presentMonitors(db: Db, rows: MonitorRow[], now: Date): Promise<Monitor[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const uptime = await uptimeOf(db, ids, now, MONITOR_RESULTS);
  const latest = await db
    .selectDistinctOn([monitorResults.monitorId])
    .from(monitorResults)
    .where(inArray(monitorResults.monitorId, ids))
    .orderBy(monitorResults.monitorId, desc(monitorResults.checkedAt));
  const latestOf = new Map(latest.map((l) => [l.monitorId, l]));
  return rows.map((m) => {
    const l = latestOf.get(m.id);
    return {
      id: m.id,
      org_id: m.orgId,
      project_id: m.projectId,
      name: m.name,
      check: m.check,
      interval_seconds: m.intervalSeconds,
      timeout_seconds: m.timeoutSeconds,
      server_ids: m.serverIds,
      is_active: m.isActive,
      latest: l
        ? {
            checked_at: l.checkedAt.toISOString(),
            is_up: l.isUp,
            latency_ms: l.latencyMs,
            error: l.errorMessage,
            server_id: l.serverId,
          }
        : null,
      uptime: uptime.get(m.id) ?? { "24h": null, "7d": null, "30d": null, "90d": null },
      created_at: m.createdAt.toISOString(),
      updated_at: m.updatedAt.toISOString(),
    };
  });
}
