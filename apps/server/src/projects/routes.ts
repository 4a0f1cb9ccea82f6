import { apiRoutes } from "@syntra/contracts";
import { removeProject } from "../deployments/retire";
import { AppError } from "../errors";
import type { AuthContext } from "../http/auth-context";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import { listServices } from "../services/services";
import {
  createProject,
  getProject,
  listProjects,
  type ProjectScope,
  serializeProject,
  updateProject,
} from "./projects";

/** The projects a caller can reach. */
export function projectScope(auth: AuthContext): ProjectScope {
  return { orgId: requireOrg(auth), projectId: auth.projectId };
}

const list = implement(apiRoutes.projects.list, {
  handler: async ({ auth, deps }) => listProjects(deps.db, projectScope(auth)),
});

const get = implement(apiRoutes.projects.get, {
  handler: async ({ auth, deps, params }) => {
    const row = await getProject(deps.db, projectScope(auth), params.projectId);
    return { ...serializeProject(row), services: await listServices(deps, row.id) };
  },
});

const create = implement(apiRoutes.projects.create, {
  audit: { action: "project.create", resourceType: "project" },
  handler: async ({ auth, body, change }) => {
    if (auth.projectId) throw new AppError("FORBIDDEN", "A project token cannot create projects");
    const row = await change(async (tx, audit) => {
      const created = await createProject(tx, requireOrg(auth), body);
      audit({ resourceId: created.id, details: { name: created.name, slug: created.slug } });
      return created;
    });
    return serializeProject(row);
  },
});

const update = implement(apiRoutes.projects.update, {
  audit: { action: "project.update", resourceType: "project" },
  handler: async ({ auth, body, params, audit, change }) => {
    audit({ resourceId: params.projectId, details: { fields: Object.keys(body) } });
    return serializeProject(await change((tx) => updateProject(tx, projectScope(auth), params.projectId, body)));
  },
});

const remove = implement(apiRoutes.projects.remove, {
  audit: { action: "project.delete", resourceType: "project" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.projectId });
    await removeProject(deps, projectScope(auth), params.projectId, change);
    return undefined;
  },
});

/** Project CRUD. */
export const projectRoutes = [list, get, create, update, remove];
