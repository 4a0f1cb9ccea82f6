import { apiRoutes } from "@syntra/contracts";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import { createChannel, deleteChannel, getChannel, listChannels, presentChannel, updateChannel } from "./channels";
import { attemptDelivery, listDeliveries, presentDelivery, queueTestDelivery } from "./deliveries";
import { testNotification } from "./test-notification";

const list = implement(apiRoutes.alertChannels.list, {
  handler: async ({ auth, deps }) => {
    const now = deps.now();
    const rows = await listChannels(deps.db, requireOrg(auth));
    return Promise.all(rows.map((r) => presentChannel(deps.db, deps.keyring, r, now)));
  },
});

const create = implement(apiRoutes.alertChannels.create, {
  audit: { action: "alert_channel.create", resourceType: "alert_channel" },
  handler: async ({ auth, deps, body, change }) => {
    const now = deps.now();
    const { row, signingSecret } = await change(async (tx, audit) => {
      const created = await createChannel(tx, deps.keyring, requireOrg(auth), body, now);
      audit({ resourceId: created.row.id, details: { name: created.row.name, type: created.row.type } });
      return created;
    });
    const channel = await presentChannel(deps.db, deps.keyring, row, now);
    return signingSecret ? { ...channel, signing_secret: signingSecret } : channel;
  },
});

const get = implement(apiRoutes.alertChannels.get, {
  handler: async ({ auth, deps, params }) =>
    presentChannel(deps.db, deps.keyring, await getChannel(deps.db, requireOrg(auth), params.channelId), deps.now()),
});

const update = implement(apiRoutes.alertChannels.update, {
  audit: { action: "alert_channel.update", resourceType: "alert_channel" },
  handler: async ({ auth, deps, params, body, change }) => {
    const now = deps.now();
    const row = await change(async (tx, audit) => {
      // Never the config: it may hold the secret.
      audit({ resourceId: params.channelId, details: { fields: Object.keys(body) } });
      return updateChannel(tx, deps.keyring, requireOrg(auth), params.channelId, body, now);
    });
    return presentChannel(deps.db, deps.keyring, row, now);
  },
});

const remove = implement(apiRoutes.alertChannels.remove, {
  audit: { action: "alert_channel.delete", resourceType: "alert_channel" },
  handler: async ({ auth, params, change }) => {
    await change(async (tx, audit) => {
      audit({ resourceId: params.channelId });
      await deleteChannel(tx, requireOrg(auth), params.channelId);
    });
    return undefined;
  },
});

const test = implement(apiRoutes.alertChannels.test, {
  audit: { action: "alert_channel.test", resourceType: "alert_channel" },
  handler: async ({ auth, deps, params, audit }) => {
    const orgId = requireOrg(auth);
    const row = await getChannel(deps.db, orgId, params.channelId);
    const now = deps.now();
    // A paused channel takes a test too: that is how one checks it before turning it on again.
    const queued = await queueTestDelivery(deps.db, row.id, await testNotification(deps, orgId, auth.user, now), now);
    // Sent now, once, in the request: the person who asked waits for the answer (at most the channel's timeout).
    const done = await attemptDelivery(deps, queued, { retries: false });
    audit({ resourceId: row.id, details: { delivered: done.status === "delivered" } });
    return presentDelivery(done);
  },
});

const deliveries = implement(apiRoutes.alertChannels.deliveries, {
  handler: async ({ auth, deps, params, query }) => {
    const row = await getChannel(deps.db, requireOrg(auth), params.channelId);
    return (await listDeliveries(deps.db, row.id, query)).map(presentDelivery);
  },
});

/** The notification channels API. */
export const alertChannelRoutes = [list, create, get, update, remove, test, deliveries];
