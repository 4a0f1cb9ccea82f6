import { apiRoutes } from "@syntra/contracts";
import { CloseCode } from "../agents/connection";
import { revokeAgentCredentials } from "../agents/enrolment";
import { updateAgent, updateAllAgents, updateCommand } from "../agents/updates";
import type { AppDeps } from "../deps";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import { serverMetricSeries } from "./metrics";
import {
  createServer,
  deleteServer,
  getServer,
  installCommand,
  listServers,
  presentServers,
  rotateAgentToken,
  updateServer,
} from "./servers";

type ServerRow = Awaited<ReturnType<typeof getServer>>;

/** The API answers for server rows (with their agents' certificates and update state). */
function present(deps: AppDeps, rows: ServerRow[]) {
  const latestAgentVersion = updateCommand(deps)?.version ?? deps.config.version;
  return presentServers(deps.db, rows, { now: deps.now(), latestAgentVersion });
}

async function presentOne(deps: AppDeps, row: ServerRow) {
  const [server] = await present(deps, [row]);
  if (!server) throw new Error("presentServers dropped a row");
  return server;
}

const list = implement(apiRoutes.servers.list, {
  handler: async ({ auth, deps, query, setMeta }) => {
    const { items, total } = await listServers(deps.db, requireOrg(auth), query);
    setMeta({ total, page: query.page, per_page: query.per_page });
    return present(deps, items);
  },
});

const get = implement(apiRoutes.servers.get, {
  handler: async ({ auth, deps, params }) =>
    presentOne(deps, await getServer(deps.db, requireOrg(auth), params.serverId)),
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
      server: await presentOne(deps, row),
    };
  },
});

const update = implement(apiRoutes.servers.update, {
  audit: { action: "server.update", resourceType: "server" },
  handler: async ({ auth, deps, body, params, audit, change }) => {
    audit({ resourceId: params.serverId, details: { ...body } });
    return presentOne(deps, await change((tx) => updateServer(tx, requireOrg(auth), params.serverId, body)));
  },
});

const remove = implement(apiRoutes.servers.remove, {
  audit: { action: "server.delete", resourceType: "server" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.serverId });
    await change((tx) => deleteServer(tx, requireOrg(auth), params.serverId));
    // Its certificates went with the row (cascade): the live connection goes now, not at the next heartbeat.
    deps.agents.forget(params.serverId);
    return undefined;
  },
});

const revokeAgent = implement(apiRoutes.servers.revokeAgent, {
  audit: { action: "server.agent_revoke", resourceType: "server" },
  handler: async ({ auth, deps, params, change }) => {
    const row = await change(async (tx, audit) => {
      const found = await getServer(tx, requireOrg(auth), params.serverId);
      await revokeAgentCredentials(tx, found.id, deps.now());
      audit({ resourceId: found.id });
      return found;
    });
    // After the commit: the agent's certificate is refused before its connection is cut, so it cannot come back.
    deps.agents.disconnect(row.id, CloseCode.revoked, "the agent was revoked");
    return presentOne(deps, await getServer(deps.db, requireOrg(auth), row.id));
  },
});

const agentInstallToken = implement(apiRoutes.servers.agentInstallToken, {
  audit: { action: "server.agent_token", resourceType: "server" },
  handler: async ({ auth, deps, params, change }) => {
    const { row, token } = await change(async (tx, audit) => {
      const found = await getServer(tx, requireOrg(auth), params.serverId);
      audit({ resourceId: found.id });
      return { row: found, token: await rotateAgentToken(tx, found.id) };
    });
    return { server_id: row.id, token, install_command: installCommand(deps.config.publicUrl, row.id, token) };
  },
});

const updateAgentRoute = implement(apiRoutes.servers.updateAgent, {
  audit: { action: "server.agent_update", resourceType: "server" },
  handler: async ({ auth, deps, params, audit }) => {
    const row = await getServer(deps.db, requireOrg(auth), params.serverId);
    const outcome = await updateAgent(deps, row.id);
    audit({ resourceId: row.id, details: { outcome: outcome.outcome, to_version: outcome.to_version } });
    return outcome;
  },
});

const updateAll = implement(apiRoutes.servers.updateAllAgents, {
  audit: { action: "server.agent_update_all", resourceType: "server" },
  handler: async ({ auth, deps, audit }) => {
    const outcomes = await updateAllAgents(deps, requireOrg(auth));
    audit({ details: { started: outcomes.filter((o) => o.outcome === "started").length } });
    return outcomes;
  },
});

const metrics = implement(apiRoutes.servers.metrics, {
  handler: async ({ auth, deps, params, query }) => {
    const row = await getServer(deps.db, requireOrg(auth), params.serverId);
    return serverMetricSeries(deps.telemetry, row, query, deps.now());
  },
});

/** Server registration and management, and their agents' credentials and updates. */
export const serverRoutes = [
  list,
  get,
  create,
  update,
  remove,
  revokeAgent,
  agentInstallToken,
  updateAgentRoute,
  updateAll,
  metrics,
];
