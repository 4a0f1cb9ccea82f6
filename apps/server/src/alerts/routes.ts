import { apiRoutes } from "@syntra/contracts";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import { acknowledgeIncident, getIncident, listIncidents, presentIncident, resolveIncident } from "./incidents";
import { createRule, deleteRule, getRule, listRules, presentRules, updateRule } from "./rules";
import { activeSilences, createSilence, expireSilence, listSilences, presentSilence } from "./silences";

const list = implement(apiRoutes.alerts.list, {
  handler: async ({ auth, deps, query }) => presentRules(deps.db, await listRules(deps.db, requireOrg(auth), query)),
});

const create = implement(apiRoutes.alerts.create, {
  audit: { action: "alert.create", resourceType: "alert" },
  handler: async ({ auth, deps, body, change }) => {
    const row = await change(async (tx, audit) => {
      const created = await createRule(tx, requireOrg(auth), auth.user.id, body, deps.now());
      audit({ resourceId: created.id, details: { name: created.name, type: created.type } });
      return created;
    });
    // A new rule is due at once: evaluated now, not at the end of the worker's sleep.
    deps.alerts?.rulesChanged();
    const [rule] = await presentRules(deps.db, [row]);
    return rule;
  },
});

const get = implement(apiRoutes.alerts.get, {
  handler: async ({ auth, deps, params }) => {
    const [rule] = await presentRules(deps.db, [await getRule(deps.db, requireOrg(auth), params.alertId)]);
    return rule;
  },
});

const update = implement(apiRoutes.alerts.update, {
  audit: { action: "alert.update", resourceType: "alert" },
  handler: async ({ auth, deps, params, body, change }) => {
    const row = await change(async (tx, audit) => {
      audit({ resourceId: params.alertId, details: { fields: Object.keys(body) } });
      return updateRule(tx, requireOrg(auth), params.alertId, body, deps.now());
    });
    deps.alerts?.rulesChanged();
    const [rule] = await presentRules(deps.db, [row]);
    return rule;
  },
});

const remove = implement(apiRoutes.alerts.remove, {
  audit: { action: "alert.delete", resourceType: "alert" },
  handler: async ({ auth, params, change }) => {
    await change(async (tx, audit) => {
      audit({ resourceId: params.alertId });
      await deleteRule(tx, requireOrg(auth), params.alertId);
    });
    return undefined;
  },
});

const incidents = implement(apiRoutes.alerts.incidents, {
  handler: async ({ auth, deps, query }) => {
    const orgId = requireOrg(auth);
    const silences = await activeSilences(deps.db, orgId, deps.now());
    return (await listIncidents(deps.db, orgId, query)).map((r) => presentIncident(r.incident, r.rule, silences));
  },
});

const incident = implement(apiRoutes.alerts.incident, {
  handler: async ({ auth, deps, params }) => {
    const orgId = requireOrg(auth);
    const { incident: row, rule } = await getIncident(deps.db, orgId, params.incidentId);
    return presentIncident(row, rule, await activeSilences(deps.db, orgId, deps.now()));
  },
});

const acknowledge = implement(apiRoutes.alerts.acknowledge, {
  audit: { action: "alert_incident.acknowledge", resourceType: "alert_incident" },
  handler: async ({ auth, deps, params, change }) => {
    const orgId = requireOrg(auth);
    const input = { orgId, incidentId: params.incidentId, userId: auth.user.id, publicUrl: deps.config.publicUrl };
    await change(async (tx, audit) => {
      audit({ resourceId: params.incidentId });
      await acknowledgeIncident(tx, { ...input, now: deps.now() });
    });
    deps.alerts?.kick();
    const { incident: row, rule } = await getIncident(deps.db, orgId, params.incidentId);
    return presentIncident(row, rule, await activeSilences(deps.db, orgId, deps.now()));
  },
});

const resolve = implement(apiRoutes.alerts.resolve, {
  audit: { action: "alert_incident.resolve", resourceType: "alert_incident" },
  handler: async ({ auth, deps, params, change }) => {
    const orgId = requireOrg(auth);
    const input = { orgId, incidentId: params.incidentId, userId: auth.user.id, publicUrl: deps.config.publicUrl };
    await change(async (tx, audit) => {
      audit({ resourceId: params.incidentId });
      await resolveIncident(tx, { ...input, now: deps.now() });
    });
    deps.alerts?.kick();
    const { incident: row, rule } = await getIncident(deps.db, orgId, params.incidentId);
    return presentIncident(row, rule, []);
  },
});

const silences = implement(apiRoutes.alerts.silences, {
  handler: async ({ auth, deps, query }) => {
    const now = deps.now();
    return (await listSilences(deps.db, requireOrg(auth), query.all === "true", now)).map((s) =>
      presentSilence(s, now),
    );
  },
});

const createSilenceRoute = implement(apiRoutes.alerts.createSilence, {
  audit: { action: "alert_silence.create", resourceType: "alert_silence" },
  handler: async ({ auth, deps, body, change }) => {
    const now = deps.now();
    const row = await change(async (tx, audit) => {
      const created = await createSilence(tx, requireOrg(auth), auth.user.id, body, now);
      audit({ resourceId: created.id, details: { kind: created.kind, ends_at: created.endsAt.toISOString() } });
      return created;
    });
    return presentSilence(row, now);
  },
});

const expireSilenceRoute = implement(apiRoutes.alerts.expireSilence, {
  audit: { action: "alert_silence.expire", resourceType: "alert_silence" },
  handler: async ({ auth, deps, params, change }) => {
    await change(async (tx, audit) => {
      audit({ resourceId: params.silenceId });
      await expireSilence(tx, requireOrg(auth), params.silenceId, deps.now());
    });
    return undefined;
  },
});

/** The alert rules, incidents and silences API. */
export const alertRoutes = [
  list,
  create,
  get,
  update,
  remove,
  incidents,
  incident,
  acknowledge,
  resolve,
  silences,
  createSilenceRoute,
  expireSilenceRoute,
];
