import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { type ApiClient, createApiClient } from "@syntra/api-client";
import type { LiveEvent, LogStreamEvent } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { eq } from "drizzle-orm";
import { WebSocket } from "ws";
import { ANALYSIS_TOOL } from "../ai/prompt";
import { MODEL_ANSWER } from "../ai/testing/analysis-fixtures";
import { anthropicToolUse } from "../ai/testing/anthropic-stand-in";
import { type StandInServer, startStandInServer } from "../ai/testing/stand-in-server";
import { servers } from "../db/schema";
import { ingestErrorEvents } from "../issues/ingest";
import { AgentPeer } from "../testing/agent-peer";
import { errorEventFixture } from "../testing/error-fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { type ReplicaProcess, startReplicaProcess } from "../testing/replica-process";
import { testStore } from "../testing/test-database";

// Two control planes on one PostgreSQL: replica A is the compiled control plane in a process of its own (so it can
// be killed), replica B is built in this process by the test harness (so the test can look inside it). The agent is
// the protocol-exact test peer (AgentPeer), connected to A; every request goes through B.
const skip =
  testStore === "postgres"
    ? false
    : "replicas share a PostgreSQL server (set TEST_DATABASE_URL); PGlite is one process's own database";

const masterKey = randomBytes(32).toString("base64");
let b: TestApp;
let a: ReplicaProcess;
/** Claude, as a local stand-in speaking the Messages API; both replicas use it. */
let claude: StandInServer;
let aiEnv: Record<string, string> = {};
let baseB = "";
let owner: { cookie: string };
let client: ApiClient;
let server: { id: string; token: string };
let serviceId = "";
let peer: AgentPeer;
const events: LiveEvent[] = [];
const sse = new AbortController();

const post = (p: string, body?: unknown) => b.call("POST", `/api/v1/services/${serviceId}/${p}`, { as: owner, body });
const deploymentStatuses = (id: string) =>
  events.flatMap((e) => (e.type === "deployment" && e.deployment_id === id ? [e.status] : []));

/** The agent's reports of a deployment, as the peer on the current socket sends them. */
function reportDeploy(deploymentId: string) {
  const report = { deployment_id: deploymentId, service_id: serviceId, started_at: new Date().toISOString() };
  return {
    pulling: () =>
      peer.send("deploy_status", {
        ...report,
        status: "pulling",
        phase: "pull_image",
        progress_percent: 30,
        message: "pulling",
      }),
    running: () =>
      peer.send("deploy_status", {
        ...report,
        status: "running",
        phase: "cleanup",
        progress_percent: 100,
        message: "running",
        finished_at: new Date().toISOString(),
      }),
  };
}

before(async () => {
  if (skip) return;
  claude = await startStandInServer(() => anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER));
  aiEnv = { ANTHROPIC_API_KEY: "sk-ant-api03-standinKEY0123456789", ANTHROPIC_BASE_URL: claude.url };
  b = await createTestApp({
    ...aiEnv,
    SYNTRA_MASTER_KEY: masterKey,
    SYNTRA_CLUSTER_PRESENCE_SECONDS: "0.5",
    SYNTRA_AGENT_COMMAND_TIMEOUT_SECONDS: "20",
  });
  assert.equal(b.deps.cluster.kind, "postgres");
  baseB = (await b.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  owner = { cookie: (await b.signup("owner@acme.test", { orgName: "Acme" })).cookie };
  const token = await b.call("POST", "/api/v1/tokens", { as: owner, body: { name: "replicas" } });
  client = createApiClient({ baseUrl: baseB, token: token.body.data.token });
  const srv = await b.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } });
  server = { id: srv.body.data.server_id, token: srv.body.data.token };
  const project = (await b.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  const svc = await b.call("POST", `/api/v1/projects/${project}/services`, {
    as: owner,
    body: {
      name: "api",
      server_id: server.id,
      source_type: "image",
      source_config: { image: "syntra-test/webapp", tag: "v1" },
      port: 8080,
    },
  });
  serviceId = svc.body.data.id;
  a = await startReplicaProcess(b.deps.database.url ?? "", {
    SYNTRA_MASTER_KEY: masterKey,
    SYNTRA_CLUSTER_PRESENCE_SECONDS: "0.5",
    ...aiEnv,
  });
  void client.live.events({}, (e) => events.push(e), { signal: sse.signal }).catch(() => {});
  await eventually(async () => events.some((e) => e.type === "ready"), { what: "B's event stream open" });
  peer = (await AgentPeer.online(a.agentUrl, server.token, server.id)).peer;
  await eventually(async () => b.deps.agents.isOnline(server.id), { what: "B knows the agent is on A" });
});

