import type { AlertPayload } from "@syntra/contracts";
import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { agentAlerts, projects, servers, services } from "../db/schema";

/** Agent alerts are kept this long (event rules read the last minutes; the rest is history). */
const KEEP_DAYS = 30;

/**
 * Stores an agent's `alert` (event rules of kind resource_critical and container_crash read them). A re-sent alert
 * (same agent alert id) is stored once; a service id the server does not run is dropped from it rather than
 * refusing the alert. Never throws at the hub: a failure is the caller's to log.
 */
export async function storeAgentAlert(db: Db, serverId: string, alert: AlertPayload, now: Date): Promise<void> {
  let serviceId: string | null = null;
  if (alert.service_id) {
    const [row] = await db
      .select({ id: services.id })
      .from(services)
      .innerJoin(projects, eq(projects.id, services.projectId))
      .innerJoin(servers, eq(servers.orgId, projects.orgId))
      .where(and(eq(services.id, alert.service_id), eq(servers.id, serverId)));
    serviceId = row?.id ?? null;
  }
  await db
    .insert(agentAlerts)
    .values({
      serverId,
      serviceId,
      agentAlertId: alert.alert_id,
      type: alert.type,
      severity: alert.severity,
      title: alert.title.slice(0, 500),
      message: alert.message.slice(0, 4000),
      metadata: alert.metadata,
      reportedAt: new Date(alert.timestamp),
      receivedAt: now,
    })
    .onConflictDoNothing();
}

/** Deletes agent alerts past their keeping time. */
export async function pruneAgentAlerts(db: Db, now: Date): Promise<void> {
  await db.delete(agentAlerts).where(lt(agentAlerts.receivedAt, new Date(now.getTime() - KEEP_DAYS * 86_400_000)));
}
