import {
  execBody,
  execResult,
  idParam,
  scaleBody,
  service,
  serviceLogEntry,
  serviceLogsQuery,
} from "@syntra/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import { execInService, fetchServiceLogs, restartService, scaleService } from "./service-commands";

const serviceParams = idParam("serviceId");

const restart = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/restart",
  summary: "Restart the service's containers (409 AGENT_OFFLINE when its agent is not connected)",
  tag: "services",
  access: { permission: "deployments:write" },
  params: serviceParams,
  response: z.object({ success: z.literal(true) }),
  audit: { action: "service.restart", resourceType: "service" },
  handler: async ({ auth, deps, params, audit }) => {
    await restartService(deps, projectScope(auth), params.serviceId);
    audit({ resourceId: params.serviceId });
    return { success: true as const };
  },
});

const scale = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/scale",
  summary: "Run this many replicas of the service (0 stops it)",
  tag: "services",
  access: { permission: "deployments:write" },
  params: serviceParams,
  body: scaleBody,
  response: service,
  audit: { action: "service.scale", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    audit({ resourceId: params.serviceId, details: { replicas: body.replicas } });
    return scaleService(deps, projectScope(auth), params.serviceId, body.replicas, change);
  },
});

const logs = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/logs",
  summary: "The latest container log lines of the service, read from its agent",
  tag: "services",
  access: { permission: "services:read" },
  params: serviceParams,
  query: serviceLogsQuery,
  response: z.array(serviceLogEntry),
  handler: async ({ auth, deps, params, query }) => fetchServiceLogs(deps, projectScope(auth), params.serviceId, query),
});

const exec = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/exec",
  summary: "Run a command (argv) in the service's container",
  tag: "services",
  access: { permission: "exec" },
  params: serviceParams,
  body: execBody,
  response: execResult,
  audit: { action: "service.exec", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit }) => {
    // The argv is recorded; env values never are, only their names.
    audit({
      resourceId: params.serviceId,
      details: {
        command: body.command,
        ...(body.working_dir !== undefined && { working_dir: body.working_dir }),
        env_keys: Object.keys(body.env ?? {}),
      },
    });
    return execInService(deps, projectScope(auth), params.serviceId, body);
  },
});

/** Commands to a service's running containers, carried out by its server's agent. */
export const serviceCommandRoutes = [restart, scale, logs, exec];
