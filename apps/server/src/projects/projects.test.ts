import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
before(async () => {
  t = await createTestApp();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
});
after(() => t.close());

test("a project gets a slug from its name, and slugs are unique per organization", async () => {
  const res = await t.call("POST", "/api/v1/projects", {
    as: owner,
    body: { name: "Café Web Shop", description: "the shop", git_repo_url: "https://github.com/acme/shop.git" },
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.data.slug, "cafe-web-shop");
  assert.equal(res.body.data.git_branch, "main");
  const dup = await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "cafe web shop" } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, "CONFLICT");
  const explicit = await t.call("POST", "/api/v1/projects", {
    as: owner,
    body: { name: "Shop 2", slug: "cafe-web-shop" },
  });
  assert.equal(explicit.status, 409);
});

test("project input is validated field by field", async () => {
  const cases: [unknown, string][] = [
    [{}, "body.name"],
    [{ name: "x", slug: "Bad Slug" }, "body.slug"],
    [{ name: "x", git_repo_url: "ftp://nope" }, "body.git_repo_url"],
    [{ name: "x", git_branch: "--upload-pack=evil" }, "body.git_branch"],
    [{ name: "x", git_branch: "a..b" }, "body.git_branch"],
  ];
  for (const [body, path] of cases) {
    const res = await t.call("POST", "/api/v1/projects", { as: owner, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.details[0].path, path);
  }
});

test("get shows the project with its services; patch changes it; delete removes it with its services", async () => {
  const project = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Blog" } })).body.data;
  const server = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s1" } })).body.data.server_id;
  const svc = await t.call("POST", `/api/v1/projects/${project.id}/services`, {
    as: owner,
    body: { name: "web", server_id: server, source_type: "dockerfile" },
  });
  assert.equal(svc.status, 201);
  const got = await t.call("GET", `/api/v1/projects/${project.id}`, { as: owner });
  assert.equal(got.body.data.services.length, 1);
  assert.equal(got.body.data.services[0].name, "web");

  const patched = await t.call("PATCH", `/api/v1/projects/${project.id}`, {
    as: owner,
    body: { description: "tech blog", git_branch: "release/v2" },
  });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.data.description, "tech blog");
  assert.equal(patched.body.data.git_branch, "release/v2");
  assert.equal(patched.body.data.name, "Blog");

  const list = await t.call("GET", "/api/v1/projects", { as: owner });
  assert.ok(list.body.data.some((p: { id: string }) => p.id === project.id));

  assert.equal((await t.call("DELETE", `/api/v1/projects/${project.id}`, { as: owner })).status, 204);
  assert.equal((await t.call("GET", `/api/v1/projects/${project.id}`, { as: owner })).status, 404);
  assert.equal((await t.call("GET", `/api/v1/services/${svc.body.data.id}`, { as: owner })).status, 404);
});

test("every mutation leaves an audit entry with who, what, from where", async () => {
  const created = await t.call("POST", "/api/v1/projects", {
    as: owner,
    body: { name: "Audited" },
    headers: { "user-agent": "syn-cli/0.1" },
  });
  const id = created.body.data.id;
  await t.call("PATCH", `/api/v1/projects/${id}`, { as: owner, body: { name: "Audited 2" } });
  await t.call("DELETE", `/api/v1/projects/${id}`, { as: owner });
  const log = await t.call("GET", `/api/v1/audit-logs?resource_id=${id}`, { as: owner });
  assert.equal(log.status, 200);
  const actions = log.body.data.map((e: { action: string }) => e.action);
  assert.deepEqual(actions, ["project.delete", "project.update", "project.create"]);
  const create = log.body.data[2];
  assert.equal(create.user_email, "owner@example.com");
  assert.equal(create.resource_type, "project");
  assert.equal(create.ip_address, "127.0.0.1");
  assert.equal(create.user_agent, "syn-cli/0.1");
  // A refused call changes nothing and records nothing.
  const before = (await t.call("GET", "/api/v1/audit-logs?limit=200", { as: owner })).body.data.length;
  await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "" } });
  const afterCount = (await t.call("GET", "/api/v1/audit-logs?limit=200", { as: owner })).body.data.length;
  assert.equal(afterCount, before);
});
