import type { AlertLabels, AlertSilence, CreateAlertSilenceBody } from "@syntra/contracts";
import { and, eq, gt, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { alertSilences, alerts, servers } from "../db/schema";
import { AppError, notFound } from "../errors";
import { resolveScope } from "./rules";

type SilenceRow = typeof alertSilences.$inferSelect;

/** True when the silence covers an incident of the rule with these labels (every matcher given must match). */
export function silenceMatches(s: SilenceRow, alertId: string, labels: AlertLabels): boolean {
  return (
    (s.alertId === null || s.alertId === alertId) &&
    (s.projectId === null || s.projectId === labels.project_id) &&
    (s.serviceId === null || s.serviceId === labels.service_id) &&
    (s.serverId === null || s.serverId === labels.server_id)
  );
}

/** The silences of the organizations active at `now`. */
export async function activeSilences(db: Db, orgId: string, now: Date): Promise<SilenceRow[]> {
  return db
    .select()
    .from(alertSilences)
    .where(and(eq(alertSilences.orgId, orgId), lte(alertSilences.startsAt, now), gt(alertSilences.endsAt, now)));
}

/** Creates a silence (from now when no start is given). */
export async function createSilence(
  db: Db,
  orgId: string,
  userId: string | null,
  body: CreateAlertSilenceBody,
  now: Date,
): Promise<SilenceRow> {
  const scope = await resolveScope(db, orgId, body);
  await checkOwned(db, alerts, orgId, body.alert_id, "body.alert_id", "No such alert rule in this organization");
  await checkOwned(db, servers, orgId, body.server_id, "body.server_id", "No such server in this organization");
  const [row] = await db
    .insert(alertSilences)
    .values({
      orgId,
      alertId: body.alert_id,
      projectId: scope.projectId,
      serviceId: scope.serviceId,
      serverId: body.server_id,
      kind: body.kind,
      comment: body.comment,
      startsAt: body.starts_at ? new Date(body.starts_at) : now,
      endsAt: new Date(body.ends_at),
      createdBy: userId,
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** Refuses an id (when given) that names no row of `table` in the organization: UNPROCESSABLE naming `path`. */
async function checkOwned(
  db: Db,
  table: typeof alerts | typeof servers,
  orgId: string,
  id: string | null | undefined,
  path: string,
  message: string,
): Promise<void> {
  if (!id) return;
  const [row] = await db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.id, id), eq(table.orgId, orgId)));
  if (!row) throw new AppError("UNPROCESSABLE", message, [{ path, message }]);
}

/** Current and future silences, or all of them. */
export async function listSilences(db: Db, orgId: string, all: boolean, now: Date): Promise<SilenceRow[]> {
  return db
    .select()
    .from(alertSilences)
    .where(and(eq(alertSilences.orgId, orgId), all ? undefined : gt(alertSilences.endsAt, now)))
    .orderBy(alertSilences.startsAt, alertSilences.id);
}

/** Ends a silence now (it stays listed with `all=true`). */
export async function expireSilence(db: Db, orgId: string, silenceId: string, now: Date): Promise<void> {
  const [row] = await db
    .update(alertSilences)
    .set({ endsAt: now })
    .where(and(eq(alertSilences.id, silenceId), eq(alertSilences.orgId, orgId)))
    .returning({ id: alertSilences.id });
  if (!row) throw notFound("Silence");
}

/** A silence as the API answers it. */
export function presentSilence(s: SilenceRow, now: Date): AlertSilence {
  return {
    id: s.id,
    org_id: s.orgId,
    alert_id: s.alertId,
    project_id: s.projectId,
    service_id: s.serviceId,
    server_id: s.serverId,
    kind: s.kind,
    comment: s.comment,
    starts_at: s.startsAt.toISOString(),
    ends_at: s.endsAt.toISOString(),
    created_by: s.createdBy,
    created_at: s.createdAt.toISOString(),
    active: s.startsAt <= now && s.endsAt > now,
  };
}
