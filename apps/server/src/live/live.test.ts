import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiClient, ApiError, createApiClient } from "@syntra/api-client";
import type { LiveEvent, LogStreamEvent } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { AgentPeer } from "../testing/agent-peer";
import { type Credential, createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let baseUrl: string;
let acme: ApiClient;
let other: ApiClient;
let acmeSession: Credential;

/** An API client with a fresh token of the user behind `session`. */
async function clientFor(session: Credential): Promise<ApiClient> {
  const res = await t.call("POST", "/api/v1/tokens", { as: session, body: { name: "live-test" } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return createApiClient({ baseUrl, token: res.body.data.token });
}

/** Opens the event stream and collects what it sends until `stop`. */
function subscribe(client: ApiClient) {
  const events: LiveEvent[] = [];
  const abort = new AbortController();
  const done = client.live
    .events({}, (e) => events.push(e), { signal: abort.signal })
    .catch((err: unknown) => {
      if (!abort.signal.aborted) throw err;
    });
  return {
    events,
    ready: () => eventually(async () => events.some((e) => e.type === "ready")),
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  const agentUrl = await t.agentUrl();
  baseUrl = agentUrl.replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  acmeSession = { cookie: (await t.signup("owner@acme.test", { orgName: "Acme" })).cookie };
  acme = await clientFor(acmeSession);
  other = await clientFor({ cookie: (await t.signup("owner@other.test", { orgName: "Other" })).cookie });
});
after(() => t.close());

test("the event stream carries the organization's server and deployment changes, and no other's", async () => {
  const mine = subscribe(acme);
  const theirs = subscribe(other);
  await Promise.all([mine.ready(), theirs.ready()]);
  assert.equal(t.deps.live.size, 2);

  const created = await acme.servers.create({ name: "web-1" });
  const { peer } = await AgentPeer.online(await t.agentUrl(), created.token, created.server_id);
  peer.answerEverything();
  const online = { type: "server", server_id: created.server_id, status: "online" };
  await eventually(async () => mine.events.some((e) => JSON.stringify(e) === JSON.stringify(online)));

  const project = await acme.projects.create({ name: "Shop" });
  const service = await acme.projects.createService({
    projectId: project.id,
    name: "web",
    server_id: created.server_id,
    source_type: "image",
    source_config: { image: "syntra-test/webapp", tag: "v1" },
    port: 8080,
  });
  const deployment = await acme.services.deploy({ serviceId: service.id });
  const statuses = () =>
    mine.events.flatMap((e) => (e.type === "deployment" && e.deployment_id === deployment.id ? [e.status] : []));
  await eventually(async () => statuses().includes("running"));
  assert.deepEqual(
    statuses().slice(0, 2),
    ["queued", "deploying"],
    "the new deployment and its claim are announced before the outcome",
  );

  await peer.close();
  await eventually(async () => mine.events.some((e) => e.type === "server" && e.status === "offline"));

  assert.deepEqual(
    theirs.events.map((e) => e.type),
    ["ready"],
    "another organization sees none of it",
  );
  await Promise.all([mine.stop(), theirs.stop()]);
  // A client that leaves is unsubscribed: nothing keeps publishing into a closed socket.
  await eventually(async () => t.deps.live.size === 0);
});

test("the event stream needs a signed-in member; project tokens, which see one project, may not open it", async () => {
  const anonymous = await fetch(`${baseUrl}/api/v1/events`);
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, "UNAUTHORIZED");

  const project = await acme.projects.create({ name: "Scoped" });
  const res = await t.call("POST", "/api/v1/tokens", {
    as: acmeSession,
    body: { name: "ci", type: "prj", project_id: project.id },
  });
  const scoped = createApiClient({ baseUrl, token: res.body.data.token });
  await assert.rejects(
    scoped.live.events({}, () => {}),
    (err: unknown) => err instanceof ApiError && err.code === "FORBIDDEN",
  );
});

test("timeout_seconds ends the stream by itself", async () => {
  const events: LiveEvent[] = [];
  await acme.live.events({ timeout_seconds: 1 }, (e) => events.push(e));
  assert.deepEqual(
    events.map((e) => e.type),
    ["ready"],
  );
});

test("a service's log stream relays its agent's lines, then ends; without an agent it answers AGENT_OFFLINE", async () => {
  const created = await acme.servers.create({ name: "logs-1" });
  const project = await acme.projects.create({ name: "Logs" });
  const service = await acme.projects.createService({
    projectId: project.id,
    name: "api",
    server_id: created.server_id,
    source_type: "image",
    source_config: { image: "syntra-test/webapp", tag: "v1" },
  });
  await assert.rejects(
    acme.live.serviceLogs({ serviceId: service.id }, () => {}),
    (err: unknown) => err instanceof ApiError && err.code === "AGENT_OFFLINE" && err.status === 409,
  );

  const { peer } = await AgentPeer.online(await t.agentUrl(), created.token, created.server_id);
  peer.answerEverything();
  const events: LogStreamEvent[] = [];
  await acme.live.serviceLogs({ serviceId: service.id, follow: false, tail: 10 }, (e) => events.push(e));
  assert.deepEqual(
    events.map((e) => e.type),
    ["log", "end"],
  );
  const [line] = events;
  assert.ok(line?.type === "log");
  assert.equal(line.entry.message, "hello");
  assert.equal(line.entry.service_id, service.id);
  assert.equal(line.entry.level, "info");
  const subscribe = peer.received.find((m) => m.type === "logs_subscribe");
  assert.ok(subscribe?.type === "logs_subscribe");
  assert.equal(subscribe.payload.tail, 10);
  await peer.close();
});

test("a following log stream is closed when the agent goes away, and stops the agent's stream when the client leaves", async () => {
  const created = await acme.servers.create({ name: "logs-2" });
  const project = await acme.projects.create({ name: "Follow" });
  const service = await acme.projects.createService({
    projectId: project.id,
    name: "worker",
    server_id: created.server_id,
    source_type: "image",
    source_config: { image: "syntra-test/webapp", tag: "v1" },
  });
  const { peer } = await AgentPeer.online(await t.agentUrl(), created.token, created.server_id);
  const events: LogStreamEvent[] = [];
  const abort = new AbortController();
  const streaming = acme.live.serviceLogs({ serviceId: service.id }, (e) => events.push(e), { signal: abort.signal });
  const sub = await peer.next("logs_subscribe");
  assert.equal(sub.payload.follow, true);
  peer.respond(sub.payload.request_id, { success: true });
  const line = (message: string) => ({ timestamp: new Date().toISOString(), stream: "stderr" as const, message });
  peer.send("log_stream", {
    request_id: sub.payload.request_id,
    service_id: service.id,
    container_id: "abc",
    lines: [line("first"), line("second")],
    done: false,
  });
  await eventually(async () => events.length === 2);
  assert.deepEqual(
    events.map((e) => (e.type === "log" ? `${e.entry.level}:${e.entry.message}` : e.type)),
    ["error:first", "error:second"],
  );
  abort.abort();
  await streaming.catch(() => {});
  const unsubscribe = await peer.next("logs_unsubscribe");
  assert.equal(unsubscribe.payload.request_id, sub.payload.request_id);

  // A second follower sees the stream end when the agent disconnects.
  const ended: LogStreamEvent[] = [];
  const second = acme.live.serviceLogs({ serviceId: service.id }, (e) => ended.push(e));
  const sub2 = await peer.next("logs_subscribe");
  peer.respond(sub2.payload.request_id, { success: true });
  await peer.close();
  await second;
  assert.deepEqual(
    ended.map((e) => e.type),
    ["end"],
  );
});
