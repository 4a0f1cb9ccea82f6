import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type DeployStatusPayload, envelope, type MessageOf } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { eq } from "drizzle-orm";
import { deployments, domains } from "../db/schema";
import { syncRoutedDomains } from "../domains/claims";
import { AgentPeer, heartbeatPayload } from "../testing/agent-peer";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";

const SECRET_DB = "postgres://shop:hunter2-db-pass@db:5432/shop";
const SECRET_KEY = "sk-live-TOPSECRET-1234";

let t: TestApp;
let url: string;
let owner: { cookie: string };
let server: { id: string; token: string };
let projectId: string;
before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const srv = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } });
  server = { id: srv.body.data.server_id, token: srv.body.data.token };
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
});
after(() => t.close());

/** Creates an image service on the test server; returns its id. */
async function newService(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: {
      ...imageServiceBody(name, server.id),
      // Domains are unique across the installation.
      domains: [`${name}.example.com`],
      health_check: { type: "http", path: "/healthz" },
      env_vars: { DATABASE_URL: SECRET_DB, API_KEY: SECRET_KEY },
      ...extra,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

const deploy = (serviceId: string, body: Record<string, unknown> = {}) =>
  t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body });
const getDeployment = async (id: string) => (await t.call("GET", `/api/v1/deployments/${id}`, { as: owner })).body.data;

/** Reports a deploy_status for a deploy the peer received. */
function report(
  peer: AgentPeer,
  cmd: MessageOf<"deploy">,
  status: DeployStatusPayload["status"],
  extra: Partial<DeployStatusPayload> = {},
): void {
  peer.send("deploy_status", {
    deployment_id: cmd.payload.deployment_id,
    service_id: cmd.payload.service_id,
    status,
    phase: status === "pulling" ? "pull_image" : status === "health_checking" ? "health_check" : "cleanup",
    progress_percent: status === "running" ? 100 : 50,
    message: `now ${status}`,
    started_at: "2026-01-01T00:00:00.000Z",
    ...extra,
  });
}

/** Drives a deploy the peer received to running and waits until the row says so. */
async function runToCompletion(peer: AgentPeer, cmd: MessageOf<"deploy">): Promise<void> {
  report(peer, cmd, "running", { finished_at: "2026-01-01T00:00:03.000Z" });
  await eventually(async () => (await getDeployment(cmd.payload.deployment_id)).status === "running");
}

let online: AgentPeer | undefined;
async function connectAgent(): Promise<AgentPeer> {
  online = (await AgentPeer.online(url, server.token, server.id)).peer;
  return online;
}
async function disconnectAgent(): Promise<void> {
  await online?.close();
  online = undefined;
  await eventually(async () => !t.deps.agents.isOnline(server.id));
}

