import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import Dockerode from "dockerode";
import { createTestApp, type TestApp } from "../testing/harness";
import { BUSYBOX } from "./builder/testing/base-images";
import { createTestRepo, type TestRepo } from "./builder/testing/git-repos";
import { removeImagesLabelled } from "./builder/testing/run-image";
import { startBuildWorker } from "./start-worker";
import type { BuildWorker } from "./worker";

// Work that no HTTP call carries out is audited the same way: the build worker, on the real Docker engine, records
// each build's outcome as Syntra's own entry beside the user's deployment.create.

let t: TestApp;
let repo: TestRepo;
let worker: BuildWorker | null;
let owner: { cookie: string; userId: string };
let serviceId: string;

interface Entry {
  action: string;
  user_id: string | null;
  actor: { type: string; component: string | null };
  resource_id: string | null;
  details: Record<string, unknown> | null;
  ip_address: string | null;
}

before(async () => {
  repo = await createTestRepo();
  t = await createTestApp();
  // Polls an hour apart: each build below is claimed because queueing it through the API kicked the worker.
  worker = await startBuildWorker(t.deps, { pollMs: 3_600_000, heartbeatMs: 500 });
  assert.ok(worker, "the build worker needs the Docker engine");
  owner = await t.signup("owner@example.com", { orgName: "Builders" });
  const server = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "edge" } });
  const project = await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } });
  const svc = await t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: owner,
    body: {
      name: "site",
      server_id: server.body.data.server_id,
      source_type: "dockerfile",
      source_config: { repo_url: repo.url, branch: "main" },
      port: 8080,
    },
  });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  serviceId = svc.body.data.id;
});
after(async () => {
  await worker?.stop();
  await t?.close();
  await removeImagesLabelled(new Dockerode(), `dev.syntra.service=${serviceId}`);
  await repo?.cleanup();
});

/** Deploys a commit and waits until the build worker has recorded its outcome; answers that entry. */
async function buildAndAudit(dockerfile: string): Promise<{ deploymentId: string; sha: string; entries: Entry[] }> {
  const sha = await repo.commit({ Dockerfile: dockerfile });
  const deploy = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body: { git_ref: sha } });
  assert.equal(deploy.status, 201, JSON.stringify(deploy.body));
  const deploymentId: string = deploy.body.data.id;
  const entries = await eventually(
    async () => {
      const log = await t.call("GET", `/api/v1/audit-logs?resource_id=${deploymentId}`, { as: owner });
      const found: Entry[] = log.body.data;
      return found.some((e) => e.action === "deployment.build") ? found : undefined;
    },
    { what: "the build's outcome in the audit log", timeoutMs: 120_000 },
  );
  return { deploymentId, sha, entries };
}

test("a finished build is recorded by the build worker, after the user's deployment.create", async () => {
  const { sha, entries } = await buildAndAudit(`FROM ${BUSYBOX}\nRUN echo built > /built.txt\n`);
  const [build, create] = entries;
  assert.equal(create?.action, "deployment.create");
  assert.equal(create?.actor.type, "user");
  assert.equal(create?.user_id, owner.userId);
  assert.equal(build?.action, "deployment.build");
  assert.deepEqual(build?.actor, { type: "system", token_id: null, token_name: null, component: "build-worker" });
  assert.equal(build?.user_id, null);
  assert.equal(build?.ip_address, null, "no request, no client address");
  assert.equal(build?.details?.outcome, "built");
  assert.equal(build?.details?.commit, sha);
  assert.match(String(build?.details?.image), new RegExp(`:${sha}$`));
});

test("a failed build is recorded with its reason", async () => {
  const { entries } = await buildAndAudit(`FROM ${BUSYBOX}\nRUN exit 3\n`);
  const build = entries.find((e) => e.action === "deployment.build");
  assert.equal(build?.actor.component, "build-worker");
  assert.equal(build?.details?.outcome, "failed");
  assert.match(String(build?.details?.error), /exit|3/);
});
