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
  handler: async ({ auth, body, deps, audit }) => {
    if (auth.projectId) throw new AppError("FORBIDDEN", "A project token cannot create projects");
    const row = await createProject(deps.db, requireOrg(auth), body);
    audit({ resourceId: row.id, details: { name: row.name, slug: row.slug } });
    return serializeProject(row);
  },
});

const update = implement(apiRoutes.projects.update, {
  audit: { action: "project.update", resourceType: "project" },
  handler: async ({ auth, body, deps, params, audit }) => {
    const row = await updateProject(deps.db, projectScope(auth), params.projectId, body);
    audit({ resourceId: row.id, details: { fields: Object.keys(body) } });
    return serializeProject(row);
  },
});

const remove = implement(apiRoutes.projects.remove, {
  audit: { action: "project.delete", resourceType: "project" },
  handler: async ({ auth, deps, params, audit }) => {
    await removeProject(deps, projectScope(auth), params.projectId);
    audit({ resourceId: params.projectId });
    return undefined;
  },
});

/** Project CRUD. */
export const projectRoutes = [list, get, create, update, remove];