after(async () => {
  if (skip) return;
  sse.abort();
  await peer?.close();
  await a?.kill();
  await b.close();
  await claude.close();
});

test("the agent said hello to A: B sees it online through the cluster, and A holds it", { skip }, async () => {
  const [row] = await b.deps.db
    .select({ replica: servers.connectedReplica, status: servers.status })
    .from(servers)
    .where(eq(servers.id, server.id));
  assert.equal(row?.status, "online");
  assert.ok(row?.replica && row.replica !== b.deps.cluster.replicaId, "held by the other replica");
  // Published by A, which handled the hello: it reaches B's stream through PostgreSQL.
  await eventually(
    async () => events.some((e) => e.type === "server" && e.server_id === server.id && e.status === "online"),
    { what: "A's server_status on B's stream" },
  );
});

test("a deploy through B reaches the agent on A; B's event stream shows its progress to running", {
  skip,
}, async () => {
  const res = await post("deploy", {});
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const deploymentId: string = res.body.data.id;
  const cmd = await peer.next("deploy");
  assert.equal(cmd.payload.deployment_id, deploymentId);
  assert.equal(cmd.payload.image.repository, "syntra-test/webapp", "the payload B built went through A whole");
  peer.respond(cmd.payload.request_id, { success: true, data: { accepted: true } });
  const report = reportDeploy(deploymentId);
  report.pulling();
  report.running();
  // A records the agent's reports; their live events come to B's stream through PostgreSQL.
  await eventually(async () => deploymentStatuses(deploymentId).includes("running"), { what: "running on B's stream" });
  assert.deepEqual(deploymentStatuses(deploymentId).slice(0, 2), ["queued", "deploying"]);
  const got = await b.call("GET", `/api/v1/deployments/${deploymentId}`, { as: owner });
  assert.equal(got.body.data.status, "running");
  assert.deepEqual(
    got.body.data.deploy_log.map((e: { status: string }) => e.status),
    ["pulling", "running"],
  );
});

test("a restart and an exec through B reach the agent on A, and its answers come back", { skip }, async () => {
  const restarting = post("restart");
  const restart = await peer.next("restart");
  assert.equal(restart.payload.service_id, serviceId);
  peer.respond(restart.payload.request_id, { success: true, data: { restarted: true } });
  assert.deepEqual((await restarting).body.data, { success: true });

  const refused = post("restart");
  const again = await peer.next("restart");
  peer.respond(again.payload.request_id, { success: false, error: { code: "CONTAINER_NOT_FOUND", message: "gone" } });
  const answer = await refused;
  assert.equal(answer.status, 404, "the agent's refusal keeps its code across replicas");
  assert.equal(answer.body.error.code, "CONTAINER_NOT_FOUND");

  const running = post("exec", { command: ["sh", "-c", "echo hi"], env: { TOKEN: "t0ken" } });
  const exec = await peer.next("exec");
  assert.deepEqual(exec.payload.command, ["sh", "-c", "echo hi"]);
  assert.deepEqual(exec.payload.env, { TOKEN: "t0ken" });
  peer.respond(exec.payload.request_id, { success: true, data: { exit_code: 0, stdout: "hi\n", stderr: "" } });
  const result = await running;
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.deepEqual(result.body.data, { exit_code: 0, stdout: "hi\n", stderr: "" });
});

