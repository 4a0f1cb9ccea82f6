import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { eq } from "drizzle-orm";
import { serviceRemovals } from "../db/schema";
import { AgentPeer } from "../testing/agent-peer";
import { createTestApp, type TestApp } from "../testing/harness";

// Deleting a service or a project takes it off its server: the agent removes the route and the containers, now
// or when it reconnects, so a deleted app never keeps serving unseen.

let t: TestApp;
let url: string;
let owner: { cookie: string };
let projectId: string;

async function newServer(name: string): Promise<{ id: string; token: string }> {
  const res = await t.call("POST", "/api/v1/servers", { as: owner, body: { name } });
  return { id: res.body.data.server_id, token: res.body.data.token };
}

async function newService(name: string, serverId: string, project = projectId): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${project}/services`, {
    as: owner,
    body: { name, server_id: serverId, source_type: "image", source_config: { image: "nginx" }, port: 80 },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

const serviceStatus = async (id: string) => (await t.call("GET", `/api/v1/services/${id}`, { as: owner })).status;
const pendingRemovals = () => t.deps.db.select().from(serviceRemovals);

before(async () => {
  t = await createTestApp();
  url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
});
after(() => t.close());

test("deleting a service on a connected server removes its containers before answering", async () => {
  const server = await newServer("edge-1");
  const serviceId = await newService("web", server.id);
  const { peer } = await AgentPeer.online(url, server.token, server.id);

  const deleting = t.call("DELETE", `/api/v1/services/${serviceId}`, { as: owner });
  const stop = await peer.next("stop");
  assert.equal(stop.payload.service_id, serviceId);
  assert.equal(stop.payload.remove_container, true);
  assert.equal(await serviceStatus(serviceId), 200, "still there until the agent confirms");
  peer.respond(stop.payload.request_id, { success: true });
  assert.equal((await deleting).status, 204);
  assert.equal(await serviceStatus(serviceId), 404);
  assert.deepEqual(await pendingRemovals(), []);
  await peer.close();
});

test("an agent that cannot remove the containers keeps the service, with its reason", async () => {
  const server = await newServer("edge-2");
  const serviceId = await newService("api", server.id);
  const { peer } = await AgentPeer.online(url, server.token, server.id);

  const deleting = t.call("DELETE", `/api/v1/services/${serviceId}`, { as: owner });
  const stop = await peer.next("stop");
  peer.respond(stop.payload.request_id, {
    success: false,
    error: { code: "DOCKER_ERROR", message: "device or resource busy" },
  });
  const answer = await deleting;
  assert.equal(answer.status, 422);
  assert.match(answer.body.error.message, /could not remove the service's containers: device or resource busy/);
  assert.equal(await serviceStatus(serviceId), 200);
  // Once the agent manages, the same delete goes through.
  peer.answerEverything();
  assert.equal((await t.call("DELETE", `/api/v1/services/${serviceId}`, { as: owner })).status, 204);
  await peer.close();
});

test("a service deleted while its agent is away is removed when the agent reconnects, retried until done", async () => {
  const server = await newServer("edge-3");
  const services = [await newService("worker", server.id), await newService("worker-2", server.id)];
  for (const id of services) {
    assert.equal((await t.call("DELETE", `/api/v1/services/${id}`, { as: owner })).status, 204);
    assert.equal(await serviceStatus(id), 404);
  }
  assert.deepEqual(
    (await pendingRemovals()).map((r) => [r.serviceId, r.serverId]).sort(),
    services.map((id) => [id, server.id]).sort(),
  );

  // First reconnect: the agent fails the first removal and does the second. The removals go out one after the
  // other, so the second command orders after the first failure was handled.
  const first = await AgentPeer.online(url, server.token, server.id);
  const failed = await first.peer.next("stop");
  first.peer.respond(failed.payload.request_id, { success: false, error: { code: "TIMEOUT", message: "slow" } });
  const done = await first.peer.next("stop");
  assert.notEqual(done.payload.service_id, failed.payload.service_id);
  first.peer.respond(done.payload.request_id, { success: true });
  await eventually(async () => (await pendingRemovals()).length === 1);
  assert.deepEqual(
    (await pendingRemovals()).map((r) => r.serviceId),
    [failed.payload.service_id],
    "the failed removal stays for the next reconnect",
  );
  await first.peer.close();

  const second = await AgentPeer.online(url, server.token, server.id);
  const stop = await second.peer.next("stop");
  assert.equal(stop.payload.service_id, failed.payload.service_id);
  second.peer.respond(stop.payload.request_id, { success: true });
  await eventually(async () => (await pendingRemovals()).length === 0);
  await second.peer.close();
});

test("deleting a project takes each of its services off its server", async () => {
  const online = await newServer("edge-4");
  const away = await newServer("edge-5");
  const project = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Blog" } })).body.data.id;
  const here = await newService("web", online.id, project);
  const there = await newService("cron", away.id, project);
  const { peer } = await AgentPeer.online(url, online.token, online.id);
  peer.answerEverything();

  assert.equal((await t.call("DELETE", `/api/v1/projects/${project}`, { as: owner })).status, 204);
  assert.ok(peer.received.some((m) => m.type === "stop" && m.payload.service_id === here));
  assert.deepEqual(
    (await t.deps.db.select().from(serviceRemovals).where(eq(serviceRemovals.serverId, away.id))).map(
      (r) => r.serviceId,
    ),
    [there],
  );
  assert.equal(await serviceStatus(here), 404);
  assert.equal(await serviceStatus(there), 404);
  await peer.close();
});
