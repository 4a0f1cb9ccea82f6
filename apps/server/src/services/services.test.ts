import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
let projectId: string;
let serverId: string;
before(async () => {
  t = await createTestApp();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s1" } })).body.data.server_id;
});
after(() => t.close());

const create = (body: Record<string, unknown>) =>
  t.call("POST", `/api/v1/projects/${projectId}/services`, { as: owner, body: { server_id: serverId, ...body } });

test("each source_type takes its own source_config, with defaults", async () => {
  const image = await create({
    name: "api",
    source_type: "image",
    source_config: { image: "registry.local:5000/acme/api", tag: "v1.2.3" },
    port: 8080,
    replicas: 2,
    cpu_limit: "0.5",
    memory_limit: "512m",
    domains: ["api.example.com"],
    health_check: { type: "http", path: "/healthz" },
  });
  assert.equal(image.status, 201, JSON.stringify(image.body));
  const s = image.body.data;
  assert.deepEqual(s.source_config, { image: "registry.local:5000/acme/api", tag: "v1.2.3" });
  assert.deepEqual(s.health_check, {
    type: "http",
    path: "/healthz",
    interval_seconds: 30,
    timeout_seconds: 5,
    retries: 3,
    start_period_seconds: 0,
  });
  assert.equal(s.replicas, 2);
  // What was sent comes back, with its status: not routed until its DNS is verified (domains/domains.test.ts).
  assert.deepEqual(s.domains, ["api.example.com"]);
  assert.deepEqual(s.domain_statuses, [
    { domain: "api.example.com", status: "pending_dns", status_reason: "waiting for the first DNS check" },
  ]);

  const dockerfile = await create({ name: "worker", source_type: "dockerfile" });
  assert.deepEqual(dockerfile.body.data.source_config, { dockerfile_path: "Dockerfile", build_context: "." });
  const nix = await create({ name: "nix", source_type: "nixpacks", source_config: { build_context: "apps/web" } });
  assert.deepEqual(nix.body.data.source_config, { build_context: "apps/web" });
  const compose = await create({ name: "stack", source_type: "docker_compose" });
  assert.deepEqual(compose.body.data.source_config, { compose_path: "docker-compose.yml" });

  const list = await t.call("GET", `/api/v1/projects/${projectId}/services`, { as: owner });
  assert.deepEqual(
    list.body.data.map((x: { name: string }) => x.name),
    ["api", "nix", "stack", "worker"],
  );
});

test("bad service input is refused with the path of the bad field", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ name: "Bad_Name", source_type: "image", source_config: { image: "nginx" } }, "body.name"],
    [{ name: "a", source_type: "image", source_config: { dockerfile_path: "x" } }, "body.source_config.image"],
    [{ name: "a", source_type: "image", source_config: { image: "UPPER/case" } }, "body.source_config.image"],
    [
      { name: "a", source_type: "dockerfile", source_config: { dockerfile_path: "../../etc/passwd" } },
      "body.source_config.dockerfile_path",
    ],
    [
      { name: "a", source_type: "dockerfile", source_config: { dockerfile_path: "/abs" } },
      "body.source_config.dockerfile_path",
    ],
    [{ name: "a", source_type: "ftp" }, "body.source_type"],
    [{ name: "a", source_type: "nixpacks", port: 70000 }, "body.port"],
    [{ name: "a", source_type: "nixpacks", memory_limit: "lots" }, "body.memory_limit"],
    [{ name: "a", source_type: "nixpacks", domains: ["not a domain"] }, "body.domains.0"],
    [{ name: "a", source_type: "nixpacks", health_check: { type: "http" } }, "body.health_check.path"],
    [{ name: "a", source_type: "nixpacks", env_vars: { "1BAD": "x" } }, "body.env_vars.1BAD"],
  ];
  for (const [body, path] of cases) {
    const res = await create(body);
    assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.status}`);
    assert.equal(res.body.error.code, "VALIDATION_ERROR");
    assert.ok(
      res.body.error.details.some((d: { path: string }) => d.path === path),
      `${JSON.stringify(body)}: expected ${path}, got ${JSON.stringify(res.body.error.details)}`,
    );
  }
});

test("a server of no organization of the caller is refused with 422; duplicate names with 409", async () => {
  const res = await create({
    name: "ghost",
    source_type: "nixpacks",
    server_id: "00000000-0000-4000-8000-000000000000",
  });
  assert.equal(res.status, 422);
  assert.equal(res.body.error.details[0].path, "body.server_id");
  await create({ name: "twice", source_type: "nixpacks" });
  const dup = await create({ name: "twice", source_type: "nixpacks" });
  assert.equal(dup.status, 409);
});

test("patch changes settings, checks a lone source_config against the current type, and clears with null", async () => {
  const svc = (
    await create({
      name: "patchme",
      source_type: "image",
      source_config: { image: "nginx", tag: "1" },
      port: 80,
      health_check: { type: "tcp", port: 80 },
    })
  ).body.data;
  const url = `/api/v1/services/${svc.id}`;
  const tag = await t.call("PATCH", url, { as: owner, body: { source_config: { image: "nginx", tag: "2" } } });
  assert.equal(tag.status, 200);
  assert.deepEqual(tag.body.data.source_config, { image: "nginx", tag: "2" });
  const wrong = await t.call("PATCH", url, { as: owner, body: { source_config: { build_context: "." } } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.details[0].path, "body.source_config.image");
  const retyped = await t.call("PATCH", url, {
    as: owner,
    body: { source_type: "dockerfile", source_config: { dockerfile_path: "docker/Dockerfile.prod" } },
  });
  assert.equal(retyped.status, 200);
  assert.deepEqual(retyped.body.data.source_config, {
    dockerfile_path: "docker/Dockerfile.prod",
    build_context: ".",
  });
  const cleared = await t.call("PATCH", url, { as: owner, body: { health_check: null, port: null, replicas: 3 } });
  assert.equal(cleared.body.data.health_check, null);
  assert.equal(cleared.body.data.port, null);
  assert.equal(cleared.body.data.replicas, 3);
  const typeAlone = await t.call("PATCH", url, { as: owner, body: { source_type: "image" } });
  assert.equal(typeAlone.status, 400);
  const got = await t.call("GET", url, { as: owner });
  assert.deepEqual(got.body.data.recent_deployments, []);
  assert.equal((await t.call("DELETE", url, { as: owner })).status, 204);
  assert.equal((await t.call("GET", url, { as: owner })).status, 404);
});
