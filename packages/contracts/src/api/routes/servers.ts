import { z } from "zod";
import { agentInstallToken, agentUpdateOutcome } from "../agent-enrolment";
import { buildDiskUsage } from "../builds";
import { idParam } from "../envelope";
import { metricSeries, serverMetricsQuery } from "../observability";
import { defineApiRoute } from "../route";
import { createdServer, createServerBody, listServersQuery, server, updateServerBody } from "../servers";

const serverParams = idParam("serverId");

/** Server registration and management. */
export const serverRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/servers",
    summary: "List servers (paged, filter by status)",
    tag: "servers",
    access: { permission: "servers:read" },
    query: listServersQuery,
    response: z.array(server),
  }),
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/servers/:serverId",
    summary: "Get a server",
    tag: "servers",
    access: { permission: "servers:read" },
    params: serverParams,
    response: server,
  }),
  create: defineApiRoute({
    method: "POST",
    path: "/api/v1/servers",
    summary: "Register a server: returns the agent token (once) and the install command",
    tag: "servers",
    access: { permission: "servers:write" },
    body: createServerBody,
    response: createdServer,
    status: 201,
    errors: ["CONFLICT"],
  }),
  update: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/servers/:serverId",
    summary: "Rename or retag a server",
    tag: "servers",
    access: { permission: "servers:write" },
    params: serverParams,
    body: updateServerBody,
    response: server,
    errors: ["CONFLICT"],
  }),
  remove: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/servers/:serverId",
    summary: "Delete a server (refused while services run on it)",
    tag: "servers",
    access: { permission: "servers:write" },
    params: serverParams,
    status: 204,
    errors: ["UNPROCESSABLE"],
  }),
  revokeAgent: defineApiRoute({
    method: "POST",
    path: "/api/v1/servers/:serverId/agent/revoke",
    summary: "Revoke the server's agent: its connection is cut at once and its certificates are refused",
    tag: "servers",
    access: { permission: "servers:write" },
    params: serverParams,
    response: server,
  }),
  agentInstallToken: defineApiRoute({
    method: "POST",
    path: "/api/v1/servers/:serverId/agent/install-token",
    summary: "A new one-time install token and command (to enrol the agent again, e.g. after a revoke)",
    tag: "servers",
    access: { permission: "servers:write" },
    params: serverParams,
    response: agentInstallToken,
    status: 201,
  }),
  updateAgent: defineApiRoute({
    method: "POST",
    path: "/api/v1/servers/:serverId/agent/update",
    summary: "Update the server's agent to the version this control plane hands out (update_agent)",
    tag: "servers",
    access: { permission: "servers:write" },
    params: serverParams,
    response: agentUpdateOutcome,
    status: 202,
    errors: [
      "AGENT_OFFLINE",
      "TIMEOUT",
      "NOT_SUPPORTED",
      "UPDATE_IN_PROGRESS",
      "UPDATE_VERIFICATION_FAILED",
      "UPDATE_FAILED",
    ],
  }),
  updateAllAgents: defineApiRoute({
    method: "POST",
    path: "/api/v1/servers/agents/update",
    summary: "Update every connected agent of the organization that runs an older version",
    tag: "servers",
    access: { permission: "servers:write" },
    response: z.array(agentUpdateOutcome),
    status: 202,
  }),
  metrics: defineApiRoute({
    method: "GET",
    path: "/api/v1/servers/:serverId/metrics",
    summary: "CPU, memory, disk and network series from the agent's heartbeats",
    tag: "servers",
    access: { permission: "servers:read" },
    params: serverParams,
    query: serverMetricsQuery,
    response: z.array(metricSeries),
    errors: ["UNPROCESSABLE"],
  }),
};

/** The build system's own resources. */
export const buildRoutes = {
  disk: defineApiRoute({
    method: "GET",
    path: "/api/v1/builds/disk",
    summary: "Disk the build host's Docker engine uses: images, build cache, Syntra's images (null without builds)",
    tag: "builds",
    access: { permission: "servers:read" },
    response: buildDiskUsage,
  }),
};