test("deploying with the agent online sends a contract-valid deploy: decrypted env, image split, settings", async () => {
  const serviceId = await newService("web");
  // Only a verified domain is routed; mark it so, as a passing DNS check would.
  await t.deps.db.update(domains).set({ status: "verified" }).where(eq(domains.domain, "web.example.com"));
  await syncRoutedDomains(t.deps.db, serviceId);
  const peer = await connectAgent();
  const res = await deploy(serviceId, { image_tag: "v2" });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const d = res.body.data;
  assert.equal(d.status, "deploying");
  assert.equal(d.trigger_type, "manual");
  assert.equal(d.image, "registry.local:5000/acme/web:v2");
  assert.ok(d.started_at);
  const cmd = await peer.next("deploy");
  assert.deepEqual(peer.invalid, [], "every message the control plane sent passed the contract");
  const p = cmd.payload;
  assert.equal(p.deployment_id, d.id);
  assert.equal(p.service_id, serviceId);
  assert.equal(p.service_name, "web");
  assert.equal(p.project_name, "Shop");
  assert.deepEqual(p.image, { registry: "registry.local:5000", repository: "acme/web", tag: "v2" });
  assert.deepEqual(p.registry_auth, { username: "", password: "" });
  // The service's own variables, beside the telemetry ones Syntra adds (telemetry/injected-env.test.ts).
  assert.equal(p.config.env_vars.API_KEY, SECRET_KEY);
  assert.equal(p.config.env_vars.DATABASE_URL, SECRET_DB);
  assert.equal(p.config.port, 8080);
  assert.equal(p.config.replicas, 1);
  assert.equal(p.config.health_check?.path, "/healthz");
  // The verified custom domain and the default domain (the peer reports a public address: a sslip.io name).
  const shortId = serviceId.replaceAll("-", "").slice(0, 8);
  assert.deepEqual(p.networking, {
    domains: [`web-shop-${shortId}.203-0-113-7.sslip.io`, "web.example.com"],
    internal_hostname: "web.shop.internal",
    expose_port: false,
  });
  assert.equal(p.strategy, "rolling");
  assert.equal(p.rollback_on_failure, true);
  assert.equal(p.timeout_seconds, 300);
  peer.respond(p.request_id, { success: true, data: { accepted: true } });

  // Progress, then the outcome.
  for (const status of ["pulling", "creating", "starting", "health_checking"] as const) report(peer, cmd, status);
  await eventually(async () => (await getDeployment(d.id)).deploy_log.length === 4);
  assert.equal((await getDeployment(d.id)).status, "deploying");
  report(peer, cmd, "running", { finished_at: "2026-01-01T00:00:04.200Z" });
  const done = await eventually(async () => {
    const x = await getDeployment(d.id);
    return x.status === "running" ? x : undefined;
  });
  assert.equal(done.deploy_duration_ms, 4200);
  assert.ok(done.finished_at);
  assert.equal(done.error_message, null);
  assert.deepEqual(
    done.deploy_log.map((e: { status: string }) => e.status),
    ["pulling", "creating", "starting", "health_checking", "running"],
  );
  assert.equal(done.deploy_log[0].phase, "pull_image");
  assert.equal(done.spec_snapshot.port, 8080);
  assert.equal(done.spec_snapshot.strategy, "rolling");
  const svc = await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner });
  assert.equal(svc.body.data.current_deployment_id, d.id);
  assert.equal(svc.body.data.recent_deployments[0].id, d.id);
  await disconnectAgent();
});

test("failed and rolled_back outcomes are recorded with the agent's error", async () => {
  const serviceId = await newService("flaky");
  const peer = await connectAgent();
  const first = (await deploy(serviceId, { strategy: "blue_green" })).body.data;
  const cmd = await peer.next("deploy");
  assert.equal(cmd.payload.strategy, "blue_green");
  report(peer, cmd, "failed", { error: { code: "PULL_FAILED", message: "manifest unknown" } });
  const failed = await eventually(async () => {
    const x = await getDeployment(first.id);
    return x.status === "failed" ? x : undefined;
  });
  assert.equal(failed.error_message, "manifest unknown");
  assert.deepEqual(failed.deploy_log[0].error, { code: "PULL_FAILED", message: "manifest unknown" });

  const second = (await deploy(serviceId)).body.data;
  const cmd2 = await peer.next("deploy");
  report(peer, cmd2, "failed", { error: { code: "HEALTH_CHECK_FAILED", message: "GET /healthz: 500" } });
  report(peer, cmd2, "rolled_back", { message: "rolled back to the previous containers" });
  const rolled = await eventually(async () => {
    const x = await getDeployment(second.id);
    return x.status === "rolled_back" ? x : undefined;
  });
  assert.equal(rolled.error_message, "rolled back to the previous containers");
  assert.equal(rolled.error_code, "HEALTH_CHECK_FAILED", "the code of the failure that caused the rollback");
  // A refused deploy command fails the deployment too.
  const third = (await deploy(serviceId)).body.data;
  const cmd3 = await peer.next("deploy");
  peer.respond(cmd3.payload.request_id, { success: false, error: { code: "DISK_FULL", message: "no space left" } });
  await eventually(async () => (await getDeployment(third.id)).status === "failed");
  const refused = await getDeployment(third.id);
  assert.equal(refused.error_message, "no space left");
  // DISK_FULL is no code of the table: an agent of another version's, read as UNRECOGNIZED_ERROR.
  assert.equal(refused.error_code, "UNRECOGNIZED_ERROR");
  await disconnectAgent();
});

