import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ServiceOverview } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { AgentPeer } from "../testing/agent-peer";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";

// GET /api/v1/services: every service of the organization in one answer, with its project and newest deployment.

let t: TestApp;
let owner: { cookie: string };
let rival: { cookie: string };
const ids = { edge: "", worker: "", shop: "", blog: "", shopWeb: "", shopApi: "", blogWeb: "" };

async function create(path: string, body: unknown, as = owner): Promise<string> {
  const res = await t.call("POST", path, { as, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id ?? res.body.data.server_id;
}

async function overview(query = "", as: { cookie: string } | { token: string } = owner): Promise<ServiceOverview[]> {
  const res = await t.call("GET", `/api/v1/services${query}`, { as });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  owner = await t.signup("owner@acme.test", { orgName: "Acme" });
  rival = await t.signup("owner@rival.test", { orgName: "Rival" });
  ids.edge = await create("/api/v1/servers", { name: "edge" });
  ids.worker = await create("/api/v1/servers", { name: "worker" });
  ids.shop = await create("/api/v1/projects", { name: "Shop" });
  ids.blog = await create("/api/v1/projects", { name: "Blog" });
  ids.shopWeb = await create(`/api/v1/projects/${ids.shop}/services`, imageServiceBody("web", ids.edge));
  ids.shopApi = await create(`/api/v1/projects/${ids.shop}/services`, imageServiceBody("api", ids.worker));
  ids.blogWeb = await create(`/api/v1/projects/${ids.blog}/services`, imageServiceBody("web", ids.edge));
  const rivalServer = await create("/api/v1/servers", { name: "theirs" }, rival);
  const rivalProject = await create("/api/v1/projects", { name: "Secret" }, rival);
  await create(`/api/v1/projects/${rivalProject}/services`, imageServiceBody("web", rivalServer), rival);
});
after(() => t.close());

test("lists the organization's services by project and name, with their project, and no other organization's", async () => {
  const all = await overview();
  assert.deepEqual(
    all.map((s) => [s.project.name, s.name]),
    [
      ["Blog", "web"],
      ["Shop", "api"],
      ["Shop", "web"],
    ],
  );
  assert.deepEqual(all[1]?.project, { id: ids.shop, name: "Shop", slug: "shop" });
  assert.ok(
    all.every((s) => s.latest_deployment === null),
    "nothing deployed yet",
  );
  assert.equal((await overview("", rival)).length, 1);
});

test("filters by server and by project, together or apart", async () => {
  assert.deepEqual(
    (await overview(`?server_id=${ids.edge}`)).map((s) => s.id),
    [ids.blogWeb, ids.shopWeb],
  );
  assert.deepEqual(
    (await overview(`?project_id=${ids.shop}`)).map((s) => s.id),
    [ids.shopApi, ids.shopWeb],
  );
  assert.deepEqual(
    (await overview(`?project_id=${ids.shop}&server_id=${ids.edge}`)).map((s) => s.id),
    [ids.shopWeb],
  );
  // Another organization's server or project filters down to nothing; it never reveals anything.
  const theirs = await overview("", rival);
  assert.deepEqual(await overview(`?server_id=${theirs[0]?.server_id}`), []);
  assert.deepEqual(await overview(`?project_id=${theirs[0]?.project_id}`), []);
});

test("each service carries its newest deployment", async () => {
  const srv = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "live" } });
  const serverId = srv.body.data.server_id;
  const serviceId = await create(`/api/v1/projects/${ids.blog}/services`, imageServiceBody("docs", serverId));
  const { peer } = await AgentPeer.online(await t.agentUrl(), srv.body.data.token, serverId);
  peer.answerEverything();
  const deploy = async (tag: string) => {
    const res = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body: { image_tag: tag } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.data.id;
  };
  await deploy("v1");
  const second = await deploy("v2");
  const docs = await eventually(async () => {
    const found = (await overview(`?server_id=${serverId}`))[0];
    return found?.latest_deployment?.status === "running" && found;
  });
  assert.equal(docs.id, serviceId);
  assert.equal(docs.latest_deployment?.id, second);
  assert.equal(docs.latest_deployment?.image, "registry.local:5000/acme/web:v2");
  await peer.close();
});

test("a project token sees its project's services only; bad filters answer 400 with the field", async () => {
  const token = await t.call("POST", "/api/v1/tokens", {
    as: owner,
    body: { name: "blog ci", type: "prj", project_id: ids.blog },
  });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  const seen = await overview("", { token: token.body.data.token });
  assert.ok(seen.length > 0);
  assert.ok(seen.every((s) => s.project_id === ids.blog));

  const bad = await t.call("GET", "/api/v1/services?server_id=nope", { as: owner });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "VALIDATION_ERROR");
  assert.match(JSON.stringify(bad.body.error.details), /server_id/);
  const unknown = await t.call("GET", "/api/v1/services?sort=name", { as: owner });
  assert.equal(unknown.status, 400);
});
