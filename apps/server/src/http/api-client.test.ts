import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type ApiClient, ApiError, createApiClient } from "@syntra/api-client";
import type { DeploymentLogStreamEvent } from "@syntra/contracts";
import { createTestApp, type TestApp } from "../testing/harness";

// The typed client derived from the contracts' route table, against a real control plane over HTTP: each kind of
// answer (envelope, bare JSON, 204, download, redirect URL, event stream) and of input (path, query, body) as the
// dashboard and the CLI use them.

let t: TestApp;
let baseUrl: string;
let client: ApiClient;
let serverId: string;

before(async () => {
  t = await createTestApp();
  baseUrl = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  const owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const token = (await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "cli" } })).body.data.token;
  client = createApiClient({ baseUrl, token });
  // No agent ever connects to this server: its deployments stay queued.
  serverId = (await client.servers.create({ name: "offline" })).server_id;
});
after(() => t.close());

test("envelope answers are unwrapped and typed; bare JSON answers are read whole", async () => {
  assert.deepEqual(await client.health.live(), { status: "ok" });
  assert.equal((await client.health.ready()).status, "ready");
  const me = await client.auth.me();
  assert.equal(me.user.email, "owner@example.com");
  assert.equal(me.auth_method, "token");
});

test("path, query and body fields go where the route declares them", async () => {
  await client.servers.create({ name: "second" });
  assert.equal((await client.servers.list({ per_page: 1 })).length, 1, "per_page reached the query");
  assert.equal((await client.servers.list({ per_page: 100 })).length, 2);
  const project = await client.projects.create({ name: "Shop" });
  const service = await client.projects.createService({
    projectId: project.id,
    name: "web",
    server_id: serverId,
    source_type: "image",
    source_config: { image: "registry.local:5000/acme/web", tag: "v1" },
    port: 8080,
  });
  assert.equal((await client.projects.get({ projectId: project.id })).services[0]?.id, service.id);
  await client.env.put({ serviceId: service.id, variables: [{ key: "API_KEY", value: "s3cret" }] });
  assert.equal((await client.env.list({ serviceId: service.id }))[0]?.value, "********");
  assert.equal((await client.env.list({ serviceId: service.id, reveal: true }))[0]?.value, "s3cret");
  // 204: resolves to nothing.
  assert.equal(await client.env.remove({ serviceId: service.id, key: "API_KEY" }), undefined);
  assert.deepEqual(await client.env.list({ serviceId: service.id }), []);
  // A path value with characters that mean something in a URL stays one path segment.
  const added = await client.domains.add({ serviceId: service.id, domain: "shop.example.com" });
  assert.equal(added.domain, "shop.example.com");
  await client.domains.remove({ serviceId: service.id, domain: "shop.example.com" });
  // It reaches the route as its `domain`, which refuses it, rather than becoming another path.
  const odd = client.domains.remove({ serviceId: service.id, domain: "a/../../b?c" });
  await rejectsWith(odd, "VALIDATION_ERROR", 400, ["params.domain"]);
});

/** Asserts the call fails with this code and status (and these field issues), and a request id. */
async function rejectsWith(call: Promise<unknown>, code: string, status: number, fields: string[] = []) {
  const err = await call.catch((e: unknown) => e);
  assert.ok(err instanceof ApiError, String(err));
  assert.deepEqual([err.code, err.status], [code, status]);
  assert.match(err.requestId ?? "", /^req_/);
  assert.deepEqual(
    err.fieldIssues.map((i) => i.path),
    fields,
  );
}

test("failures are ApiErrors with the API's code, status, field issues and request id", async () => {
  await rejectsWith(client.services.get({ serviceId: randomUUID() }), "NOT_FOUND", 404);
  await rejectsWith(client.projects.create({ name: "" }), "VALIDATION_ERROR", 400, ["body.name"]);
});

test("downloads answer the raw response; redirects give the URL a browser goes to", async () => {
  const script = await client.install.script();
  assert.match(await script.text(), /^#!\/bin\/sh/);
  const url = client.auth.github({ invite_token: "inv&ite" });
  assert.equal(url, `${baseUrl}/api/v1/auth/github?invite_token=inv%26ite`);
});

test("an event stream is read as the route's declared events until it ends", async () => {
  const project = await client.projects.create({ name: "Streams" });
  const service = await client.projects.createService({
    projectId: project.id,
    name: "api",
    server_id: serverId,
    source_type: "image",
    source_config: { image: "registry.local:5000/acme/api", tag: "v1" },
    port: 3000,
  });
  const queued = await client.services.deploy({ serviceId: service.id });
  assert.equal(queued.status, "queued");
  const cancelled = await client.deployments.cancel({ deploymentId: queued.id });
  assert.equal(cancelled.status, "cancelled");
  assert.equal(cancelled.error_code, "CANCELLED");
  const events: DeploymentLogStreamEvent[] = [];
  await client.deployments.logStream({ deploymentId: queued.id }, (e) => events.push(e));
  assert.deepEqual(events.at(-1), { type: "end", status: "cancelled" });
  assert.ok(events.some((e) => e.type === "status" && e.status === "cancelled"));
});
