import { z } from "zod";
import { AGENT_COMMAND_ERRORS } from "../declared-errors";
import { idParam } from "../envelope";
import { createProjectBody, project, updateProjectBody } from "../projects";
import { defineApiRoute } from "../route";
import { createServiceBody, service } from "../services";

const projectParams = idParam("projectId");

/** GET /projects/:projectId answer: the project with its services. */
export const projectWithServices = project.extend({ services: z.array(service) });
export type ProjectWithServices = z.infer<typeof projectWithServices>;

/** Projects, and the services made in one. */
export const projectRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/projects",
    summary: "List projects",
    tag: "projects",
    access: { permission: "projects:read" },
    response: z.array(project),
  }),
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/projects/:projectId",
    summary: "Get a project with its services",
    tag: "projects",
    access: { permission: "projects:read" },
    params: projectParams,
    response: projectWithServices,
  }),
  create: defineApiRoute({
    method: "POST",
    path: "/api/v1/projects",
    summary: "Create a project",
    tag: "projects",
    access: { permission: "projects:write" },
    body: createProjectBody,
    response: project,
    status: 201,
    errors: ["CONFLICT"],
  }),
  update: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/projects/:projectId",
    summary: "Update a project",
    tag: "projects",
    access: { permission: "projects:write" },
    params: projectParams,
    body: updateProjectBody,
    response: project,
    errors: ["CONFLICT"],
  }),
  remove: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/projects/:projectId",
    summary: "Delete a project and its services",
    tag: "projects",
    access: { permission: "projects:write" },
    params: projectParams,
    status: 204,
    errors: [...AGENT_COMMAND_ERRORS],
  }),
  services: defineApiRoute({
    method: "GET",
    path: "/api/v1/projects/:projectId/services",
    summary: "List a project's services",
    tag: "services",
    access: { permission: "services:read" },
    params: projectParams,
    response: z.array(service),
  }),
  createService: defineApiRoute({
    method: "POST",
    path: "/api/v1/projects/:projectId/services",
    summary: "Create a service (source_config is checked against source_type)",
    tag: "services",
    access: { permission: "services:write" },
    params: projectParams,
    body: createServiceBody,
    response: service,
    status: 201,
    errors: ["CONFLICT", "UNPROCESSABLE"],
  }),
};