test("a log stream through B follows the agent on A until the client leaves", { skip }, async () => {
  const lines: LogStreamEvent[] = [];
  const leave = new AbortController();
  const streaming = client.live
    .serviceLogs({ serviceId }, (e) => lines.push(e), { signal: leave.signal })
    .catch((err: unknown) => {
      if (!leave.signal.aborted) throw err;
    });
  const sub = await peer.next("logs_subscribe");
  peer.respond(sub.payload.request_id, { success: true });
  const line = (message: string) => ({ timestamp: new Date().toISOString(), stream: "stdout" as const, message });
  const stream = { request_id: sub.payload.request_id, service_id: serviceId, container_id: "c0ffee", done: false };
  peer.send("log_stream", { ...stream, lines: [line("first"), line("x".repeat(20_000))] });
  peer.send("log_stream", { ...stream, lines: [line("second")] });
  const messages = () => lines.flatMap((e) => (e.type === "log" ? [e.entry.message] : []));
  await eventually(async () => messages().includes("second"), { what: "the lines on B's stream" });
  assert.deepEqual(messages(), ["first", "x".repeat(20_000), "second"], "in order, a 20 kB line whole");
  leave.abort();
  await streaming;
  const unsubscribe = await peer.next("logs_unsubscribe");
  assert.equal(unsubscribe.payload.request_id, sub.payload.request_id, "the client's leaving reached the agent");
});

test("an exec session through B's WebSocket runs on the agent on A, input and output both ways", { skip }, async () => {
  const ws = new WebSocket(
    `${baseB.replace(/^http/, "ws")}/api/v1/services/${serviceId}/exec/session?command=cat&stdin=true`,
    { headers: { cookie: `syntra_session=${owner.cookie}` } },
  );
  const frames: { type: string; data?: string; exit_code?: number }[] = [];
  ws.on("message", (d) => frames.push(JSON.parse(String(d))));
  const closed = new Promise((resolve) => ws.on("close", resolve));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const open = await peer.next("exec_session");
  assert.deepEqual(open.payload.command, ["cat"]);
  const sessionId = open.payload.request_id;
  peer.respond(sessionId, { success: true });
  peer.send("exec_output", { session_id: sessionId, output: { type: "started" } });
  await eventually(async () => frames.some((f) => f.type === "started"), { what: "started on B's socket" });
  ws.send(JSON.stringify({ type: "stdin", data: Buffer.from("ping").toString("base64") }));
  const input = await peer.next("exec_input", (m) => m.payload.input.type === "stdin");
  assert.equal(input.payload.session_id, sessionId);
  const data = input.payload.input.type === "stdin" ? input.payload.input.data : "";
  peer.send("exec_output", { session_id: sessionId, output: { type: "output", stream: "stdout", data } });
  peer.send("exec_output", { session_id: sessionId, output: { type: "exit", exit_code: 0 } });
  await closed;
  assert.deepEqual(
    frames.map((f) => f.type),
    ["started", "output", "exit"],
  );
  assert.equal(Buffer.from(frames[1]?.data ?? "", "base64").toString(), "ping");
});

