import {
  createdServer,
  createServerBody,
  idParam,
  listServersQuery,
  metricSeries,
  server,
  serverMetricsQuery,
  updateServerBody,
} from "@syntra/contracts";
import { z } from "zod";
import { requireOrg } from "../http/org-context";
import { defineRoute } from "../http/route";
import { serverMetricSeries } from "./metrics";
import {
  createServer,
  deleteServer,
  getServer,
  installCommand,
  listServers,
  serializeServer,
  updateServer,
} from "./servers";

const serverParams = idParam("serverId");

const list = defineRoute({
  method: "GET",
  url: "/api/v1/servers",
  summary: "List servers (paged, filter by status)",
  tag: "servers",
  access: { permission: "servers:read" },
  query: listServersQuery,
  response: z.array(server),
  handler: async ({ auth, deps, query, setMeta }) => {
    const { items, total } = await listServers(deps.db, requireOrg(auth), query);
    setMeta({ total, page: query.page, per_page: query.per_page });
    return items;
  },
});

const get = defineRoute({
  method: "GET",
  url: "/api/v1/servers/:serverId",
  summary: "Get a server",
  tag: "servers",
  access: { permission: "servers:read" },
  params: serverParams,
  response: server,
  handler: async ({ auth, deps, params }) =>
    serializeServer(await getServer(deps.db, requireOrg(auth), params.serverId)),
});

const create = defineRoute({
  method: "POST",
  url: "/api/v1/servers",
  summary: "Register a server: returns the agent token (once) and the install command",
  tag: "servers",
  access: { permission: "servers:write" },
  body: createServerBody,
  response: createdServer,
  status: 201,
  audit: { action: "server.create", resourceType: "server" },
  handler: async ({ auth, body, deps, change }) => {
    const { row, token } = await change(async (tx, audit) => {
      const created = await createServer(tx, requireOrg(auth), body);
      audit({ resourceId: created.row.id, details: { name: created.row.name } });
      return created;
    });
    return {
      server_id: row.id,
      install_command: installCommand(deps.config.publicUrl, row.id, token),
      token,
      server: serializeServer(row),
    };
  },
});

const update = defineRoute({
  method: "PATCH",
  url: "/api/v1/servers/:serverId",
  summary: "Rename or retag a server",
  tag: "servers",
  access: { permission: "servers:write" },
  params: serverParams,
  body: updateServerBody,
  response: server,
  audit: { action: "server.update", resourceType: "server" },
  handler: async ({ auth, body, params, audit, change }) => {
    audit({ resourceId: params.serverId, details: { ...body } });
    return serializeServer(await change((tx) => updateServer(tx, requireOrg(auth), params.serverId, body)));
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/api/v1/servers/:serverId",
  summary: "Delete a server (refused while services run on it)",
  tag: "servers",
  access: { permission: "servers:write" },
  params: serverParams,
  status: 204,
  audit: { action: "server.delete", resourceType: "server" },
  handler: async ({ auth, params, audit, change }) => {
    audit({ resourceId: params.serverId });
    await change((tx) => deleteServer(tx, requireOrg(auth), params.serverId));
    return undefined;
  },
});

const metrics = defineRoute({
  method: "GET",
  url: "/api/v1/servers/:serverId/metrics",
  summary: "CPU, memory, disk and network series from the agent's heartbeats",
  tag: "servers",
  access: { permission: "servers:read" },
  params: serverParams,
  query: serverMetricsQuery,
  response: z.array(metricSeries),
  handler: async ({ auth, deps, params, query }) => {
    const row = await getServer(deps.db, requireOrg(auth), params.serverId);
    return serverMetricSeries(deps.db, row.id, query, deps.now());
  },
});

/** Server registration and management. */
export const serverRoutes = [list, get, create, update, remove, metrics];
