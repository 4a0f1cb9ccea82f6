import { createServiceBody, deployment, idParam, service, updateServiceBody } from "@syntra/contracts";
import { z } from "zod";
import { recentDeployments } from "../deployments/deployments";
import { removeService } from "../deployments/retire";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import { createService, getService, listProjectServices, updateService } from "./services";
import { assertMayBindMount } from "./volumes";

const serviceParams = idParam("serviceId");
/** How many deployments GET /services/:id shows. */
const RECENT_DEPLOYMENTS = 5;
const projectParams = idParam("projectId");

const list = defineRoute({
  method: "GET",
  url: "/api/v1/projects/:projectId/services",
  summary: "List a project's services",
  tag: "services",
  access: { permission: "services:read" },
  params: projectParams,
  response: z.array(service),
  handler: async ({ auth, deps, params }) => listProjectServices(deps, projectScope(auth), params.projectId),
});

const create = defineRoute({
  method: "POST",
  url: "/api/v1/projects/:projectId/services",
  summary: "Create a service (source_config is checked against source_type)",
  tag: "services",
  access: { permission: "services:write" },
  params: projectParams,
  body: createServiceBody,
  response: service,
  status: 201,
  audit: { action: "service.create", resourceType: "service" },
  handler: async ({ auth, body, deps, params, change }) => {
    assertMayBindMount(auth.permissions, body.volumes);
    return change(async (tx, audit) => {
      const created = await createService(tx, deps, projectScope(auth), params.projectId, body);
      audit({
        resourceId: created.id,
        details: { name: created.name, source_type: created.source_type, env_keys: Object.keys(body.env_vars ?? {}) },
      });
      return created;
    });
  },
});

const get = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId",
  summary: "Get a service",
  tag: "services",
  access: { permission: "services:read" },
  params: serviceParams,
  response: service.extend({ recent_deployments: z.array(deployment) }),
  handler: async ({ auth, deps, params }) => {
    const found = await getService(deps, projectScope(auth), params.serviceId);
    return { ...found, recent_deployments: await recentDeployments(deps.db, found.id, RECENT_DEPLOYMENTS) };
  },
});

const update = defineRoute({
  method: "PATCH",
  url: "/api/v1/services/:serviceId",
  summary: "Update a service's settings",
  tag: "services",
  access: { permission: "services:write" },
  params: serviceParams,
  body: updateServiceBody,
  response: service,
  audit: { action: "service.update", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    assertMayBindMount(auth.permissions, body.volumes);
    audit({ resourceId: params.serviceId, details: { fields: Object.keys(body) } });
    return change((tx) => updateService(tx, deps, projectScope(auth), params.serviceId, body));
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/api/v1/services/:serviceId",
  summary: "Delete a service",
  tag: "services",
  access: { permission: "services:write" },
  params: serviceParams,
  status: 204,
  audit: { action: "service.delete", resourceType: "service" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.serviceId });
    await removeService(deps, projectScope(auth), params.serviceId, change);
    return undefined;
  },
});

/** Service CRUD. */
export const serviceRoutes = [list, create, get, update, remove];
