import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
let admin: { cookie: string };
let developer: { cookie: string };
let projectId: string;
let serverId: string;
before(async () => {
  t = await createTestApp();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  admin = await t.member(owner, "admin@example.com", "admin");
  developer = await t.member(owner, "dev@example.com", "developer");
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s1" } })).body.data.server_id;
});
after(() => t.close());

type Caller = { cookie: string };
const create = (as: Caller, body: Record<string, unknown>) =>
  t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as,
    body: { server_id: serverId, source_type: "image", source_config: { image: "postgres" }, port: 5432, ...body },
  });
const patch = (as: Caller, id: string, body: Record<string, unknown>) =>
  t.call("PATCH", `/api/v1/services/${id}`, { as, body });

test("volumes are set on create, shown in the answer, and a PATCH replaces the whole list", async () => {
  const res = await create(developer, {
    name: "files",
    volumes: [
      { name: "uploads", container_path: "/srv/uploads" },
      { name: "cache.v2", container_path: "/var/cache/app", read_only: true },
    ],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(res.body.data.volumes, [
    { name: "uploads", container_path: "/srv/uploads", read_only: false },
    { name: "cache.v2", container_path: "/var/cache/app", read_only: true },
  ]);
  const id = res.body.data.id;
  assert.deepEqual(
    (await t.call("GET", `/api/v1/services/${id}`, { as: developer })).body.data.volumes,
    res.body.data.volumes,
  );

  const replaced = await patch(developer, id, { volumes: [{ name: "data", container_path: "/data" }] });
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  assert.deepEqual(replaced.body.data.volumes, [{ name: "data", container_path: "/data", read_only: false }]);
  const untouched = await patch(developer, id, { replicas: 2 });
  assert.deepEqual(untouched.body.data.volumes, replaced.body.data.volumes, "a PATCH without volumes keeps them");
  assert.deepEqual((await patch(developer, id, { volumes: [] })).body.data.volumes, []);

  const plain = await create(developer, { name: "plain" });
  assert.deepEqual(plain.body.data.volumes, [], "a service without volumes says so");
});

test("bad volumes are refused with the path of the bad field", async () => {
  const vol = (fields: Record<string, unknown>) => ({ name: "data", container_path: "/data", ...fields });
  const cases: [unknown[], string][] = [
    [[vol({ name: "Data" })], "body.volumes.0.name"],
    [[vol({ name: "-data" })], "body.volumes.0.name"],
    [[vol({ name: "a".repeat(64) })], "body.volumes.0.name"],
    [[vol({ name: "a/b" })], "body.volumes.0.name"],
    [[vol({ container_path: "data" })], "body.volumes.0.container_path"],
    [[vol({ container_path: "/" })], "body.volumes.0.container_path"],
    [[vol({ container_path: "/data/../etc" })], "body.volumes.0.container_path"],
    [[vol({ container_path: "/data//x" })], "body.volumes.0.container_path"],
    [[vol({ container_path: "/data/" })], "body.volumes.0.container_path"],
    [[vol({ container_path: "/data/./x" })], "body.volumes.0.container_path"],
    [[vol({ container_path: "/da\nta" })], "body.volumes.0.container_path"],
    [[vol({ host_path: "srv/data" })], "body.volumes.0.host_path"],
    [[vol({ host_path: "/srv/../etc" })], "body.volumes.0.host_path"],
    [[vol({ read_only: "yes" })], "body.volumes.0.read_only"],
    [[vol({ size: "1g" })], "body.volumes.0"],
    [[vol({}), vol({ container_path: "/other" })], "body.volumes.1.name"],
    [[vol({}), vol({ name: "other" })], "body.volumes.1.container_path"],
    [Array.from({ length: 21 }, (_, i) => vol({ name: `v${i}`, container_path: `/v${i}` })), "body.volumes"],
  ];
  const target = (await create(owner, { name: "target" })).body.data.id;
  for (const [volumes, path] of cases) {
    for (const res of [await create(owner, { name: "bad", volumes }), await patch(owner, target, { volumes })]) {
      assert.equal(res.status, 400, `${JSON.stringify(volumes)} -> ${res.status}`);
      assert.equal(res.body.error.code, "VALIDATION_ERROR");
      assert.ok(
        res.body.error.details.some((d: { path: string }) => d.path === path),
        `${JSON.stringify(volumes)}: expected ${path}, got ${JSON.stringify(res.body.error.details)}`,
      );
    }
  }
  const twenty = Array.from({ length: 20 }, (_, i) => vol({ name: `v${i}`, container_path: `/v${i}` }));
  assert.equal((await patch(owner, target, { volumes: twenty })).status, 200, "20 volumes are allowed");
});

test("only owners and admins may set or keep a bind mount; a developer gets 403 with the field", async () => {
  const bind = { name: "sock", host_path: "/var/run/docker.sock", container_path: "/var/run/docker.sock" };
  const named = { name: "data", container_path: "/data" };

  const refused = await create(developer, { name: "dev-bind", volumes: [named, bind] });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, "FORBIDDEN");
  assert.match(refused.body.error.message, /owner or admin.*host_path/);
  assert.deepEqual(
    refused.body.error.details.map((d: { path: string }) => d.path),
    ["body.volumes.1.host_path"],
  );
  const listed = await t.call("GET", `/api/v1/projects/${projectId}/services`, { as: owner });
  assert.ok(!listed.body.data.some((s: { name: string }) => s.name === "dev-bind"), "nothing was created");

  const byAdmin = await create(admin, { name: "admin-bind", volumes: [named, { ...bind, read_only: true }] });
  assert.equal(byAdmin.status, 201, JSON.stringify(byAdmin.body));
  assert.deepEqual(byAdmin.body.data.volumes[1], { ...bind, read_only: true });
  const id = byAdmin.body.data.id;

  // Sending the list back unchanged would keep the bind mount: refused, and the service is left as it was.
  const kept = await patch(developer, id, { volumes: byAdmin.body.data.volumes });
  assert.equal(kept.status, 403);
  assert.equal(kept.body.error.code, "FORBIDDEN");
  const devNamed = await create(developer, { name: "dev-named", volumes: [named] });
  assert.equal(devNamed.status, 201, "named volumes are any developer's");
  // Other settings of the service stay a developer's to change, and dropping the bind mount takes no privilege.
  assert.equal((await patch(developer, id, { replicas: 2 })).status, 200);
  const dropped = await patch(developer, id, { volumes: [named] });
  assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
  assert.deepEqual(dropped.body.data.volumes, [{ ...named, read_only: false }]);
  const byOwner = await patch(owner, id, { volumes: [bind] });
  assert.equal(byOwner.status, 200);
  assert.equal(byOwner.body.data.volumes[0].host_path, "/var/run/docker.sock");
});

test("a database with volumes runs one container: replicas above 1 are refused on create, patch and scale", async () => {
  const data = [{ name: "pgdata", container_path: "/var/lib/postgresql/data" }];
  const two = await create(owner, { name: "db-two", type: "database", replicas: 2, volumes: data });
  assert.equal(two.status, 422, JSON.stringify(two.body));
  assert.equal(two.body.error.code, "UNPROCESSABLE");
  assert.match(two.body.error.message, /database service with volumes runs one container/);
  assert.equal(two.body.error.details[0].path, "body.replicas");

  const db = await create(owner, { name: "db", type: "database", volumes: data });
  assert.equal(db.status, 201, JSON.stringify(db.body));
  const scaledUp = await patch(owner, db.body.data.id, { replicas: 3 });
  assert.equal(scaledUp.status, 422);
  assert.equal(scaledUp.body.error.details[0].path, "body.replicas");
  const scale = await t.call("POST", `/api/v1/services/${db.body.data.id}/scale`, {
    as: owner,
    body: { replicas: 2 },
  });
  assert.equal(scale.status, 422, "refused before any agent is asked");

  // The same holds whichever setting completes the combination.
  const app = (await create(owner, { name: "replicated", replicas: 2, volumes: data })).body.data;
  assert.equal(app.replicas, 2, "other types share their volumes between replicas");
  const retyped = await patch(owner, app.id, { type: "database" });
  assert.equal(retyped.status, 422);
  assert.equal(retyped.body.error.details[0].path, "body.type");
  const noVolumes = (await create(owner, { name: "db-novol", type: "database", replicas: 2 })).body.data;
  const withVolumes = await patch(owner, noVolumes.id, { volumes: data });
  assert.equal(withVolumes.status, 422);
  assert.equal(withVolumes.body.error.details[0].path, "body.volumes");
  assert.equal((await patch(owner, noVolumes.id, { volumes: data, replicas: 1 })).status, 200, "both at once is fine");
});
