import { createProjectBody, idParam, project, service, updateProjectBody } from "@syntra/contracts";
import { z } from "zod";
import { removeProject } from "../deployments/retire";
import { AppError } from "../errors";
import type { AuthContext } from "../http/auth-context";
import { requireOrg } from "../http/org-context";
import { defineRoute } from "../http/route";
import { listServices } from "../services/services";
import {
  createProject,
  getProject,
  listProjects,
  type ProjectScope,
  serializeProject,
  updateProject,
} from "./projects";

const projectParams = idParam("projectId");

/** The projects a caller can reach. */
export function projectScope(auth: AuthContext): ProjectScope {
  return { orgId: requireOrg(auth), projectId: auth.projectId };
}

const list = defineRoute({
  method: "GET",
  url: "/api/v1/projects",
  summary: "List projects",
  tag: "projects",
  access: { permission: "projects:read" },
  response: z.array(project),
  handler: async ({ auth, deps }) => listProjects(deps.db, projectScope(auth)),
});

const get = defineRoute({
  method: "GET",
  url: "/api/v1/projects/:projectId",
  summary: "Get a project with its services",
  tag: "projects",
  access: { permission: "projects:read" },
  params: projectParams,
  response: project.extend({ services: z.array(service) }),
  handler: async ({ auth, deps, params }) => {
    const row = await getProject(deps.db, projectScope(auth), params.projectId);
    return { ...serializeProject(row), services: await listServices(deps, row.id) };
  },
});

const create = defineRoute({
  method: "POST",
  url: "/api/v1/projects",
  summary: "Create a project",
  tag: "projects",
  access: { permission: "projects:write" },
  body: createProjectBody,
  response: project,
  status: 201,
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

const update = defineRoute({
  method: "PATCH",
  url: "/api/v1/projects/:projectId",
  summary: "Update a project",
  tag: "projects",
  access: { permission: "projects:write" },
  params: projectParams,
  body: updateProjectBody,
  response: project,
  audit: { action: "project.update", resourceType: "project" },
  handler: async ({ auth, body, params, audit, change }) => {
    audit({ resourceId: params.projectId, details: { fields: Object.keys(body) } });
    return serializeProject(await change((tx) => updateProject(tx, projectScope(auth), params.projectId, body)));
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/api/v1/projects/:projectId",
  summary: "Delete a project and its services",
  tag: "projects",
  access: { permission: "projects:write" },
  params: projectParams,
  status: 204,
  audit: { action: "project.delete", resourceType: "project" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.projectId });
    await removeProject(deps, projectScope(auth), params.projectId, change);
    return undefined;
  },
});

/** Project CRUD. */
export const projectRoutes = [list, get, create, update, remove];
