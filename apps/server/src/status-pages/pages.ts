import type {
  CreateStatusPageBody,
  CreateStatusPageIncidentBody,
  StatusPage,
  StatusPageIncident,
  UpdateStatusPageBody,
} from "@syntra/contracts";
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  alertIncidents,
  alerts,
  monitors,
  projects,
  services,
  statusPageComponents,
  statusPageIncidents,
  statusPageIncidentUpdates,
  statusPages,
} from "../db/schema";
import { AppError, conflict, isUniqueViolation, notFound } from "../errors";

type PageRow = typeof statusPages.$inferSelect;
type ComponentRow = typeof statusPageComponents.$inferSelect;
type IncidentRow = typeof statusPageIncidents.$inferSelect;
type ComponentInput = { name: string; description: string; service_id: string | null; monitor_id: string | null };

const unprocessable = (path: string, message: string) => new AppError("UNPROCESSABLE", message, [{ path, message }]);

/** Checks that a page's project and its components' services are the organization's (and the project's). */
async function checkReferences(
  db: Db,
  orgId: string,
  projectId: string | null,
  components: ComponentInput[] | undefined,
): Promise<void> {
  if (projectId) {
    const [p] = await db
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.id, projectId), eq(projects.orgId, orgId)));
    if (!p) throw unprocessable("body.project_id", "No such project in this organization");
  }
  const monitorIds = (components ?? []).map((c) => c.monitor_id).filter((id): id is string => id !== null);
  if (monitorIds.length > 0) {
    const known = new Set(
      (
        await db
          .select({ id: monitors.id })
          .from(monitors)
          .where(and(inArray(monitors.id, monitorIds), eq(monitors.orgId, orgId)))
      ).map((m) => m.id),
    );
    (components ?? []).forEach((c, i) => {
      if (c.monitor_id !== null && !known.has(c.monitor_id)) {
        throw unprocessable(`body.components.${i}.monitor_id`, "No such monitor in this organization");
      }
    });
  }
  const ids = (components ?? []).map((c) => c.service_id).filter((id): id is string => id !== null);
  if (ids.length === 0) return;
  const rows = await db
    .select({ id: services.id, projectId: services.projectId })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(and(inArray(services.id, ids), eq(projects.orgId, orgId)));
  const known = new Map(rows.map((r) => [r.id, r.projectId]));
  (components ?? []).forEach((c, i) => {
    if (c.service_id === null) return;
    const project = known.get(c.service_id);
    if (!project) throw unprocessable(`body.components.${i}.service_id`, "No such service in this organization");
    if (projectId && project !== projectId) {
      throw unprocessable(`body.components.${i}.service_id`, "The service is not in the page's project");
    }
  });
}

async function writeComponents(tx: Db, pageId: string, components: ComponentInput[]): Promise<void> {
  const existing = await tx.select().from(statusPageComponents).where(eq(statusPageComponents.pageId, pageId));
  const byName = new Map(existing.map((c) => [c.name, c]));
  const kept = new Set<string>();
  for (const [position, c] of components.entries()) {
    const same = byName.get(c.name);
    if (same && !kept.has(same.id)) {
      kept.add(same.id);
      await tx
        .update(statusPageComponents)
        .set({ description: c.description, serviceId: c.service_id, monitorId: c.monitor_id, position })
        .where(eq(statusPageComponents.id, same.id));
    } else {
      await tx.insert(statusPageComponents).values({
        pageId,
        name: c.name,
        description: c.description,
        serviceId: c.service_id,
        monitorId: c.monitor_id,
        position,
      });
    }
  }
  const gone = existing.filter((c) => !kept.has(c.id)).map((c) => c.id);
  if (gone.length > 0) await tx.delete(statusPageComponents).where(inArray(statusPageComponents.id, gone));
}

