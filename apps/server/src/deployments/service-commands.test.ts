import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { AgentPeer } from "../testing/agent-peer";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
let server: { id: string; token: string };
let serviceId: string;
let peer: AgentPeer;
before(async () => {
  // Commands time out after 1 s, so the tests of an agent that never answers stay short.
  t = await createTestApp({ SYNTRA_AGENT_COMMAND_TIMEOUT_SECONDS: "1" });
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const srv = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } });
  server = { id: srv.body.data.server_id, token: srv.body.data.token };
  const project = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  const svc = await t.call("POST", `/api/v1/projects/${project}/services`, {
    as: owner,
    body: {
      name: "api",
      server_id: server.id,
      source_type: "image",
      source_config: { image: "nginx", tag: "1.27" },
      port: 80,
      replicas: 2,
    },
  });
  serviceId = svc.body.data.id;
  peer = (await AgentPeer.online(await t.agentUrl(), server.token, server.id)).peer;
});
after(async () => {
  await peer.close();
  await t.close();
});

const post = (path: string, body?: unknown) =>
  t.call("POST", `/api/v1/services/${serviceId}/${path}`, { as: owner, body });

test("restart: the agent gets a restart for the service; its answer decides the reply", async () => {
  const pending = post("restart");
  const cmd = await peer.next("restart");
  assert.equal(cmd.payload.service_id, serviceId);
  assert.equal(cmd.payload.timeout_seconds, 10);
  peer.respond(cmd.payload.request_id, { success: true, data: { restarted: true } });
  const res = await pending;
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, { success: true });

  const failing = post("restart");
  const again = await peer.next("restart");
  peer.respond(again.payload.request_id, {
    success: false,
    error: { code: "CONTAINER_NOT_FOUND", message: "no container for api" },
  });
  const refused = await failing;
  assert.equal(refused.status, 404);
  assert.equal(refused.body.error.code, "CONTAINER_NOT_FOUND");
  assert.match(refused.body.error.message, /no container for api/);

  const proxy = post("restart");
  const third = await peer.next("restart");
  peer.respond(third.payload.request_id, { success: false, error: { code: "PROXY_ERROR", message: "caddy said no" } });
  const refusedByProxy = await proxy;
  assert.equal(refusedByProxy.status, 422);
  assert.deepEqual(refusedByProxy.body.error.details, { agent_error_code: "PROXY_ERROR" });

  // An agent of another version may answer a code this control plane's table lacks: read as UNRECOGNIZED_ERROR
  // with its message kept, and logged with the code it sent.
  const odd = post("restart");
  const fourth = await peer.next("restart");
  peer.respond(fourth.payload.request_id, { success: false, error: { code: "DOCKER_DOWN", message: "daemon gone" } });
  const unknown = await odd;
  assert.equal(unknown.status, 422);
  assert.match(unknown.body.error.message, /daemon gone/);
  assert.deepEqual(unknown.body.error.details, { agent_error_code: "UNRECOGNIZED_ERROR" });
  assert.ok(t.logs.some((line) => line.includes("DOCKER_DOWN") && line.includes("UNRECOGNIZED_ERROR")));
});

test("scale: the agent scales, then the service keeps the new replica count (0 stops it)", async () => {
  const pending = post("scale", { replicas: 0 });
  const cmd = await peer.next("scale");
  assert.deepEqual(
    { service_id: cmd.payload.service_id, replicas: cmd.payload.replicas, strategy: cmd.payload.strategy },
    { service_id: serviceId, replicas: 0, strategy: "rolling" },
  );
  peer.respond(cmd.payload.request_id, { success: true, data: { replicas: 0 } });
  const res = await pending;
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.replicas, 0);
  assert.equal((await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner })).body.data.replicas, 0);
  assert.equal((await post("scale", { replicas: 101 })).status, 400);
});

test("exec: argv and env reach the agent; the answer comes back; the audit log keeps argv, never env values", async () => {
  const pending = post("exec", {
    command: ["sh", "-c", "echo hi; echo oops >&2"],
    working_dir: "/app",
    env: { TOKEN: "exec-secret-value" },
    timeout_seconds: 5,
  });
  const cmd = await peer.next("exec");
  assert.deepEqual(cmd.payload.command, ["sh", "-c", "echo hi; echo oops >&2"]);
  assert.equal(cmd.payload.working_dir, "/app");
  assert.deepEqual(cmd.payload.env, { TOKEN: "exec-secret-value" });
  assert.equal(cmd.payload.interactive, false);
  assert.equal(cmd.payload.timeout_seconds, 5);
  peer.respond(cmd.payload.request_id, { success: true, data: { exit_code: 0, stdout: "hi\n", stderr: "oops\n" } });
  const res = await pending;
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, { exit_code: 0, stdout: "hi\n", stderr: "oops\n" });
  const audit = await t.call("GET", "/api/v1/audit-logs?action=service.exec", { as: owner });
  const entry = audit.body.data.find((e: { action: string }) => e.action === "service.exec");
  assert.deepEqual(entry.details, {
    command: ["sh", "-c", "echo hi; echo oops >&2"],
    working_dir: "/app",
    env_keys: ["TOKEN"],
  });
  assert.ok(!JSON.stringify(audit.body).includes("exec-secret-value"));
  assert.ok(!t.logs.join("\n").includes("exec-secret-value"));
});

test("an agent that does not answer: 504 TIMEOUT for restart and exec", async () => {
  for (const [path, body, type] of [
    ["restart", undefined, "restart"],
    ["exec", { command: ["sleep", "9"], timeout_seconds: 1 }, "exec"],
  ] as const) {
    const started = Date.now();
    const res = await post(path, body);
    assert.equal(res.status, 504, path);
    assert.equal(res.body.error.code, "TIMEOUT");
    assert.match(res.body.error.request_id, /^req_/);
    assert.ok(Date.now() - started < 4000);
    await peer.next(type);
  }
  // A late answer finds no waiting command and changes nothing.
  const late = peer.received.find((m) => m.type === "restart");
  if (late?.type === "restart") peer.respond(late.payload.request_id, { success: true });
  assert.deepEqual(peer.invalid, []);
});

test("with the agent offline, restart, scale and exec answer 409 AGENT_OFFLINE; stored logs still answer", async () => {
  await peer.close();
  await eventually(async () => !t.deps.agents.isOnline(server.id));
  const calls = [post("restart"), post("scale", { replicas: 3 }), post("exec", { command: ["ls"] })];
  for (const res of await Promise.all(calls)) {
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "AGENT_OFFLINE");
  }
  assert.equal((await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner })).body.data.replicas, 0);
  // Logs come from the telemetry store, not from the agent (telemetry/query-routes.test.ts).
  const logs = await t.call("GET", `/api/v1/services/${serviceId}/logs`, { as: owner });
  assert.equal(logs.status, 200);
});

test("a command in flight when the agent disconnects fails at once with AGENT_OFFLINE", async () => {
  peer = (await AgentPeer.online(await t.agentUrl(), server.token, server.id)).peer;
  const pending = post("restart");
  await peer.next("restart");
  await peer.close();
  const res = await pending;
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, "AGENT_OFFLINE");
});
