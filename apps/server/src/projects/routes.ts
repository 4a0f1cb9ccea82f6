import { createProjectBody, idParam, project, service, updateProjectBody } from "@syntra/contracts";
import { z } from "zod";
import { removeProject } from "../deployments/retire";
import { AppError } from "../errors";
import type { AuthContext } from "../http/auth-context";
import { AGENT_COMMAND_ERRORS } from "../http/declared-errors";
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
  errors: ["CONFLICT"],
  body: createProjectBody,
  response: project,
  status: 201,
  audit: { action: "project.create", resourceType: "project" },
  handler: async ({ auth, body, deps, audit }) => {
    if (auth.projectId) throw new AppError("FORBIDDEN", "A project token cannot create projects");
    const row = await createProject(deps.db, requireOrg(auth), body);
    audit({ resourceId: row.id, details: { name: row.name, slug: row.slug } });
    return serializeProject(row);
  },
});

const update = defineRoute({
  method: "PATCH",
  url: "/api/v1/projects/:projectId",
  summary: "Update a project",
  tag: "projects",
  access: { permission: "projects:write" },
  errors: ["CONFLICT"],
  params: projectParams,
  body: updateProjectBody,
  response: project,
  audit: { action: "project.update", resourceType: "project" },
  handler: async ({ auth, body, deps, params, audit }) => {
    const row = await updateProject(deps.db, projectScope(auth), params.projectId, body);
    audit({ resourceId: row.id, details: { fields: Object.keys(body) } });
    return serializeProject(row);
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/api/v1/projects/:projectId",
  summary: "Delete a project and its services",
  tag: "projects",
  access: { permission: "projects:write" },
  errors: [...AGENT_COMMAND_ERRORS],
  params: projectParams,
  status: 204,
  audit: { action: "project.delete", resourceType: "project" },
  handler: async ({ auth, deps, params, audit }) => {
    await removeProject(deps, projectScope(auth), params.projectId);
    audit({ resourceId: params.projectId });
    return undefined;
  },
});

/** Project CRUD. */
export const projectRoutes = [list, get, create, update, remove];
