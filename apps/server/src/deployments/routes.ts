import { apiRoutes } from "@syntra/contracts";
import type { AuthContext } from "../http/auth-context";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import {
  cancelDeployment,
  type DeployCaller,
  getDeployment,
  listDeployments,
  rollbackService,
  triggerDeploy,
} from "./deployments";

const callerOf = (auth: AuthContext): DeployCaller => ({ userId: auth.user.id, viaToken: auth.method === "token" });

const deploy = implement(apiRoutes.services.deploy, {
  audit: { action: "deployment.create", resourceType: "deployment" },
  handler: async ({ auth, body, deps, params, change }) =>
    triggerDeploy(deps, projectScope(auth), params.serviceId, body, callerOf(auth), change),
});

const rollback = implement(apiRoutes.services.rollback, {
  audit: { action: "deployment.rollback", resourceType: "deployment" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    audit({ details: { target_id: body.deployment_id } });
    return rollbackService(deps, projectScope(auth), params.serviceId, body.deployment_id, callerOf(auth), change);
  },
});

const list = implement(apiRoutes.services.deployments, {
  handler: async ({ auth, deps, params, query }) => listDeployments(deps, projectScope(auth), params.serviceId, query),
});

const get = implement(apiRoutes.deployments.get, {
  handler: async ({ auth, deps, params }) => getDeployment(deps.db, projectScope(auth), params.deploymentId),
});

const cancel = implement(apiRoutes.deployments.cancel, {
  audit: { action: "deployment.cancel", resourceType: "deployment" },
  handler: async ({ auth, deps, params, change }) =>
    cancelDeployment(deps, projectScope(auth), params.deploymentId, change),
});

/** Deployments: deploy, roll back, list, inspect, cancel. */
export const deploymentRoutes = [deploy, rollback, list, get, cancel];