test("a deploy while the agent is offline is queued and delivered in pending_deployments on hello", async () => {
  const serviceId = await newService("later");
  const res = await deploy(serviceId);
  assert.equal(res.status, 201);
  assert.equal(res.body.data.status, "queued");
  assert.equal(res.body.data.queue_position, 1);
  assert.equal(res.body.data.started_at, null);
  const listed = await t.call("GET", `/api/v1/services/${serviceId}/deployments?status=queued`, { as: owner });
  assert.deepEqual(
    listed.body.data.map((x: { id: string; queue_position: number }) => [x.id, x.queue_position]),
    [[res.body.data.id, 1]],
  );
  const { peer, ack } = await AgentPeer.online(url, server.token, server.id);
  online = peer;
  assert.ok(ack.accepted);
  assert.deepEqual(
    ack.pending_deployments.map((p) => [p.deployment_id, p.config.env_vars.API_KEY]),
    [[res.body.data.id, SECRET_KEY]],
  );
  const row = await getDeployment(res.body.data.id);
  assert.equal(row.status, "deploying");
  assert.equal(row.queue_position, undefined);
  assert.deepEqual(peer.invalid, []);
  await disconnectAgent();
});

test("one deployment per service in flight: later ones queue, then go out in order", async () => {
  const serviceId = await newService("busy");
  const peer = await connectAgent();
  const a = (await deploy(serviceId, { image_tag: "a" })).body.data;
  const b = (await deploy(serviceId, { image_tag: "b" })).body.data;
  const c = (await deploy(serviceId, { image_tag: "c" })).body.data;
  assert.deepEqual([a.status, b.status, c.status], ["deploying", "queued", "queued"]);
  assert.deepEqual([b.queue_position, c.queue_position], [1, 2]);
  const list = (await t.call("GET", `/api/v1/services/${serviceId}/deployments`, { as: owner })).body.data;
  assert.deepEqual(
    list.map((x: { id: string }) => x.id),
    [c.id, b.id, a.id],
    "newest first",
  );
  const cmdA = await peer.next("deploy");
  assert.equal(cmdA.payload.image.tag, "a");
  await runToCompletion(peer, cmdA);
  const cmdB = await peer.next("deploy");
  assert.equal(cmdB.payload.deployment_id, b.id);
  assert.equal((await getDeployment(c.id)).queue_position, 1);
  assert.equal(peer.received.filter((m) => m.type === "deploy").length, 2, "c waits for b");
  await runToCompletion(peer, cmdB);
  assert.equal((await peer.next("deploy")).payload.deployment_id, c.id);
  await disconnectAgent();
});

test("rollback redeploys an earlier deployment's image; a target that never ran is refused", async () => {
  const serviceId = await newService("rolling");
  const peer = await connectAgent();
  const v1 = (await deploy(serviceId, { image_tag: "v1" })).body.data;
  await runToCompletion(peer, await peer.next("deploy"));
  const v2 = (await deploy(serviceId, { image_tag: "v2" })).body.data;
  await runToCompletion(peer, await peer.next("deploy"));
  const bad = (await deploy(serviceId, { image_tag: "v3" })).body.data;
  report(peer, await peer.next("deploy"), "failed", { error: { code: "PULL_FAILED", message: "nope" } });
  await eventually(async () => (await getDeployment(bad.id)).status === "failed");

  const res = await t.call("POST", `/api/v1/services/${serviceId}/rollback`, {
    as: owner,
    body: { deployment_id: v1.id },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.data.trigger_type, "rollback");
  assert.equal(res.body.data.rollback_from_id, v2.id);
  assert.equal(res.body.data.image, v1.image);
  const cmd = await peer.next("deploy");
  assert.equal(cmd.payload.image.tag, "v1");
  assert.equal(cmd.payload.deployment_id, res.body.data.id);
  await runToCompletion(peer, cmd);
  assert.equal(
    (await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner })).body.data.current_deployment_id,
    res.body.data.id,
  );
  // v2 ran before it was superseded, so it is still a valid target.
  const back = await t.call("POST", `/api/v1/services/${serviceId}/rollback`, {
    as: owner,
    body: { deployment_id: v2.id },
  });
  assert.equal(back.status, 201);
  await runToCompletion(peer, await peer.next("deploy"));
  for (const target of [bad.id, crypto.randomUUID(), back.body.data.id]) {
    const refused = await t.call("POST", `/api/v1/services/${serviceId}/rollback`, {
      as: owner,
      body: { deployment_id: target },
    });
    assert.equal(refused.status, 422, target);
    assert.equal(refused.body.error.code, "UNPROCESSABLE");
  }
  await disconnectAgent();
});

