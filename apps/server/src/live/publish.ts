import { eq, inArray } from "drizzle-orm";
import { deployments, projects, servers, services } from "../db/schema";
import type { AppDeps } from "../deps";

/**
 * Publishes the current status of deployments (after their rows changed) to their organizations' live
 * subscribers. Never throws: a live update must not break the deploy flow that caused it.
 */
export async function publishDeploymentChange(deps: AppDeps, ...deploymentIds: string[]): Promise<void> {
  if (deploymentIds.length === 0) return;
  try {
    const rows = await deps.db
      .select({
        deploymentId: deployments.id,
        serviceId: deployments.serviceId,
        status: deployments.status,
        orgId: projects.orgId,
      })
      .from(deployments)
      .innerJoin(services, eq(services.id, deployments.serviceId))
      .innerJoin(projects, eq(projects.id, services.projectId))
      .where(inArray(deployments.id, deploymentIds));
    for (const row of rows) {
      deps.live.publish({
        type: "deployment",
        orgId: row.orgId,
        serviceId: row.serviceId,
        deploymentId: row.deploymentId,
        status: row.status ?? "queued",
      });
    }
  } catch (err) {
    deps.logger.warn({ err, deployment_ids: deploymentIds }, "deployment change not published");
  }
}

/** Publishes a server's new status to its organization's live subscribers; never throws. */
export async function publishServerStatus(
  deps: AppDeps,
  serverId: string,
  status: string,
  /** The server's organization when the caller knows it (a hello: no lookup); otherwise it is looked up. */
  orgId?: string,
): Promise<void> {
  try {
    const [row] = orgId
      ? [{ orgId }]
      : await deps.db.select({ orgId: servers.orgId }).from(servers).where(eq(servers.id, serverId));
    if (row) deps.live.publish({ type: "server", orgId: row.orgId, serverId, status });
  } catch (err) {
    deps.logger.warn({ err, server_id: serverId }, "server status not published");
  }
}
