import {
  type AIIncidentSummary,
  type AlertIncident,
  type AlertLabels,
  aiIncidentSummary,
  type NotificationKind,
} from "@syntra/contracts";
import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { alertIncidents, alertPending, alerts, organizations, users } from "../db/schema";
import { AppError, notFound } from "../errors";
import { enqueueNotification } from "./deliveries";
import type { GroupResult, RuleRow } from "./evaluate/types";
import type { Notification } from "./notifiers/types";
import { type activeSilences, silenceMatches } from "./silences";

type IncidentRow = typeof alertIncidents.$inferSelect;
type SilenceRow = Awaited<ReturnType<typeof activeSilences>>[number];

/** What applying results needs besides the rule: the active silences, the organization's name, links' base. */
export interface ApplyContext {
  silences: SilenceRow[];
  orgName: string;
  publicUrl: string;
}

/** What one evaluation changed. */
export interface ApplyOutcome {
  fired: number;
  resolved: number;
  reminded: number;
}

/** The notification of an incident, as channels receive it. */
export function notificationOf(
  kind: NotificationKind,
  rule: Pick<RuleRow, "id" | "name" | "type">,
  incident: IncidentRow,
  ctx: { orgName: string; publicUrl: string; actor?: string | null },
): Notification {
  return {
    kind,
    incident_id: incident.id,
    org_name: ctx.orgName,
    rule: { id: rule.id, name: rule.name, type: rule.type },
    severity: incident.severity,
    title: incident.title,
    message: incident.message,
    labels: incident.labels,
    value: incident.value,
    fired_at: incident.firedAt.toISOString(),
    resolved_at: incident.resolvedAt?.toISOString() ?? null,
    actor: ctx.actor ?? null,
    url: `${ctx.publicUrl}/alerts/incidents/${incident.id}`,
    ai_summary: incident.aiSummary ?? null,
  };
}

const channelsOf = (rule: RuleRow) => (rule.channels as string[] | null) ?? [];

/**
 * Applies one evaluation of a rule: groups whose condition holds fire after the pending period (`for`), once per
 * grouping key while open; groups that stop holding resolve after the keep-firing period; firing incidents are
 * reminded every `repeat_interval_seconds` until acknowledged. Silenced incidents are recorded but notify nobody; their
 * firing notification is owed and sent when the silence ends while they still fire. One transaction per rule: the
 * incidents and their queued notifications are stored together or not at all.
 */
