import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { exampleMessages } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { AgentPeer, heartbeatPayload } from "../testing/agent-peer";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { type HubEventHandlers, hubEventHandlers } from "./events";
import type { HubEvent, HubEventHandler, HubEventKind } from "./hub-events";

// The hub reports each event to one dispatcher, which hands it to the domains that own it. These tests drive a
// real agent peer and watch every kind arrive after its domains' handlers have run.

/** The domains' own handlers, each kind's list followed by one that records the event (so it runs last). */
function watched(table: HubEventHandlers, seen: HubEvent[], first: Partial<HubEventHandlers> = {}): HubEventHandlers {
  const out: Partial<Record<HubEventKind, readonly HubEventHandler<HubEventKind>[]>> = {};
  for (const kind of Object.keys(table) as HubEventKind[]) {
    const record: HubEventHandler<HubEventKind> = async (event) => {
      seen.push(event as HubEvent);
    };
    const own = table[kind] as readonly HubEventHandler<HubEventKind>[];
    out[kind] = [...((first[kind] ?? []) as HubEventHandler<HubEventKind>[]), ...own, record];
  }
  return out as HubEventHandlers;
}

let t: TestApp;
let url: string;
let owner: { cookie: string };
let projectId: string;
const seen: HubEvent[] = [];

before(async () => {
  t = await createTestApp(
    {},
    {
      hubEventHandlers: (deps) =>
        watched(hubEventHandlers(deps), seen, {
          // A handler that fails must not keep the domains' handlers after it from running.
          certificate_status: [
            async () => {
              throw new Error("a failing certificate handler");
            },
          ],
        }),
    },
  );
  url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
});
after(() => t.close());

async function newServer(name: string): Promise<{ id: string; token: string }> {
  const res = await t.call("POST", "/api/v1/servers", { as: owner, body: { name } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.data.server_id, token: res.body.data.token };
}

async function newService(name: string, serverId: string): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: imageServiceBody(name, serverId),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

/** Waits for the recorder to see an event of this kind (for this server) and returns it. */
function arrival<K extends HubEventKind>(kind: K, serverId?: string, since = 0): Promise<HubEvent & { kind: K }> {
  return eventually(async () =>
    seen
      .slice(since)
      .find(
        (e): e is HubEvent & { kind: K } =>
          e.kind === kind &&
          (!serverId ||
            ("serverId" in e && e.serverId === serverId) ||
            ("serverIds" in e && e.serverIds.includes(serverId))),
      ),
  );
}

test("every kind of hub event reaches the handlers of the domains that own it, in order", async () => {
  const server = await newServer("edge-1");
  const removed = await newService("old", server.id);
  const kept = await newService("web", server.id);
  // Deleted while the agent is away: the removal waits for agent_ready.
  assert.equal((await t.call("DELETE", `/api/v1/services/${removed}`, { as: owner })).status, 204);

  const { peer } = await AgentPeer.online(url, server.token, server.id);
  await arrival("agent_ready", server.id);
  // The retire domain's handler sent the waiting removal.
  const stop = await peer.next("stop");
  assert.equal(stop.payload.service_id, removed);
  peer.respond(stop.payload.request_id, { success: true });
  const online = await arrival("server_status", server.id);
  assert.equal(online.kind === "server_status" && online.status, "online");

  // deploy_status: the deployments domain records it before the event is seen to arrive.
  const deployed = await t.call("POST", `/api/v1/services/${kept}/deploy`, { as: owner, body: {} });
  assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
  const command = await peer.next("deploy");
  peer.respond(command.payload.request_id, { success: true, data: { accepted: true } });
  const now = new Date().toISOString();
  peer.send("deploy_status", {
    deployment_id: command.payload.deployment_id,
    service_id: kept,
    status: "running",
    phase: "cleanup",
    progress_percent: 100,
    message: "running",
    started_at: now,
    finished_at: now,
  });
  await arrival("deploy_status", server.id);
  const row = await t.call("GET", `/api/v1/deployments/${command.payload.deployment_id}`, { as: owner });
  assert.equal(row.body.data.status, "running");

  // A recorded heartbeat (the connection's first is never coalesced) is handed on for its containers' metrics.
  peer.send("heartbeat", heartbeatPayload());
  await arrival("heartbeat_recorded", server.id);

  // The other agent messages a domain owns, as the contract's examples of them.
  peer.send("certificate_status", { ...exampleMessages.certificate_status.payload });
  peer.send("alert", { ...exampleMessages.alert.payload, server_id: server.id });
  peer.send("routes_report", { ...exampleMessages.routes_report.payload });
  peer.send("monitor_results", { ...exampleMessages.monitor_results.payload });
  await arrival("certificate_status", server.id);
  await arrival("monitor_results", server.id);
  await arrival("routes_report", server.id);
  await arrival("alert", server.id);
  assert.equal(t.deps.agents.recentAlerts(server.id).length, 1);

  const before = seen.length;
  await t.deps.agents.sweep();
  await arrival("sweep", undefined, before);

  await peer.close();
  await eventually(async () =>
    seen.find((e) => e.kind === "server_status" && e.serverId === server.id && e.status === "offline"),
  );
  assert.deepEqual(peer.invalid, []);

  // Every kind the dispatcher knows was produced by the hub and reached its handlers.
  const kinds = new Set(seen.map((e) => e.kind));
  assert.deepEqual([...kinds].sort(), (Object.keys(hubEventHandlers(t.deps)) as HubEventKind[]).sort());
});

test("a handler that fails is logged with its event and the handlers after it still run", async () => {
  const server = await newServer("edge-2");
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  const before = seen.length;
  peer.send("certificate_status", { ...exampleMessages.certificate_status.payload });
  await arrival("certificate_status", server.id, before);
  const failure = t.logs
    .map((line) => JSON.parse(line))
    .find((l) => l.msg === "agent hub event handler failed" && l.server_id === server.id);
  assert.ok(failure, "the failure is logged");
  assert.equal(failure.event, "certificate_status");
  assert.match(failure.err.message, /a failing certificate handler/);
  await peer.close();
});
