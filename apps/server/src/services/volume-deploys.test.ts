import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DeployPayload } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { AgentPeer } from "../testing/agent-peer";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
let serverId: string;
let peer: AgentPeer;
before(async () => {
  t = await createTestApp();
  const url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const srv = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } })).body.data;
  serverId = srv.server_id;
  peer = (await AgentPeer.online(url, srv.token, serverId)).peer;
  peer.answerEverything();
});
after(async () => {
  await peer?.close();
  await t.close();
});

async function newService(project: string, name: string, extra: Record<string, unknown>): Promise<string> {
  const p = await t.call("POST", "/api/v1/projects", { as: owner, body: { name: project } });
  const res = await t.call("POST", `/api/v1/projects/${p.body.data.id}/services`, {
    as: owner,
    body: {
      name,
      server_id: serverId,
      source_type: "image",
      source_config: { image: "registry.local:5000/acme/app", tag: "v1" },
      port: 8080,
      ...extra,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

/** The deployment once the (answering) agent ran it, and the deploy command it got. */
async function ran(deploymentId: string): Promise<{ deployment: Record<string, unknown>; payload: DeployPayload }> {
  const deployment = await eventually(async () => {
    const d = (await t.call("GET", `/api/v1/deployments/${deploymentId}`, { as: owner })).body.data;
    return d.status === "running" && d;
  });
  const cmd = peer.received.find((m) => m.type === "deploy" && m.payload.deployment_id === deploymentId);
  assert.ok(cmd?.type === "deploy", "the agent got the deploy command");
  assert.deepEqual(peer.invalid, [], "every command passed the contract");
  return { deployment, payload: cmd.payload };
}

async function deploy(serviceId: string, body: Record<string, unknown>) {
  const res = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return ran(res.body.data.id);
}

async function rollback(serviceId: string, deploymentId: string) {
  const res = await t.call("POST", `/api/v1/services/${serviceId}/rollback`, {
    as: owner,
    body: { deployment_id: deploymentId },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return ran(res.body.data.id);
}

test("the agent gets named volumes namespaced by service, bind mounts as they are, the same on every deploy", async () => {
  const id = await newService("Shop", "web", {
    replicas: 2,
    volumes: [
      { name: "data", container_path: "/data" },
      { name: "shared", host_path: "/srv/shared", container_path: "/shared", read_only: true },
    ],
  });
  const v1 = await deploy(id, { image_tag: "v1", strategy: "rolling" });
  assert.deepEqual(v1.payload.config.volumes, [
    { name: `syntra-${id}-data`, container_path: "/data", read_only: false },
    { name: "shared", host_path: "/srv/shared", container_path: "/shared", read_only: true },
  ]);
  assert.equal(v1.payload.strategy, "rolling", "an app shares its volumes between old and new containers");
  assert.equal(v1.payload.config.replicas, 2);

  // A rename changes neither the Docker volume nor the data in it.
  await t.call("PATCH", `/api/v1/services/${id}`, { as: owner, body: { name: "www" } });
  const v2 = await deploy(id, { image_tag: "v2", strategy: "blue_green" });
  assert.equal(v2.payload.service_name, "www");
  assert.deepEqual(v2.payload.config.volumes, v1.payload.config.volumes);

  // A rollback goes back in code, not in data: it mounts the service's volumes of now.
  const now = [
    { name: "data", container_path: "/data" },
    { name: "logs", container_path: "/var/log/app" },
  ];
  await t.call("PATCH", `/api/v1/services/${id}`, { as: owner, body: { volumes: now } });
  const back = await rollback(id, v1.deployment.id as string);
  assert.equal(back.payload.image.tag, "v1");
  assert.deepEqual(back.payload.config.volumes, [
    { name: `syntra-${id}-data`, container_path: "/data", read_only: false },
    { name: `syntra-${id}-logs`, container_path: "/var/log/app", read_only: false },
  ]);

  const other = await newService("Blog", "web", { volumes: [{ name: "data", container_path: "/data" }] });
  const elsewhere = await deploy(other, { image_tag: "v1" });
  assert.deepEqual(elsewhere.payload.config.volumes, [
    { name: `syntra-${other}-data`, container_path: "/data", read_only: false },
  ]);
  assert.notEqual(elsewhere.payload.config.volumes?.[0]?.name, v1.payload.config.volumes?.[0]?.name);

  const none = await deploy(await newService("Plain", "web", {}), { image_tag: "v1" });
  assert.equal(none.payload.config.volumes, undefined, "no volumes, no mounts");
});

test("a database with volumes always deploys instant, and its deploy log says why", async () => {
  const id = await newService("Data", "pg", {
    type: "database",
    volumes: [{ name: "pgdata", container_path: "/var/lib/postgresql/data" }],
  });
  const v1 = await deploy(id, { image_tag: "v1", strategy: "rolling" });
  assert.equal(v1.payload.strategy, "instant");
  assert.deepEqual(v1.payload.config.volumes, [
    { name: `syntra-${id}-pgdata`, container_path: "/var/lib/postgresql/data", read_only: false },
  ]);
  assert.equal((v1.deployment.spec_snapshot as { strategy: string }).strategy, "instant");
  const log = v1.deployment.deploy_log as { message: string }[];
  assert.match(log[0]?.message ?? "", /instant strategy instead of rolling.*database with volumes/);

  const v2 = await deploy(id, { image_tag: "v2", strategy: "blue_green" });
  assert.equal(v2.payload.strategy, "instant");
  const back = await rollback(id, v1.deployment.id as string);
  assert.equal(back.payload.strategy, "instant");

  // Asked for instant, nothing to explain; a database without volumes deploys as asked.
  const asked = await deploy(id, { image_tag: "v3", strategy: "instant" });
  assert.ok(!(asked.deployment.deploy_log as { message: string }[]).some((e) => /instead of/.test(e.message)));
  const bare = await deploy(await newService("Cache", "redis", { type: "database" }), { strategy: "rolling" });
  assert.equal(bare.payload.strategy, "rolling");
});

test("a rollback to a deployment that ran two replicas before the volumes came fails with the reason", async () => {
  const id = await newService("Legacy", "db", { type: "database", replicas: 2 });
  const old = await deploy(id, { image_tag: "v1" });
  assert.equal(old.payload.config.replicas, 2);
  const patched = await t.call("PATCH", `/api/v1/services/${id}`, {
    as: owner,
    body: { replicas: 1, volumes: [{ name: "data", container_path: "/data" }] },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  await deploy(id, { image_tag: "v2" });
  const res = await t.call("POST", `/api/v1/services/${id}/rollback`, {
    as: owner,
    body: { deployment_id: old.deployment.id },
  });
  assert.equal(res.status, 201);
  const failed = await eventually(async () => {
    const d = (await t.call("GET", `/api/v1/deployments/${res.body.data.id}`, { as: owner })).body.data;
    return d.status === "failed" && d;
  });
  assert.match(failed.error_message, /database service with volumes runs one container/);
  assert.ok(
    !peer.received.some((m) => m.type === "deploy" && m.payload.deployment_id === res.body.data.id),
    "no two-replica deploy reached the agent",
  );
});