test("cancel: a queued deployment is cancelled, a deploying one answers 422", async () => {
  const serviceId = await newService("cancellable");
  const peer = await connectAgent();
  const running = (await deploy(serviceId)).body.data;
  const queued = (await deploy(serviceId)).body.data;
  const cancelled = await t.call("POST", `/api/v1/deployments/${queued.id}/cancel`, { as: owner });
  assert.equal(cancelled.status, 200);
  assert.equal(cancelled.body.data.status, "cancelled");
  assert.ok(cancelled.body.data.finished_at);
  const refused = await t.call("POST", `/api/v1/deployments/${running.id}/cancel`, { as: owner });
  assert.equal(refused.status, 422);
  assert.match(refused.body.error.message, /cannot interrupt/);
  const again = await t.call("POST", `/api/v1/deployments/${queued.id}/cancel`, { as: owner });
  assert.equal(again.status, 422);
  // Finishing the running one sends nothing: the cancelled one stays cancelled.
  await runToCompletion(peer, await peer.next("deploy"));
  await peer.sync();
  assert.equal(peer.received.filter((m) => m.type === "deploy").length, 1);
  await disconnectAgent();
});

test("reconciliation settles stale deploying rows: running when the heartbeat shows it, else failed", async () => {
  const serviceId = await newService("stale");
  const peer = await connectAgent();
  const seen = (await deploy(serviceId)).body.data;
  await peer.next("deploy");
  t.advanceClock(361_000);
  peer.send(
    "heartbeat",
    heartbeatPayload({
      services: [
        {
          service_id: serviceId,
          container_id: "abc123",
          status: "running",
          health: "healthy",
          cpu_percent: 1,
          memory_mb: 64,
          restart_count: 0,
          started_at: new Date().toISOString(),
          deployment_id: seen.id,
        },
      ],
    }),
  );
  await eventually(async () => t.deps.agents.latestServices(server.id).length === 1);
  await t.deps.agents.sweep();
  const settled = await getDeployment(seen.id);
  assert.equal(settled.status, "running");
  assert.equal(settled.deploy_log.at(-1).message, "settled from the agent's heartbeat");

  const lost = (await deploy(serviceId)).body.data;
  await peer.next("deploy");
  await t.deps.agents.sweep();
  assert.equal((await getDeployment(lost.id)).status, "deploying", "not stale yet");
  t.advanceClock(361_000);
  peer.send("heartbeat", heartbeatPayload());
  await eventually(async () => t.deps.agents.latestServices(server.id).length === 0);
  await t.deps.agents.sweep();
  const failed = await getDeployment(lost.id);
  assert.equal(failed.status, "failed");
  assert.equal(failed.error_message, "TIMEOUT: no progress from the agent");
  await disconnectAgent();
});

test("deploy refuses what it cannot run: built services without a repository, git_ref on images, no port", async () => {
  const built = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: { name: "built", server_id: server.id, source_type: "dockerfile", port: 3000 },
  });
  const res = await deploy(built.body.data.id);
  assert.equal(res.status, 422);
  assert.match(res.body.error.message, /repo_url/);
  const tagged = await deploy(built.body.data.id, { image_tag: "v1" });
  assert.equal(tagged.status, 422, "image_tag is for image services");
  const image = await newService("noport", { port: undefined });
  const noPort = await deploy(image);
  assert.equal(noPort.status, 422);
  assert.match(noPort.body.error.message, /port/);
  const withRef = await deploy(await newService("withref"), { git_ref: "main" });
  assert.equal(withRef.status, 422);
  const badStrategy = await deploy(image, { strategy: "yolo" });
  assert.equal(badStrategy.status, 400);
});

