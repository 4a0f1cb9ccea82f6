import { and, eq, inArray } from "drizzle-orm";
import type { HubEvents } from "../agents/hub-events";
import type { UnitOfWork } from "../audit/unit-of-work";
import type { Db } from "../db/client";
import { projects, serviceRemovals, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { getProject, type ProjectScope } from "../projects/projects";
import { getServiceRow } from "../services/services";
import { succeeded } from "./service-commands";

/** Graceful stop time the agent gives each container of a deleted service. */
const STOP_GRACE_SECONDS = 10;

type ServiceRef = { id: string; serverId: string };

/**
 * Deletes a service and takes it off its server: the agent removes its route and containers (named volumes stay,
 * see the README). With the agent away, the removal waits in service_removals for its reconnect. A running agent
 * that fails to remove them keeps the service, with the agent's reason, so nothing keeps serving unseen.
 */
export async function removeService(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  change: UnitOfWork,
): Promise<void> {
  const row = await getServiceRow(deps.db, scope, serviceId);
  await retireThenDelete(deps, [row], change, (tx) => tx.delete(services).where(eq(services.id, row.id)));
}

/** Deletes a project with all its services, each taken off its server as `removeService` does. */
export async function removeProject(
  deps: AppDeps,
  scope: ProjectScope,
  projectId: string,
  change: UnitOfWork,
): Promise<void> {
  await getProject(deps.db, scope, projectId);
  const rows = await deps.db
    .select({ id: services.id, serverId: services.serverId })
    .from(services)
    .where(eq(services.projectId, projectId));
  await retireThenDelete(deps, rows, change, (tx) =>
    tx.delete(projects).where(and(eq(projects.id, projectId), eq(projects.orgId, scope.orgId))),
  );
}

/** Sends the removals reconnected agents missed (one query for them all); each is forgotten once its agent confirms it. */
export async function sendPendingRemovals(deps: AppDeps, serverIds: readonly string[]): Promise<void> {
  if (serverIds.length === 0) return;
  const rows = await deps.db
    .select({ serviceId: serviceRemovals.serviceId, serverId: serviceRemovals.serverId })
    .from(serviceRemovals)
    .where(inArray(serviceRemovals.serverId, [...serverIds]));
  for (const { serviceId, serverId } of rows) {
    try {
      await stopAndRemove(deps, { id: serviceId, serverId });
      await deps.db.delete(serviceRemovals).where(eq(serviceRemovals.serviceId, serviceId));
      deps.logger.info({ service_id: serviceId, server_id: serverId }, "deleted service removed from its server");
    } catch (err) {
      deps.logger.warn({ err, service_id: serviceId, server_id: serverId }, "removing a deleted service failed");
    }
  }
}

/**
 * Hub event agent_ready: sends the removals the agents missed, in the background, since their answers arrive on
 * the connections whose handshakes are still being handled.
 */
export async function sendRemovalsOnAgentReady(deps: AppDeps, { serverIds }: HubEvents["agent_ready"]): Promise<void> {
  void sendPendingRemovals(deps, serverIds).catch((err: unknown) =>
    deps.logger.warn({ err, servers: serverIds.length }, "sending the removals of deleted services failed"),
  );
}

/**
 * Takes the services off their servers (waiting for their agents), then runs `remove` (the rows' deletion) as one
 * unit of work with the removals that must wait for an offline agent.
 */
async function retireThenDelete(
  deps: AppDeps,
  rows: ServiceRef[],
  change: UnitOfWork,
  remove: (tx: Db) => Promise<unknown>,
): Promise<void> {
  const waiting = await retire(deps, rows);
  await change(async (tx) => {
    if (waiting.length > 0) await tx.insert(serviceRemovals).values(waiting).onConflictDoNothing();
    await remove(tx);
  });
}

/** Removes the services from their servers now where the agent is connected; answers those that must wait. */
async function retire(deps: AppDeps, rows: ServiceRef[]): Promise<{ serviceId: string; serverId: string }[]> {
  const waiting: { serviceId: string; serverId: string }[] = [];
  for (const row of rows) {
    try {
      await stopAndRemove(deps, row);
    } catch (err) {
      if (!(err instanceof AppError && err.code === "AGENT_OFFLINE")) throw err;
      waiting.push({ serviceId: row.id, serverId: row.serverId });
    }
  }
  return waiting;
}

async function stopAndRemove(deps: AppDeps, row: ServiceRef): Promise<void> {
  const response = await deps.agents.send(row.serverId, "stop", {
    service_id: row.id,
    timeout_seconds: STOP_GRACE_SECONDS,
    remove_container: true,
  });
  succeeded(response, "remove the service's containers");
}
