import {
  deployment,
  deploymentDetail,
  idParam,
  listDeploymentsQuery,
  rollbackBody,
  triggerDeployBody,
} from "@syntra/contracts";
import { z } from "zod";
import type { AuthContext } from "../http/auth-context";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import {
  cancelDeployment,
  type DeployCaller,
  getDeployment,
  listDeployments,
  rollbackService,
  triggerDeploy,
} from "./deployments";

const serviceParams = idParam("serviceId");
const deploymentParams = idParam("deploymentId");

const callerOf = (auth: AuthContext): DeployCaller => ({ userId: auth.user.id, viaToken: auth.method === "token" });

const deploy = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/deploy",
  summary: "Deploy the service's image (queued behind a deployment in flight, or until the agent is online)",
  tag: "deployments",
  access: { permission: "deployments:write" },
  params: serviceParams,
  body: triggerDeployBody,
  response: deployment,
  status: 201,
  audit: { action: "deployment.create", resourceType: "deployment" },
  handler: async ({ auth, body, deps, params, change }) =>
    triggerDeploy(deps, projectScope(auth), params.serviceId, body, callerOf(auth), change),
});

const rollback = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/rollback",
  summary: "Redeploy the image and settings of an earlier deployment that ran",
  tag: "deployments",
  access: { permission: "deployments:write" },
  params: serviceParams,
  body: rollbackBody,
  response: deployment,
  status: 201,
  audit: { action: "deployment.rollback", resourceType: "deployment" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    audit({ details: { target_id: body.deployment_id } });
    return rollbackService(deps, projectScope(auth), params.serviceId, body.deployment_id, callerOf(auth), change);
  },
});

const list = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/deployments",
  summary: "List a service's deployments, newest first (queued ones with their queue position)",
  tag: "deployments",
  access: { permission: "services:read" },
  params: serviceParams,
  query: listDeploymentsQuery,
  response: z.array(deployment),
  handler: async ({ auth, deps, params, query }) => listDeployments(deps, projectScope(auth), params.serviceId, query),
});

const get = defineRoute({
  method: "GET",
  url: "/api/v1/deployments/:deploymentId",
  summary: "Get a deployment with its deploy log",
  tag: "deployments",
  access: { permission: "services:read" },
  params: deploymentParams,
  response: deploymentDetail,
  handler: async ({ auth, deps, params }) => getDeployment(deps.db, projectScope(auth), params.deploymentId),
});

const cancel = defineRoute({
  method: "POST",
  url: "/api/v1/deployments/:deploymentId/cancel",
  summary: "Cancel a queued deployment (one the agent is carrying out cannot be interrupted)",
  tag: "deployments",
  access: { permission: "deployments:write" },
  params: deploymentParams,
  response: deployment,
  audit: { action: "deployment.cancel", resourceType: "deployment" },
  handler: async ({ auth, deps, params, change }) =>
    cancelDeployment(deps, projectScope(auth), params.deploymentId, change),
});

/** Deployments: deploy, roll back, list, inspect, cancel. */
export const deploymentRoutes = [deploy, rollback, list, get, cancel];
