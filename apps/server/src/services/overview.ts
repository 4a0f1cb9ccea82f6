import type { ListServicesQuery, ServiceOverview } from "@syntra/contracts";
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { deployments, projects, services } from "../db/schema";
import { serializeDeployment } from "../deployments/deployments";
import type { AppDeps } from "../deps";
import type { ProjectScope } from "../projects/projects";
import { presentServices } from "./services";

/**
 * The organization's services in scope (optionally of one project or one server), each with its project and its
 * newest deployment: four queries whatever the number of services (see presentServices).
 */
export async function listServiceOverview(
  deps: AppDeps,
  scope: ProjectScope,
  query: ListServicesQuery,
): Promise<ServiceOverview[]> {
  const rows = await deps.db
    .select({ service: services, project: { id: projects.id, name: projects.name, slug: projects.slug } })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(
      and(
        eq(projects.orgId, scope.orgId),
        ...(scope.projectId ? [eq(projects.id, scope.projectId)] : []),
        ...(query.project_id ? [eq(services.projectId, query.project_id)] : []),
        ...(query.server_id ? [eq(services.serverId, query.server_id)] : []),
      ),
    )
    .orderBy(asc(projects.name), asc(services.name));
  if (rows.length === 0) return [];
  const latest = await deps.db
    .selectDistinctOn([deployments.serviceId])
    .from(deployments)
    .where(
      inArray(
        deployments.serviceId,
        rows.map((r) => r.service.id),
      ),
    )
    .orderBy(deployments.serviceId, desc(deployments.createdAt), desc(deployments.id));
  const byService = new Map(latest.map((d) => [d.serviceId, serializeDeployment(d)]));
  const shown = await presentServices(
    deps.db,
    deps,
    rows.map((r) => r.service),
  );
  return rows.map(({ service, project }, i) => ({
    ...(shown[i] as (typeof shown)[number]),
    project,
    latest_deployment: byService.get(service.id) ?? null,
  }));
}