test("an AI analysis asked through both replicas at once is made once", { skip }, async () => {
  const ingested = await ingestErrorEvents(b.deps, { serviceId }, [
    errorEventFixture(serviceId, { message: "Cannot read properties of undefined (reading 'id')" }),
  ]);
  const issueId = ingested.issues[0]?.id;
  assert.ok(issueId);
  let answer = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  claude.requests.length = 0;
  claude.reply = async () => {
    await answered;
    return anthropicToolUse(ANALYSIS_TOOL, MODEL_ANSWER);
  };
  const body = JSON.stringify({ issue_id: issueId, force_refresh: false });
  const throughA = fetch(`${a.baseUrl}/api/v1/ai/analyze-error`, {
    method: "POST",
    headers: { cookie: `syntra_session=${owner.cookie}`, "content-type": "application/json" },
    body,
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as { data: unknown } }));
  const throughB = b.call("POST", "/api/v1/ai/analyze-error", { as: owner, body: JSON.parse(body) });
  // One replica is in the provider call, holding the issue's lock; the other waits for that lock.
  await eventually(async () => claude.requests.length === 1, { what: "the provider asked" });
  answer();
  const [fromA, fromB] = await Promise.all([throughA, throughB]);
  assert.equal(fromA.status, 200, JSON.stringify(fromA.body));
  assert.equal(fromB.status, 200, JSON.stringify(fromB.body));
  assert.deepEqual(fromA.body.data, fromB.body.data, "both answer with the one analysis made");
  assert.equal(claude.requests.length, 1, "one provider call for both requests");
});

test("revoking an agent through B cuts its socket on A at once", { skip }, async () => {
  const srv = await b.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-2" } });
  const other = (await AgentPeer.online(a.agentUrl, srv.body.data.token, srv.body.data.server_id)).peer;
  await eventually(async () => b.deps.agents.isOnline(srv.body.data.server_id), { what: "B knows web-2 is on A" });
  const revoked = await b.call("POST", `/api/v1/servers/${srv.body.data.server_id}/agent/revoke`, { as: owner });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.equal((await other.closed).code, 4005, "closed as revoked, by A");
});

test("B's sweep leaves the agents A holds to A, however stale their heartbeats look from B", { skip }, async () => {
  const ahead = 10 * 60_000;
  b.advanceClock(ahead);
  try {
    await b.deps.agents.sweep();
  } finally {
    b.advanceClock(-ahead);
  }
  const [row] = await b.deps.db.select({ status: servers.status }).from(servers).where(eq(servers.id, server.id));
  assert.equal(row?.status, "online");
  assert.equal(b.deps.agents.isOnline(server.id), true);
});

test("killing A: what waited on it fails at once, the agent moves to B, its deployment settles there", {
  skip,
}, async () => {
  // A deployment in flight on the agent, and a restart the agent has not answered yet.
  const res = await post("deploy", {});
  const deploymentId: string = res.body.data.id;
  const cmd = await peer.next("deploy");
  peer.respond(cmd.payload.request_id, { success: true, data: { accepted: true } });
  const report = reportDeploy(deploymentId);
  report.pulling();
  await eventually(async () => {
    const got = await b.call("GET", `/api/v1/deployments/${deploymentId}`, { as: owner });
    return got.body.data.deploy_log.length === 1;
  });
  const restarting = post("restart");
  await peer.next("restart");

  await a.kill();
  const restart = await restarting;
  assert.equal(restart.status, 409, JSON.stringify(restart.body));
  assert.equal(restart.body.error.code, "AGENT_OFFLINE");
  await peer.closed;
  await eventually(
    async () => events.some((e) => e.type === "server" && e.server_id === server.id && e.status === "offline"),
    { what: "B marks the server offline and says so" },
  );
  assert.equal(b.deps.agents.isOnline(server.id), false);

  // The load balancer sends the agent to B; it reports how its deployment ended (agents re-send final reports).
  peer = (await AgentPeer.online(await b.agentUrl(), server.token, server.id)).peer;
  report.running();
  await eventually(async () => deploymentStatuses(deploymentId).at(-1) === "running", { what: "settled on B" });
  const [row] = await b.deps.db
    .select({ replica: servers.connectedReplica, status: servers.status })
    .from(servers)
    .where(eq(servers.id, server.id));
  assert.deepEqual(row, { replica: b.deps.cluster.replicaId, status: "online" });

  const again = post("restart");
  const local = await peer.next("restart");
  peer.respond(local.payload.request_id, { success: true });
  assert.equal((await again).status, 200);
});