export async function applyResults(
  db: Db,
  rule: RuleRow,
  results: GroupResult[],
  now: Date,
  ctx: ApplyContext,
): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { fired: 0, resolved: 0, reminded: 0 };
  const silenced = (labels: AlertLabels) => ctx.silences.some((s) => silenceMatches(s, rule.id, labels));
  await db.transaction(async (tx) => {
    const open = await tx
      .select()
      .from(alertIncidents)
      .where(and(eq(alertIncidents.alertId, rule.id), ne(alertIncidents.status, "resolved")));
    const pending = await tx.select().from(alertPending).where(eq(alertPending.alertId, rule.id));
    const openByKey = new Map(open.map((i) => [i.groupKey, i]));
    const pendingByKey = new Map(pending.map((p) => [p.groupKey, p]));
    const seen = new Set<string>();
    const stillOpen: IncidentRow[] = [];
    const notify = async (kind: NotificationKind, incident: IncidentRow) =>
      enqueueNotification(tx, {
        orgId: rule.orgId,
        channelIds: channelsOf(rule),
        incidentId: incident.id,
        notification: notificationOf(kind, rule, incident, ctx),
        now,
      });
    const dropPending = async (key: string) => {
      if (!pendingByKey.has(key)) return;
      await tx.delete(alertPending).where(and(eq(alertPending.alertId, rule.id), eq(alertPending.groupKey, key)));
    };
    const maybeResolve = async (incident: IncidentRow) => {
      const lastActive = (incident.lastActiveAt ?? incident.firedAt).getTime();
      if (now.getTime() - lastActive < rule.keepFiringSeconds * 1000) {
        stillOpen.push(incident);
        return;
      }
      const [resolved] = await tx
        .update(alertIncidents)
        .set({ status: "resolved", resolvedAt: now, resolvedBy: null })
        .where(and(eq(alertIncidents.id, incident.id), ne(alertIncidents.status, "resolved")))
        .returning();
      if (!resolved) return;
      outcome.resolved++;
      if (rule.notifyOnResolve && incident.notificationCount > 0 && !silenced(incident.labels)) {
        await notify("resolved", resolved);
      }
    };

    for (const g of results) {
      seen.add(g.key);
      const incident = openByKey.get(g.key);
      if (g.inhibited) {
        await dropPending(g.key);
        if (incident) stillOpen.push(incident);
        continue;
      }
      if (!g.active) {
        await dropPending(g.key);
        if (incident) await maybeResolve(incident);
        continue;
      }
      if (incident) {
        const [updated] = await tx
          .update(alertIncidents)
          .set({ lastActiveAt: now, value: g.value, message: g.message, details: g.details ?? {} })
          .where(eq(alertIncidents.id, incident.id))
          .returning();
        stillOpen.push(updated ?? incident);
        continue;
      }
      const since = pendingByKey.get(g.key)?.since ?? now;
      if (now.getTime() - since.getTime() < rule.forSeconds * 1000) {
        if (!pendingByKey.has(g.key))
          await tx.insert(alertPending).values({ alertId: rule.id, groupKey: g.key, since: now });
        continue;
      }
      await dropPending(g.key);
      const quiet = silenced(g.labels);
      const [created] = await tx
        .insert(alertIncidents)
        .values({
          alertId: rule.id,
          status: "firing",
          groupKey: g.key,
          severity: rule.severity,
          title: g.title,
          message: g.message,
          labels: g.labels,
          value: g.value,
          details: g.details ?? {},
          firedAt: now,
          lastActiveAt: now,
          notifyPending: quiet,
          notificationCount: quiet ? 0 : 1,
          lastNotifiedAt: quiet ? null : now,
        })
        .onConflictDoNothing()
        .returning();
      if (!created) continue; // another evaluation opened it first
      outcome.fired++;
      if (!quiet) await notify("firing", created);
    }
    for (const incident of open) if (!seen.has(incident.groupKey)) await maybeResolve(incident);
    for (const p of pending) if (!seen.has(p.groupKey)) await dropPending(p.groupKey);

    for (const incident of stillOpen) {
      if (incident.status !== "firing" || silenced(incident.labels)) continue;
      const owed = incident.notifyPending;
      const due =
        rule.repeatIntervalSeconds > 0 &&
        incident.lastNotifiedAt !== null &&
        now.getTime() - incident.lastNotifiedAt.getTime() >= rule.repeatIntervalSeconds * 1000;
      if (!owed && !due) continue;
      const [updated] = await tx
        .update(alertIncidents)
        .set({
          notifyPending: false,
          lastNotifiedAt: now,
          notificationCount: sql`${alertIncidents.notificationCount} + 1`,
        })
        .where(eq(alertIncidents.id, incident.id))
        .returning();
      if (!updated) continue;
      outcome.reminded++;
      await notify(owed ? "firing" : "reminder", updated);
    }
  });
  return outcome;
}

/** An incident of the organization with its rule, or NOT_FOUND. */
async function incidentWithRule(db: Db, orgId: string, incidentId: string) {
  const [row] = await db
    .select({ incident: alertIncidents, rule: alerts })
    .from(alertIncidents)
    .innerJoin(alerts, eq(alerts.id, alertIncidents.alertId))
    .where(and(eq(alertIncidents.id, incidentId), eq(alerts.orgId, orgId)));
  if (!row) throw notFound("Incident");
  return row;
}

async function actorContext(db: Db, orgId: string, userId: string, publicUrl: string) {
  const [org] = await db.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, orgId));
  const [user] = await db.select({ name: users.name, email: users.email }).from(users).where(eq(users.id, userId));
  return { orgName: org?.name ?? "", publicUrl, actor: user?.name || user?.email || null };
}

/** Acknowledges a firing incident: reminders stop; channels that heard it fire hear who took it. */
export async function acknowledgeIncident(
  db: Db,
  input: { orgId: string; incidentId: string; userId: string; publicUrl: string; now: Date },
): Promise<IncidentRow> {
  const { incident, rule } = await incidentWithRule(db, input.orgId, input.incidentId);
  if (incident.status !== "firing") throw new AppError("CONFLICT", `The incident is ${incident.status} already`);
  const ctx = await actorContext(db, input.orgId, input.userId, input.publicUrl);
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(alertIncidents)
      .set({ status: "acknowledged", acknowledgedBy: input.userId, acknowledgedAt: input.now })
      .where(and(eq(alertIncidents.id, incident.id), eq(alertIncidents.status, "firing")))
      .returning();
    if (!updated) throw new AppError("CONFLICT", "The incident changed meanwhile");
    if (updated.notificationCount > 0) {
      await enqueueNotification(tx, {
        orgId: input.orgId,
        channelIds: channelsOf(rule),
        incidentId: updated.id,
        notification: notificationOf("acknowledged", rule, updated, ctx),
        now: input.now,
      });
    }
    return updated;
  });
}

