import { apiRoutes } from "@syntra/contracts";
import { recentDeployments } from "../deployments/deployments";
import { removeService } from "../deployments/retire";
import { pushRoutes } from "../domains/push-routes";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { createService, getService, listProjectServices, routesChanged, updateService } from "./services";
import { assertMayBindMount } from "./volumes";

/** How many deployments GET /services/:id shows. */
const RECENT_DEPLOYMENTS = 5;

const list = implement(apiRoutes.projects.services, {
  handler: async ({ auth, deps, params }) => listProjectServices(deps, projectScope(auth), params.projectId),
});

const create = implement(apiRoutes.projects.createService, {
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

const get = implement(apiRoutes.services.get, {
  handler: async ({ auth, deps, params }) => {
    const found = await getService(deps, projectScope(auth), params.serviceId);
    return { ...found, recent_deployments: await recentDeployments(deps.db, found.id, RECENT_DEPLOYMENTS) };
  },
});

const update = implement(apiRoutes.services.update, {
  audit: { action: "service.update", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    assertMayBindMount(auth.permissions, body.volumes);
    audit({ resourceId: params.serviceId, details: { fields: Object.keys(body) } });
    const updated = await change((tx) => updateService(tx, deps, projectScope(auth), params.serviceId, body));
    // Once committed, a running service's route follows at once (a later deploy would carry it anyway).
    if (routesChanged(body)) await pushRoutes(deps, updated.id);
    return updated;
  },
});

const remove = implement(apiRoutes.services.remove, {
  audit: { action: "service.delete", resourceType: "service" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.serviceId });
    await removeService(deps, projectScope(auth), params.serviceId, change);
    return undefined;
  },
});

/** Service CRUD. */
export const serviceRoutes = [list, create, get, update, remove];
