import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort } from "@syntra/testing/ports";
import { get } from "@syntra/testing/traffic";
import Dockerode from "dockerode";
import { createTestRepo, type TestRepo } from "../apps/server/src/builds/builder/testing/git-repos";
import { startBuildWorker } from "../apps/server/src/builds/start-worker";
import type { BuildWorker } from "../apps/server/src/builds/worker";
import { pushCredential } from "../apps/server/src/registry/credentials";
import { REGISTRY_TOKEN_PATH } from "../apps/server/src/registry/routes";
import { startTokenRegistry, type TokenRegistry } from "../apps/server/src/registry/testing/token-registry";
import { dockerfileSite } from "./site-commit";
import { createGitService, deployAndWait, type Stack, startStack, waitDeployment } from "./stack";

// The registry in token mode, its realm the control plane: builds are pushed with the build worker's derived
// credential, and the agent pulls with the short-lived pull credential of its deploy command. The image is
// removed from the engine first, so the agent really pulls it from the registry.

const DOMAIN = "vault.e2e.test";
const docker = new Dockerode();
let stack: Stack;
let registry: TokenRegistry;
let repo: TestRepo;
let worker: BuildWorker | null;
let serviceId: string;

const served = async () => (await get(stack.caddy.httpPort, DOMAIN)).body.trim();
const detail = async (id: string) =>
  (await stack.t.call("GET", `/api/v1/deployments/${id}`, { as: stack.owner })).body.data;

/** The registry tokens the control plane issued since a point in its log. */
function issued(since: number): { subject: string; access: string[] }[] {
  return stack.t.logs
    .slice(since)
    .map((l) => JSON.parse(l) as { msg: string; subject: string; access: string[] })
    .filter((l) => l.msg === "registry token issued")
    .map(({ subject, access }) => ({ subject, access }));
}

before(async () => {
  // The registry's address goes into the control plane's settings, the control plane's URL into the registry's.
  const port = await freePort();
  stack = await startStack({ SYNTRA_REGISTRY: `127.0.0.1:${port}`, SYNTRA_REGISTRY_AUTH: "token" });
  registry = await startTokenRegistry({
    realm: `${stack.baseUrl}${REGISTRY_TOKEN_PATH}`,
    dataDir: stack.t.deps.config.dataDir,
    port,
  });
  repo = await createTestRepo();
  worker = await startBuildWorker(stack.t.deps, { pollMs: 200, heartbeatMs: 500 });
  assert.ok(worker, "the build worker needs the Docker engine");
  serviceId = await createGitService(stack, "vault", DOMAIN, repo.url);
});

after(async () => {
  await worker?.stop();
  await stack?.close();
  await registry?.stop();
  await repo?.cleanup();
});

test("builds are pushed through the token realm, and the agent pulls a removed image with its short-lived credential", async () => {
  const ids: string[] = [];
  for (const version of ["first", "second", "third"]) {
    const sha = await repo.commit(dockerfileSite(`vault ${version}`), `Release ${version}`);
    const done = await deployAndWait(stack, serviceId, { git_ref: sha }, 180_000);
    const d = await detail(done.id);
    assert.equal(done.status, "running", `${done.error_message}\n${d.build_logs}\n${registry.output().slice(-2000)}`);
    assert.equal(await served(), `vault ${version}`);
    assert.match(d.image_digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(!d.build_logs.includes(pushCredential(stack.t.deps.keyring).password), "no credential in the log");
    ids.push(done.id);
  }
  const first = await detail(ids[0] ?? "");
  const [, repository, tag] = /^[^/]+\/(.+):([^:]+)$/.exec(first.image) ?? [];
  const pushes = issued(0).filter((t) =>
    t.access.some((a) => a.startsWith(`repository:${repository}:`) && a.includes("push")),
  );
  assert.ok(pushes.length > 0, JSON.stringify(issued(0)));
  assert.ok(
    pushes.every((t) => t.subject === "syntra-build"),
    "pushed with the build worker's credential, and only that",
  );

  // The registry lets nobody in without a token.
  const anonymous = await fetch(`http://${registry.address}/v2/${repository}/manifests/${tag}`, { method: "HEAD" });
  assert.equal(anonymous.status, 401);

  // Two newer versions ran since, so nothing of the first one is left on the engine once its image goes.
  const imageId = (await docker.getImage(first.image).inspect()).Id;
  await docker.getImage(first.image).remove({ force: true });
  await assert.rejects(docker.getImage(imageId).inspect(), /no such image/i, "the first image is gone");

  const mark = stack.t.logs.length;
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/rollback`, {
    as: stack.owner,
    body: { deployment_id: ids[0] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const rolled = await waitDeployment(stack, res.body.data.id, 120_000);
  assert.equal(rolled.status, "running", `${rolled.error_message}\n${registry.output().slice(-2000)}`);
  assert.equal(await served(), "vault first");
  const pulled = await docker.getImage(first.image).inspect();
  assert.ok(
    pulled.RepoDigests?.some((d) => d.endsWith(`@${first.image_digest}`)),
    "pulled by its digest",
  );
  assert.deepEqual(
    issued(mark),
    [{ subject: "syntra-pull", access: [`repository:${repository}:pull`] }],
    "the agent pulled with its deploy's pull credential",
  );
});
