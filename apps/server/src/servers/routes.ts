import { apiRoutes } from "@syntra/contracts";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
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

const list = implement(apiRoutes.servers.list, {
  handler: async ({ auth, deps, query, setMeta }) => {
    const { items, total } = await listServers(deps.db, requireOrg(auth), query);
    setMeta({ total, page: query.page, per_page: query.per_page });
    return items;
  },
});

const get = implement(apiRoutes.servers.get, {
  handler: async ({ auth, deps, params }) =>
    serializeServer(await getServer(deps.db, requireOrg(auth), params.serverId)),
});

const create = implement(apiRoutes.servers.create, {
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

const update = implement(apiRoutes.servers.update, {
  audit: { action: "server.update", resourceType: "server" },
  handler: async ({ auth, body, params, audit, change }) => {
    audit({ resourceId: params.serverId, details: { ...body } });
    return serializeServer(await change((tx) => updateServer(tx, requireOrg(auth), params.serverId, body)));
  },
});

const remove = implement(apiRoutes.servers.remove, {
  audit: { action: "server.delete", resourceType: "server" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.serverId });
    await change((tx) => deleteServer(tx, requireOrg(auth), params.serverId));
    deps.agents.forget(params.serverId);
    return undefined;
  },
});

const metrics = implement(apiRoutes.servers.metrics, {
  handler: async ({ auth, deps, params, query }) => {
    const row = await getServer(deps.db, requireOrg(auth), params.serverId);
    return serverMetricSeries(deps.db, row.id, query, deps.now());
  },
});

/** Server registration and management. */
export const serverRoutes = [list, get, create, update, remove, metrics];
