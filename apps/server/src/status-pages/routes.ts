import { apiRoutes } from "@syntra/contracts";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { getServiceRow } from "../services/services";
import { serviceUptime } from "../uptime/uptime";
import {
  addIncidentUpdate,
  createPageIncident,
  createStatusPage,
  deletePageIncident,
  deleteStatusPage,
  getStatusPage,
  listStatusPages,
  pageIncidents,
  presentStatusPage,
  updateStatusPage,
} from "./pages";

const uptime = implement(apiRoutes.statusPages.serviceUptime, {
  handler: async ({ auth, deps, params, query }) => {
    const service = await getServiceRow(deps.db, projectScope(auth), params.serviceId);
    return serviceUptime(deps.db, service.id, query.period, deps.now());
  },
});

const list = implement(apiRoutes.statusPages.list, {
  handler: async ({ auth, deps }) =>
    Promise.all(
      (await listStatusPages(deps.db, requireOrg(auth))).map((p) =>
        presentStatusPage(deps.db, p, deps.config.publicUrl),
      ),
    ),
});

const create = implement(apiRoutes.statusPages.create, {
  audit: { action: "status_page.create", resourceType: "status_page" },
  handler: async ({ auth, deps, body, change }) => {
    const page = await change(async (tx, audit) => {
      const created = await createStatusPage(tx, requireOrg(auth), body, deps.now());
      audit({ resourceId: created.id, details: { slug: created.slug } });
      return created;
    });
    return presentStatusPage(deps.db, page, deps.config.publicUrl);
  },
});

const get = implement(apiRoutes.statusPages.get, {
  handler: async ({ auth, deps, params }) =>
    presentStatusPage(deps.db, await getStatusPage(deps.db, requireOrg(auth), params.pageId), deps.config.publicUrl),
});

const update = implement(apiRoutes.statusPages.update, {
  audit: { action: "status_page.update", resourceType: "status_page" },
  handler: async ({ auth, deps, params, body, change }) => {
    const page = await change(async (tx, audit) => {
      audit({ resourceId: params.pageId, details: { fields: Object.keys(body) } });
      return updateStatusPage(tx, requireOrg(auth), params.pageId, body, deps.now());
    });
    return presentStatusPage(deps.db, page, deps.config.publicUrl);
  },
});

const remove = implement(apiRoutes.statusPages.remove, {
  audit: { action: "status_page.delete", resourceType: "status_page" },
  handler: async ({ auth, params, change }) => {
    await change(async (tx, audit) => {
      audit({ resourceId: params.pageId });
      await deleteStatusPage(tx, requireOrg(auth), params.pageId);
    });
    return undefined;
  },
});

const incidents = implement(apiRoutes.statusPages.incidents, {
  handler: async ({ auth, deps, params }) =>
    pageIncidents(deps.db, (await getStatusPage(deps.db, requireOrg(auth), params.pageId)).id),
});

const createIncident = implement(apiRoutes.statusPages.createIncident, {
  audit: { action: "status_page_incident.create", resourceType: "status_page_incident" },
  handler: async ({ auth, deps, params, body, change }) => {
    const row = await change(async (tx, audit) => {
      const created = await createPageIncident(tx, requireOrg(auth), params.pageId, body, deps.now());
      audit({ resourceId: created.id, details: { kind: created.kind, page_id: params.pageId } });
      return created;
    });
    const [created] = (await pageIncidents(deps.db, params.pageId, 100)).filter((i) => i.id === row.id);
    return created;
  },
});

const addUpdate = implement(apiRoutes.statusPages.addIncidentUpdate, {
  audit: { action: "status_page_incident.update", resourceType: "status_page_incident" },
  handler: async ({ auth, deps, params, body, change }) => {
    const row = await change(async (tx, audit) => {
      audit({ resourceId: params.incidentId, details: { status: body.status } });
      return addIncidentUpdate(tx, requireOrg(auth), params.pageId, params.incidentId, body, deps.now());
    });
    const [updated] = (await pageIncidents(deps.db, params.pageId, 100)).filter((i) => i.id === row.id);
    return updated;
  },
});

const removeIncident = implement(apiRoutes.statusPages.removeIncident, {
  audit: { action: "status_page_incident.delete", resourceType: "status_page_incident" },
  handler: async ({ auth, params, change }) => {
    await change(async (tx, audit) => {
      audit({ resourceId: params.incidentId });
      await deletePageIncident(tx, requireOrg(auth), params.pageId, params.incidentId);
    });
    return undefined;
  },
});

/** Uptime and status pages API. */
export const statusPageRoutes = [
  uptime,
  list,
  create,
  get,
  update,
  remove,
  incidents,
  createIncident,
  addUpdate,
  removeIncident,
];
