import { getDeploymentRow } from "../deployments/deployments";
import type { AppDeps } from "../deps";
import { getProject } from "../projects/projects";
import { getServiceRow } from "../services/services";
import type { AuthContext } from "./auth-context";

/**
 * For a project-scoped token that lacks a route's permission: throws NOT_FOUND when the resource the route names
 * lies outside the token's project (or does not exist), as a GET of it would. Without this a token would get 403
 * on PATCH but 404 on GET for the same absent resource. Resources of the token's own project keep their 403.
 * `params` are the route's validated path parameters.
 */
export async function assertInTokenProject(
  deps: AppDeps,
  auth: AuthContext,
  params: Record<string, unknown> | undefined,
): Promise<void> {
  if (!auth.projectId || !auth.orgId || !params) return;
  const scope = { orgId: auth.orgId, projectId: auth.projectId };
  if (typeof params.projectId === "string") await getProject(deps.db, scope, params.projectId);
  if (typeof params.serviceId === "string") await getServiceRow(deps.db, scope, params.serviceId);
  if (typeof params.deploymentId === "string") await getDeploymentRow(deps.db, scope, params.deploymentId);
}
