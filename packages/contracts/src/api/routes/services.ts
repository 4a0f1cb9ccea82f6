import { z } from "zod";
import { execClientFrame, execServerFrame } from "../../ws/exec-session";
import { AGENT_COMMAND_ERRORS } from "../declared-errors";
import {
  deployment,
  execBody,
  execResult,
  execSessionQuery,
  listDeploymentsQuery,
  rollbackBody,
  scaleBody,
  serviceLogEntry,
  serviceLogsQuery,
  triggerDeployBody,
} from "../deployments";
import { idParam } from "../envelope";
import { defineApiRoute } from "../route";
import { listServicesQuery, serviceOverview } from "../service-overview";
import { service, updateServiceBody } from "../services";

const serviceParams = idParam("serviceId");

/** GET /services/:serviceId answer: the service with its latest deployments, newest first. */
export const serviceWithDeployments = service.extend({ recent_deployments: z.array(deployment) });
export type ServiceWithDeployments = z.infer<typeof serviceWithDeployments>;

/** POST /services/:serviceId/restart answer. */
export const restartResult = z.object({ success: z.literal(true) });

/** Services: settings, deployments, and commands to their running containers. */
export const serviceRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/services",
    summary: "The organization's services with their project and newest deployment, by project_id and server_id",
    tag: "services",
    access: { permission: "services:read" },
    query: listServicesQuery,
    response: z.array(serviceOverview),
  }),
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId",
    summary: "Get a service",
    tag: "services",
    access: { permission: "services:read" },
    params: serviceParams,
    response: serviceWithDeployments,
  }),
  update: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/services/:serviceId",
    summary: "Update a service's settings",
    tag: "services",
    access: { permission: "services:write" },
    params: serviceParams,
    body: updateServiceBody,
    response: service,
    errors: ["CONFLICT", "UNPROCESSABLE"],
  }),
  remove: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/services/:serviceId",
    summary: "Delete a service",
    tag: "services",
    access: { permission: "services:write" },
    params: serviceParams,
    status: 204,
    errors: [...AGENT_COMMAND_ERRORS],
  }),
  deploy: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/deploy",
    summary: "Deploy the service's image (queued behind a deployment in flight, or until the agent is online)",
    tag: "deployments",
    access: { permission: "deployments:write" },
    params: serviceParams,
    body: triggerDeployBody,
    response: deployment,
    status: 201,
    errors: ["UNPROCESSABLE", "CONFLICT"],
  }),
  rollback: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/rollback",
    summary: "Redeploy the image and settings of an earlier deployment that ran",
    tag: "deployments",
    access: { permission: "deployments:write" },
    params: serviceParams,
    body: rollbackBody,
    response: deployment,
    status: 201,
    errors: ["UNPROCESSABLE", "CONFLICT"],
  }),
  deployments: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/deployments",
    summary: "List a service's deployments, newest first (queued ones with their queue position)",
    tag: "deployments",
    access: { permission: "services:read" },
    params: serviceParams,
    query: listDeploymentsQuery,
    response: z.array(deployment),
  }),
  restart: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/restart",
    summary: "Restart the service's containers (409 AGENT_OFFLINE when its agent is not connected)",
    tag: "services",
    access: { permission: "deployments:write" },
    params: serviceParams,
    response: restartResult,
    errors: AGENT_COMMAND_ERRORS,
  }),
  scale: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/scale",
    summary: "Run this many replicas of the service (0 stops it)",
    tag: "services",
    access: { permission: "deployments:write" },
    params: serviceParams,
    body: scaleBody,
    response: service,
    errors: AGENT_COMMAND_ERRORS,
  }),
  logs: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/logs",
    summary: "The service's stored logs, newest first (level floor, substring search); meta.cursor pages on",
    tag: "telemetry",
    access: { permission: "services:read" },
    params: serviceParams,
    query: serviceLogsQuery,
    response: z.array(serviceLogEntry),
  }),
  exec: defineApiRoute({
    method: "POST",
    path: "/api/v1/services/:serviceId/exec",
    summary: "Run a command (argv) in the service's container",
    tag: "services",
    access: { permission: "exec" },
    params: serviceParams,
    body: execBody,
    response: execResult,
    errors: AGENT_COMMAND_ERRORS,
  }),
  /**
   * A command in the service's container over a WebSocket: output as it comes, stdin, a terminal (`tty`) with
   * its resizes, and the exit code, relayed by the control plane to the agent (`syn exec -it`).
   */
  execSession: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/exec/session",
    summary:
      "Run a command (argv) in the service's container over a WebSocket: stdin, live output, terminal, exit code",
    tag: "services",
    access: { permission: "exec" },
    params: serviceParams,
    query: execSessionQuery,
    answer: "socket",
    events: execServerFrame,
    sends: execClientFrame,
    errors: ["AGENT_OFFLINE"],
  }),
};