test("an API token deploys as trigger_type api; viewers and other organizations cannot reach deployments", async () => {
  const serviceId = await newService("guarded");
  const token = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "ci" } })).body.data.token;
  const viaToken = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: { token }, body: {} });
  assert.equal(viaToken.status, 201);
  assert.equal(viaToken.body.data.trigger_type, "api");

  const viewer = await t.member(owner, "viewer@example.com", "viewer");
  const forbidden = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: viewer, body: {} });
  assert.equal(forbidden.status, 403);
  const exec = await t.call("POST", `/api/v1/services/${serviceId}/exec`, { as: viewer, body: { command: ["ls"] } });
  assert.equal(exec.status, 403);
  assert.equal((await t.call("GET", `/api/v1/services/${serviceId}/deployments`, { as: viewer })).status, 200);

  const stranger = await t.signup("stranger@example.com", { orgName: "Other" });
  const calls: [string, string, unknown?][] = [
    ["POST", `/api/v1/services/${serviceId}/deploy`, {}],
    ["POST", `/api/v1/services/${serviceId}/rollback`, { deployment_id: viaToken.body.data.id }],
    ["GET", `/api/v1/services/${serviceId}/deployments`],
    ["GET", `/api/v1/deployments/${viaToken.body.data.id}`],
    ["POST", `/api/v1/deployments/${viaToken.body.data.id}/cancel`],
    ["POST", `/api/v1/services/${serviceId}/restart`],
    ["POST", `/api/v1/services/${serviceId}/exec`, { command: ["ls"] }],
  ];
  for (const [method, path, body] of calls) {
    const res = await t.call(method, path, { as: stranger, body });
    assert.equal(res.status, 404, `${method} ${path}`);
  }
});

test("env values never reach the logs, the deployment rows or the API's answers", async () => {
  const rows = await t.deps.db.select().from(deployments);
  assert.ok(rows.length > 5);
  const everything = [
    JSON.stringify(rows),
    t.logs.join("\n"),
    JSON.stringify((await t.call("GET", `/api/v1/deployments/${rows[0]?.id}`, { as: owner })).body),
  ];
  for (const r of rows) {
    everything.push(
      JSON.stringify((await t.call("GET", `/api/v1/services/${r.serviceId}/deployments`, { as: owner })).body),
    );
  }
  for (const text of everything) {
    assert.ok(!text.includes(SECRET_KEY) && !text.includes("hunter2"), text.slice(0, 200));
  }
});

test("a final report the agent sends again after a reconnect is taken once", async () => {
  const serviceId = await newService("replayed");
  const peer = await connectAgent();
  const d = (await deploy(serviceId, { image_tag: "v1" })).body.data;
  const cmd = await peer.next("deploy");
  const frame = JSON.stringify(
    envelope("deploy_status", {
      deployment_id: cmd.payload.deployment_id,
      service_id: cmd.payload.service_id,
      status: "running",
      phase: "cleanup",
      progress_percent: 100,
      message: "Running 1 replica(s)",
      started_at: "2026-01-01T00:00:00.000Z",
      finished_at: "2026-01-01T00:00:03.000Z",
    }),
  );
  peer.sendRaw(frame);
  await eventually(async () => (await getDeployment(d.id)).status === "running");
  const before = (await getDeployment(d.id)).deploy_log.length;
  peer.sendRaw(frame);
  await peer.sync();
  const after = await getDeployment(d.id);
  assert.equal(after.deploy_log.length, before, "the copy adds nothing");
  assert.equal(after.status, "running");
  await disconnectAgent();
});

test("a deployment the agent accepted but never started goes out again with its next hello", async () => {
  const serviceId = await newService("forgotten");
  const peer = await connectAgent();
  const d = (await deploy(serviceId, { image_tag: "v1" })).body.data;
  const cmd = await peer.next("deploy");
  // Accepted and waiting behind another operation, then the agent dies before doing anything.
  report(peer, cmd, "pending");
  await eventually(async () => (await getDeployment(d.id)).deploy_log.length === 1);
  await disconnectAgent();
  const { peer: back, ack } = await AgentPeer.online(url, server.token, server.id);
  online = back;
  assert.ok(ack.accepted);
  const again = ack.accepted ? ack.pending_deployments.find((p) => p.deployment_id === d.id) : undefined;
  assert.ok(again, "the forgotten deployment is sent again");
  assert.equal(again.image.tag, "v1");
  assert.equal((await getDeployment(d.id)).status, "deploying");
  await disconnectAgent();
});

test("a deployment the agent already started is not sent again after a reconnect", async () => {
  const serviceId = await newService("started");
  const peer = await connectAgent();
  const d = (await deploy(serviceId, { image_tag: "v1" })).body.data;
  const cmd = await peer.next("deploy");
  report(peer, cmd, "pulling");
  await eventually(async () => (await getDeployment(d.id)).deploy_log.length === 1);
  await disconnectAgent();
  const { peer: back, ack } = await AgentPeer.online(url, server.token, server.id);
  online = back;
  assert.ok(ack.accepted && !ack.pending_deployments.some((p) => p.deployment_id === d.id));
  await disconnectAgent();
});