/** Creates a status page with its components; a slug taken by any page answers 409. */
export async function createStatusPage(db: Db, orgId: string, body: CreateStatusPageBody, now: Date): Promise<PageRow> {
  await checkReferences(db, orgId, body.project_id, body.components);
  try {
    return await db.transaction(async (tx) => {
      const [page] = await tx
        .insert(statusPages)
        .values({
          orgId,
          projectId: body.project_id,
          slug: body.slug,
          title: body.title,
          description: body.description,
          isPublic: body.is_public,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!page) throw new Error("insert returned no row");
      await writeComponents(tx, page.id, body.components);
      return page;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`The status page address /status/${body.slug} is taken`);
    throw err;
  }
}

/** A page of the organization, or NOT_FOUND. */
export async function getStatusPage(db: Db, orgId: string, pageId: string): Promise<PageRow> {
  const [row] = await db
    .select()
    .from(statusPages)
    .where(and(eq(statusPages.id, pageId), eq(statusPages.orgId, orgId)));
  if (!row) throw notFound("Status page");
  return row;
}

/** The organization's pages. */
export async function listStatusPages(db: Db, orgId: string): Promise<PageRow[]> {
  return db.select().from(statusPages).where(eq(statusPages.orgId, orgId)).orderBy(statusPages.createdAt);
}

/** Changes a page; `components` replaces the list (a component keeps its id and history when its name is kept). */
export async function updateStatusPage(
  db: Db,
  orgId: string,
  pageId: string,
  body: UpdateStatusPageBody,
  now: Date,
): Promise<PageRow> {
  const page = await getStatusPage(db, orgId, pageId);
  await checkReferences(db, orgId, page.projectId, body.components);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .update(statusPages)
        .set({
          ...(body.slug !== undefined && { slug: body.slug }),
          ...(body.title !== undefined && { title: body.title }),
          ...(body.description !== undefined && { description: body.description }),
          ...(body.is_public !== undefined && { isPublic: body.is_public }),
          updatedAt: now,
        })
        .where(eq(statusPages.id, page.id))
        .returning();
      if (!row) throw notFound("Status page");
      if (body.components) await writeComponents(tx, page.id, body.components);
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`The status page address /status/${body.slug} is taken`);
    throw err;
  }
}

/** Deletes a page with its components and incidents. */
export async function deleteStatusPage(db: Db, orgId: string, pageId: string): Promise<void> {
  const page = await getStatusPage(db, orgId, pageId);
  await db.delete(statusPages).where(eq(statusPages.id, page.id));
}

/** A page's components in order. */
export async function componentsOf(db: Db, pageId: string): Promise<ComponentRow[]> {
  return db
    .select()
    .from(statusPageComponents)
    .where(eq(statusPageComponents.pageId, pageId))
    .orderBy(asc(statusPageComponents.position));
}

/** A page as the API answers it. */
export async function presentStatusPage(db: Db, page: PageRow, publicUrl: string): Promise<StatusPage> {
  return {
    id: page.id,
    org_id: page.orgId,
    project_id: page.projectId,
    slug: page.slug,
    title: page.title,
    description: page.description,
    is_public: page.isPublic,
    components: (await componentsOf(db, page.id)).map((c) => ({
      id: c.id,
      name: c.name,
      description: c.description,
      service_id: c.serviceId,
      monitor_id: c.monitorId,
      position: c.position,
    })),
    url: `${publicUrl}/status/${page.slug}`,
    created_at: page.createdAt.toISOString(),
    updated_at: page.updatedAt.toISOString(),
  };
}

const isClosing = (status: string) => status === "resolved" || status === "completed";

/**
 * Posts an incident or a scheduled maintenance. From an alert incident, its title and the components showing its
 * service are taken when not given; the alert's internal message is not (the public message is the caller's).
 */
