import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { deployments } from "../db/schema";
import { createTestApp, type TestApp } from "../testing/harness";
import { claimBuild, recoverStaleBuilds } from "./queue";

// The build queue's rules on the real store: what may start, and what a crash leaves behind.

let t: TestApp;
let owner: { cookie: string };
let projectId: string;

async function server(name: string): Promise<string> {
  return (await t.call("POST", "/api/v1/servers", { as: owner, body: { name } })).body.data.server_id;
}

async function queuedBuild(serverId: string, name: string): Promise<{ serviceId: string; deploymentId: string }> {
  const svc = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: {
      name,
      server_id: serverId,
      port: 8080,
      source_type: "nixpacks",
      source_config: { repo_url: `file:///srv/git/${name}.git` },
    },
  });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  const res = await t.call("POST", `/api/v1/services/${svc.body.data.id}/deploy`, { as: owner, body: {} });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.data.status, "queued");
  return { serviceId: svc.body.data.id, deploymentId: res.body.data.id };
}

before(async () => {
  t = await createTestApp();
  owner = { cookie: (await t.signup("owner@example.com", { orgName: "Acme" })).cookie };
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Queue" } })).body.data.id;
});
after(() => t.close());

test("one build per server at a time by default, and builds of another server run alongside", async () => {
  const a = await server("builder-a");
  const b = await server("builder-b");
  const first = await queuedBuild(a, "a-one");
  const second = await queuedBuild(a, "a-two");
  const other = await queuedBuild(b, "b-one");
  const claimed = [
    await claimBuild(t.deps, "w1", 1),
    await claimBuild(t.deps, "w2", 1),
    await claimBuild(t.deps, "w3", 1),
  ];
  assert.deepEqual(
    claimed.map((c) => c?.id ?? null),
    [first.deploymentId, other.deploymentId, null],
    "the second build of server a waits",
  );
  const list = await t.call("GET", `/api/v1/services/${second.serviceId}/deployments?status=queued`, { as: owner });
  assert.equal(list.body.data[0].queue_position, 1, "a waiting build shows its position");
  // With two builds allowed per server, it may start.
  assert.equal((await claimBuild(t.deps, "w4", 2))?.id, second.deploymentId);
});

test("a build whose worker died goes back to the queue once, then fails; none stays building", async () => {
  // A clean queue: the previous test's builds are set aside.
  await t.deps.db.update(deployments).set({ status: "cancelled" });
  const s = await server("crashy");
  const { deploymentId } = await queuedBuild(s, "crashy-app");
  assert.equal((await claimBuild(t.deps, "dead-worker", 1))?.id, deploymentId);
  // Nobody renews the claim: a minute later it is stale.
  t.advanceClock(120_000);
  assert.deepEqual(await recoverStaleBuilds(t.deps, 60_000), [deploymentId]);
  const [requeued] = await t.deps.db.select().from(deployments).where(eq(deployments.id, deploymentId));
  assert.equal(requeued?.status, "queued");
  assert.equal((await claimBuild(t.deps, "second-worker", 1))?.id, deploymentId);
  t.advanceClock(120_000);
  await recoverStaleBuilds(t.deps, 60_000);
  const [failed] = await t.deps.db.select().from(deployments).where(eq(deployments.id, deploymentId));
  assert.equal(failed?.status, "failed");
  assert.match(failed?.errorMessage ?? "", /interrupted/);
  assert.equal(failed?.errorCode, "BUILD_INTERRUPTED");
});

test("deploying a service built from git without a repository says what to set", async () => {
  const s = await server("norepo");
  const svc = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: { name: "no-repo", server_id: s, port: 8080, source_type: "dockerfile" },
  });
  const res = await t.call("POST", `/api/v1/services/${svc.body.data.id}/deploy`, { as: owner, body: {} });
  assert.equal(res.status, 422);
  assert.match(res.body.error.message, /repo_url/);
});
