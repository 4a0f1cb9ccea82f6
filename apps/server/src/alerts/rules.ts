import {
  type AlertRule,
  type AlertType,
  alertConditions,
  type CreateAlertRuleBody,
  type UpdateAlertRuleBody,
} from "@syntra/contracts";
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { alertIncidents, alertPending, alerts, projects, services } from "../db/schema";
import { AppError, notFound } from "../errors";
import { parseInput } from "../http/validation";
import { checkChannelIds } from "./channels";

type RuleRow = typeof alerts.$inferSelect;

/**
 * A rule's (or silence's) scope as stored: the project of a service-scoped one is set too. A service or project of
 * another organization, or none, is UNPROCESSABLE naming the field.
 */
export async function resolveScope(
  db: Db,
  orgId: string,
  scope: { project_id: string | null; service_id: string | null },
): Promise<{ projectId: string | null; serviceId: string | null }> {
  if (scope.service_id) {
    const [row] = await db
      .select({ projectId: services.projectId })
      .from(services)
      .innerJoin(projects, eq(projects.id, services.projectId))
      .where(and(eq(services.id, scope.service_id), eq(projects.orgId, orgId)));
    if (!row) throw unprocessable("body.service_id", "No such service in this organization");
    if (scope.project_id && scope.project_id !== row.projectId) {
      throw unprocessable("body.project_id", "The service is not in this project");
    }
    return { projectId: row.projectId, serviceId: scope.service_id };
  }
  if (scope.project_id) {
    const [row] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.id, scope.project_id), eq(projects.orgId, orgId)));
    if (!row) throw unprocessable("body.project_id", "No such project in this organization");
    return { projectId: row.id, serviceId: null };
  }
  return { projectId: null, serviceId: null };
}

const unprocessable = (path: string, message: string) => new AppError("UNPROCESSABLE", message, [{ path, message }]);

/** Creates a rule; it is due for evaluation at once. */
export async function createRule(
  db: Db,
  orgId: string,
  userId: string | null,
  body: CreateAlertRuleBody,
  now: Date,
): Promise<RuleRow> {
  const scope = await resolveScope(db, orgId, body);
  await checkChannelIds(db, orgId, body.channel_ids);
  const [row] = await db
    .insert(alerts)
    .values({
      orgId,
      projectId: scope.projectId,
      serviceId: scope.serviceId,
      name: body.name,
      description: body.description,
      type: body.type,
      condition: body.condition,
      channels: body.channel_ids,
      isActive: body.is_active,
      severity: body.severity,
      forSeconds: body.for_seconds,
      keepFiringSeconds: body.keep_firing_seconds,
      repeatIntervalSeconds: body.repeat_interval_seconds,
      intervalSeconds: body.interval_seconds,
      notifyOnResolve: body.notify_on_resolve,
      createdBy: userId,
      nextEvaluationAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/** A rule of the organization, or NOT_FOUND. */
export async function getRule(db: Db, orgId: string, alertId: string): Promise<RuleRow> {
  const [row] = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.id, alertId), eq(alerts.orgId, orgId)));
  if (!row) throw notFound("Alert rule");
  return row;
}

/** The organization's rules, filtered; oldest first. */
export async function listRules(
  db: Db,
  orgId: string,
  query: { project_id?: string | undefined; service_id?: string | undefined; type?: AlertType | undefined },
): Promise<RuleRow[]> {
  return db
    .select()
    .from(alerts)
    .where(
      and(
        eq(alerts.orgId, orgId),
        query.project_id ? eq(alerts.projectId, query.project_id) : undefined,
        query.service_id ? eq(alerts.serviceId, query.service_id) : undefined,
        query.type ? eq(alerts.type, query.type) : undefined,
      ),
    )
    .orderBy(alerts.createdAt, alerts.id);
}

/** Changes a rule. A new condition must fit the rule's type; a changed rule is evaluated again at once. */
export async function updateRule(
  db: Db,
  orgId: string,
  alertId: string,
  body: UpdateAlertRuleBody,
  now: Date,
): Promise<RuleRow> {
  const row = await getRule(db, orgId, alertId);
  if (body.channel_ids) await checkChannelIds(db, orgId, body.channel_ids);
  const condition =
    body.condition === undefined ? undefined : parseInput(alertConditions[row.type], body.condition, "body.condition");
  const [updated] = await db
    .update(alerts)
    .set({
      ...(body.name !== undefined && { name: body.name }),
      ...(body.description !== undefined && { description: body.description }),
      ...(body.severity !== undefined && { severity: body.severity }),
      ...(body.for_seconds !== undefined && { forSeconds: body.for_seconds }),
      ...(body.keep_firing_seconds !== undefined && { keepFiringSeconds: body.keep_firing_seconds }),
      ...(body.repeat_interval_seconds !== undefined && { repeatIntervalSeconds: body.repeat_interval_seconds }),
      ...(body.interval_seconds !== undefined && { intervalSeconds: body.interval_seconds }),
      ...(body.notify_on_resolve !== undefined && { notifyOnResolve: body.notify_on_resolve }),
      ...(body.channel_ids !== undefined && { channels: body.channel_ids }),
      ...(body.is_active !== undefined && { isActive: body.is_active }),
      ...(condition !== undefined && { condition }),
      nextEvaluationAt: now,
      updatedAt: now,
    })
    .where(eq(alerts.id, row.id))
    .returning();
  if (!updated) throw notFound("Alert rule");
  return updated;
}

/** Deletes a rule with its incidents (and their queued notifications). */
export async function deleteRule(db: Db, orgId: string, alertId: string): Promise<void> {
  const row = await getRule(db, orgId, alertId);
  await db.delete(alerts).where(eq(alerts.id, row.id));
}

/** Rules as the API answers them, with their firing and pending counts. */
export async function presentRules(db: Db, rows: RuleRow[]): Promise<AlertRule[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const firing = await db
    .select({ alertId: alertIncidents.alertId, n: sql<number>`count(*)::int` })
    .from(alertIncidents)
    .where(and(inArray(alertIncidents.alertId, ids), ne(alertIncidents.status, "resolved")))
    .groupBy(alertIncidents.alertId);
  const pending = await db
    .select({ alertId: alertPending.alertId, n: sql<number>`count(*)::int` })
    .from(alertPending)
    .where(inArray(alertPending.alertId, ids))
    .groupBy(alertPending.alertId);
  const firingOf = new Map(firing.map((f) => [f.alertId, Number(f.n)]));
  const pendingOf = new Map(pending.map((p) => [p.alertId, Number(p.n)]));
  return rows.map((r) => ({
    id: r.id,
    org_id: r.orgId,
    name: r.name,
    description: r.description,
    type: r.type,
    condition: r.condition as Record<string, unknown>,
    project_id: r.projectId,
    service_id: r.serviceId,
    severity: r.severity,
    for_seconds: r.forSeconds,
    keep_firing_seconds: r.keepFiringSeconds,
    repeat_interval_seconds: r.repeatIntervalSeconds,
    interval_seconds: r.intervalSeconds,
    notify_on_resolve: r.notifyOnResolve,
    channel_ids: (r.channels as string[]) ?? [],
    is_active: r.isActive ?? true,
    firing: firingOf.get(r.id) ?? 0,
    pending: pendingOf.get(r.id) ?? 0,
    last_evaluated_at: r.lastEvaluatedAt?.toISOString() ?? null,
    last_error: r.lastError,
    created_at: (r.createdAt ?? new Date(0)).toISOString(),
    updated_at: (r.updatedAt ?? new Date(0)).toISOString(),
  }));
}