export async function createPageIncident(
  db: Db,
  orgId: string,
  pageId: string,
  body: CreateStatusPageIncidentBody,
  now: Date,
): Promise<IncidentRow> {
  const page = await getStatusPage(db, orgId, pageId);
  const components = await componentsOf(db, page.id);
  const known = new Set(components.map((c) => c.id));
  body.component_ids.forEach((id, i) => {
    if (!known.has(id)) throw unprocessable(`body.component_ids.${i}`, "No such component on this page");
  });
  let title = body.title;
  let componentIds = body.component_ids;
  if (body.alert_incident_id) {
    const [alert] = await db
      .select({ incident: alertIncidents })
      .from(alertIncidents)
      .innerJoin(alerts, eq(alerts.id, alertIncidents.alertId))
      .where(and(eq(alertIncidents.id, body.alert_incident_id), eq(alerts.orgId, orgId)));
    if (!alert) throw unprocessable("body.alert_incident_id", "No such alert incident in this organization");
    title ??= alert.incident.title;
    if (componentIds.length === 0 && alert.incident.labels.service_id) {
      componentIds = components.filter((c) => c.serviceId === alert.incident.labels.service_id).map((c) => c.id);
    }
  }
  const status = body.status ?? (body.kind === "maintenance" ? "scheduled" : "investigating");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(statusPageIncidents)
      .values({
        pageId: page.id,
        kind: body.kind,
        title: title ?? "Incident",
        impact: body.impact,
        status,
        componentIds,
        alertIncidentId: body.alert_incident_id,
        scheduledStart: body.scheduled_start ? new Date(body.scheduled_start) : null,
        scheduledEnd: body.scheduled_end ? new Date(body.scheduled_end) : null,
        createdAt: now,
        resolvedAt: isClosing(status) ? now : null,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    await tx
      .insert(statusPageIncidentUpdates)
      .values({ incidentId: row.id, status, message: body.message, createdAt: now });
    return row;
  });
}

/** Posts an update; `resolved` or `completed` closes the incident. */
export async function addIncidentUpdate(
  db: Db,
  orgId: string,
  pageId: string,
  incidentId: string,
  body: { status: string; message: string },
  now: Date,
): Promise<IncidentRow> {
  const page = await getStatusPage(db, orgId, pageId);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(statusPageIncidents)
      .set({ status: body.status, resolvedAt: isClosing(body.status) ? now : null })
      .where(and(eq(statusPageIncidents.id, incidentId), eq(statusPageIncidents.pageId, page.id)))
      .returning();
    if (!row) throw notFound("Status page incident");
    await tx.insert(statusPageIncidentUpdates).values({ incidentId: row.id, ...body, createdAt: now });
    return row;
  });
}

/** Deletes a page incident. */
export async function deletePageIncident(db: Db, orgId: string, pageId: string, incidentId: string): Promise<void> {
  const page = await getStatusPage(db, orgId, pageId);
  const [row] = await db
    .delete(statusPageIncidents)
    .where(and(eq(statusPageIncidents.id, incidentId), eq(statusPageIncidents.pageId, page.id)))
    .returning({ id: statusPageIncidents.id });
  if (!row) throw notFound("Status page incident");
}

/** A page's incidents, newest first, with their updates (newest first). */
export async function pageIncidents(db: Db, pageId: string, limit = 50): Promise<StatusPageIncident[]> {
  const rows = await db
    .select()
    .from(statusPageIncidents)
    .where(eq(statusPageIncidents.pageId, pageId))
    .orderBy(desc(statusPageIncidents.createdAt))
    .limit(limit);
  if (rows.length === 0) return [];
  const updates = await db
    .select()
    .from(statusPageIncidentUpdates)
    .where(
      inArray(
        statusPageIncidentUpdates.incidentId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(desc(statusPageIncidentUpdates.createdAt));
  return rows.map((r) => ({
    id: r.id,
    page_id: r.pageId,
    kind: r.kind,
    title: r.title,
    impact: r.impact,
    status: r.status as StatusPageIncident["status"],
    component_ids: r.componentIds,
    alert_incident_id: r.alertIncidentId,
    scheduled_start: r.scheduledStart?.toISOString() ?? null,
    scheduled_end: r.scheduledEnd?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
    resolved_at: r.resolvedAt?.toISOString() ?? null,
    updates: updates
      .filter((u) => u.incidentId === r.id)
      .map((u) => ({
        id: u.id,
        status: u.status as StatusPageIncident["status"],
        message: u.message,
        created_at: u.createdAt.toISOString(),
      })),
  }));
}
