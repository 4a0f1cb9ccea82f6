import { apiRoutes } from "@syntra/contracts";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import { monitorUptime } from "../uptime/uptime";
import { pushMonitors } from "./agents";
import { createMonitor, deleteMonitor, getMonitor, listMonitors, presentMonitors, updateMonitor } from "./monitors";

const list = implement(apiRoutes.monitors.list, {
  handler: async ({ auth, deps }) =>
    presentMonitors(deps.db, await listMonitors(deps.db, requireOrg(auth)), deps.now()),
});

const create = implement(apiRoutes.monitors.create, {
  audit: { action: "monitor.create", resourceType: "monitor" },
  handler: async ({ auth, deps, body, change }) => {
    const row = await change(async (tx, audit) => {
      const created = await createMonitor(tx, requireOrg(auth), body, deps.now());
      audit({ resourceId: created.id, details: { name: created.name, type: created.check.type } });
      return created;
    });
    await pushMonitors(deps, row.serverIds);
    const [m] = await presentMonitors(deps.db, [row], deps.now());
    return m;
  },
});

const get = implement(apiRoutes.monitors.get, {
  handler: async ({ auth, deps, params }) => {
    const [m] = await presentMonitors(
      deps.db,
      [await getMonitor(deps.db, requireOrg(auth), params.monitorId)],
      deps.now(),
    );
    return m;
  },
});

const update = implement(apiRoutes.monitors.update, {
  audit: { action: "monitor.update", resourceType: "monitor" },
  handler: async ({ auth, deps, params, body, change }) => {
    const { row, before } = await change(async (tx, audit) => {
      audit({ resourceId: params.monitorId, details: { fields: Object.keys(body) } });
      return updateMonitor(tx, requireOrg(auth), params.monitorId, body, deps.now());
    });
    await pushMonitors(deps, [...before, ...row.serverIds]);
    const [m] = await presentMonitors(deps.db, [row], deps.now());
    return m;
  },
});

const remove = implement(apiRoutes.monitors.remove, {
  audit: { action: "monitor.delete", resourceType: "monitor" },
  handler: async ({ auth, deps, params, change }) => {
    const servers = await change(async (tx, audit) => {
      audit({ resourceId: params.monitorId });
      return deleteMonitor(tx, requireOrg(auth), params.monitorId);
    });
    await pushMonitors(deps, servers);
    return undefined;
  },
});

const uptime = implement(apiRoutes.monitors.uptime, {
  handler: async ({ auth, deps, params, query }) => {
    const row = await getMonitor(deps.db, requireOrg(auth), params.monitorId);
    return monitorUptime(deps.db, row.id, query.period, deps.now());
  },
});

/** The uptime monitors API. */
export const monitorRoutes = [list, create, get, update, remove, uptime];