/** Resolves an incident by hand; it fires again at a later evaluation if its condition still holds. */
export async function resolveIncident(
  db: Db,
  input: { orgId: string; incidentId: string; userId: string; publicUrl: string; now: Date },
): Promise<IncidentRow> {
  const { incident, rule } = await incidentWithRule(db, input.orgId, input.incidentId);
  if (incident.status === "resolved") throw new AppError("CONFLICT", "The incident is resolved already");
  const ctx = await actorContext(db, input.orgId, input.userId, input.publicUrl);
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(alertIncidents)
      .set({ status: "resolved", resolvedAt: input.now, resolvedBy: input.userId })
      .where(and(eq(alertIncidents.id, incident.id), ne(alertIncidents.status, "resolved")))
      .returning();
    if (!updated) throw new AppError("CONFLICT", "The incident changed meanwhile");
    if (updated.notificationCount > 0 && rule.notifyOnResolve) {
      await enqueueNotification(tx, {
        orgId: input.orgId,
        channelIds: channelsOf(rule),
        incidentId: updated.id,
        notification: notificationOf("resolved", rule, updated, ctx),
        now: input.now,
      });
    }
    return updated;
  });
}

/** Incidents of the organization, newest first. */
export async function listIncidents(
  db: Db,
  orgId: string,
  q: {
    status?: "open" | "firing" | "acknowledged" | "resolved" | undefined;
    alert_id?: string | undefined;
    project_id?: string | undefined;
    service_id?: string | undefined;
    limit: number;
  },
): Promise<Array<{ incident: IncidentRow; rule: RuleRow }>> {
  const status =
    q.status === undefined
      ? undefined
      : q.status === "open"
        ? inArray(alertIncidents.status, ["firing", "acknowledged"])
        : eq(alertIncidents.status, q.status);
  return db
    .select({ incident: alertIncidents, rule: alerts })
    .from(alertIncidents)
    .innerJoin(alerts, eq(alerts.id, alertIncidents.alertId))
    .where(
      and(
        eq(alerts.orgId, orgId),
        status,
        q.alert_id ? eq(alertIncidents.alertId, q.alert_id) : undefined,
        q.project_id ? sql`${alertIncidents.labels}->>'project_id' = ${q.project_id}` : undefined,
        q.service_id ? sql`${alertIncidents.labels}->>'service_id' = ${q.service_id}` : undefined,
      ),
    )
    .orderBy(desc(alertIncidents.firedAt), desc(alertIncidents.id))
    .limit(q.limit);
}

/** One incident of the organization with its rule. */
export async function getIncident(db: Db, orgId: string, incidentId: string) {
  return incidentWithRule(db, orgId, incidentId);
}

/** A stored AI summary, or null (none yet, or one of an older shape). */
function storedSummary(stored: unknown): AIIncidentSummary | null {
  const parsed = aiIncidentSummary.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/** An incident as the API answers it. */
export function presentIncident(incident: IncidentRow, rule: RuleRow, silences: SilenceRow[]): AlertIncident {
  return {
    id: incident.id,
    alert_id: incident.alertId,
    rule_name: rule.name,
    rule_type: rule.type,
    severity: incident.severity,
    status: incident.status ?? "firing",
    group_key: incident.groupKey,
    title: incident.title,
    message: incident.message,
    labels: incident.labels,
    value: incident.value,
    details: (incident.details as Record<string, unknown> | null) ?? {},
    fired_at: incident.firedAt.toISOString(),
    acknowledged_at: incident.acknowledgedAt?.toISOString() ?? null,
    acknowledged_by: incident.acknowledgedBy,
    resolved_at: incident.resolvedAt?.toISOString() ?? null,
    resolved_by: incident.resolvedBy,
    last_notified_at: incident.lastNotifiedAt?.toISOString() ?? null,
    notification_count: incident.notificationCount,
    silenced: incident.status !== "resolved" && silences.some((s) => silenceMatches(s, rule.id, incident.labels)),
    ai_summary: storedSummary(incident.aiSummaryDetails),
    ai_summary_outcome: incident.aiSummaryOutcome,
  };
}
