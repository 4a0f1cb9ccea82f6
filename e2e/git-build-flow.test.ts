import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { get } from "@syntra/testing/traffic";
import Dockerode from "dockerode";
import { createTestRepo, type TestRepo } from "../apps/server/src/builds/builder/testing/git-repos";
import { registryDigest, type TestRegistry, testRegistry } from "../apps/server/src/builds/builder/testing/registry";
import { startBuildWorker } from "../apps/server/src/builds/start-worker";
import type { BuildWorker } from "../apps/server/src/builds/worker";
import { dockerfileSite } from "./site-commit";
import { type Stack, startStack, waitDeployment } from "./stack";

// From git push to a running app: a bare repository on this machine, a GitHub-format webhook signed with the
// service's secret, a build by the control plane's worker, a push to the htpasswd registry, the deploy by the
// agent, and the new commit's content answered through Caddy.

const DOMAIN = "store.e2e.test";
let stack: Stack;
let repo: TestRepo;
let registry: TestRegistry;
let worker: BuildWorker | null;
let serviceId: string;
let secret: string;

async function push(sha: string, message: string): Promise<string[]> {
  const body = {
    ref: "refs/heads/main",
    after: sha,
    head_commit: { id: sha, message },
    commits: [{ id: sha, message, added: [], removed: [], modified: ["www/index.html"] }],
    repository: { clone_url: repo.url },
  };
  const mac = createHmac("sha256", secret).update(JSON.stringify(body)).digest("hex");
  const res = await stack.t.call("POST", "/api/v1/webhooks/github", {
    body,
    headers: { "x-github-event": "push", "x-github-delivery": randomUUID(), "x-hub-signature-256": `sha256=${mac}` },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data.deployments.map((d: { deployment_id: string }) => d.deployment_id);
}

async function detail(id: string) {
  return (await stack.t.call("GET", `/api/v1/deployments/${id}`, { as: stack.owner })).body.data;
}

const served = async () => (await get(stack.caddy.httpPort, DOMAIN)).body.trim();

before(async () => {
  registry = await testRegistry();
  repo = await createTestRepo();
  stack = await startStack({
    SYNTRA_REGISTRY: registry.address,
    SYNTRA_REGISTRY_USERNAME: registry.username,
    SYNTRA_REGISTRY_PASSWORD: registry.password,
  });
  worker = await startBuildWorker(stack.t.deps, { pollMs: 200, heartbeatMs: 500 });
  assert.ok(worker, "the build worker needs the Docker engine");
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "Store" } });
  const svc = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: stack.owner,
    body: {
      name: "store",
      server_id: stack.serverId,
      source_type: "dockerfile",
      source_config: { repo_url: repo.url, branch: "main" },
      port: 8080,
      replicas: 1,
      domains: [DOMAIN],
      health_check: { type: "http", path: "/healthz", interval_seconds: 1, timeout_seconds: 2, retries: 2 },
    },
  });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  serviceId = svc.body.data.id;
  await stack.t.call("POST", `/api/v1/services/${serviceId}/domains/${DOMAIN}/verify`, { as: stack.owner });
  secret = (await stack.t.call("POST", `/api/v1/services/${serviceId}/webhook`, { as: stack.owner })).body.data.secret;
});

after(async () => {
  await worker?.stop();
  await stack?.close();
  await repo?.cleanup();
});

const deployed = new Map<string, string>();

test("a signed push builds the commit, pushes it to the registry, and the agent serves it through Caddy", async () => {
  for (const version of ["first", "second"]) {
    const sha = await repo.commit(dockerfileSite(`store ${version}`), `Release ${version}`);
    const [id] = await push(sha, `Release ${version}`);
    assert.ok(id);
    // The build log streams live: read it as a dashboard or the CLI would, until the deployment ends.
    const streamed = fetch(`${stack.baseUrl}/api/v1/deployments/${id}/logs/stream`, {
      headers: { cookie: `syntra_session=${stack.owner.cookie}` },
    }).then((r) => r.text());
    const done = await waitDeployment(stack, id, 180_000);
    const events = await streamed;
    assert.match(events, /event: build\ndata: .*Step 1\/\d+ : FROM/);
    assert.match(events, /event: end\ndata: \{"status":"running"\}/);
    const d = await detail(id);
    assert.equal(done.status, "running", `${done.error_message}\n${d.build_logs}`);
    assert.equal(await served(), `store ${version}`);
    assert.equal(d.git_commit_sha, sha);
    assert.equal(d.git_commit_message, `Release ${version}`);
    assert.equal(d.trigger_type, "git_push");
    assert.match(d.image, new RegExp(`^${registry.address}/acme/store/store:${sha}$`));
    assert.match(d.image_digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await registryDigest(registry, "acme/store/store", sha), d.image_digest, "the registry holds it");
    assert.ok(d.build_duration_ms > 0 && d.deploy_duration_ms > 0);
    assert.match(d.build_logs, /Step \d+\/\d+ : FROM syntra-test\/busybox/);
    assert.ok(!d.build_logs.includes(registry.password), "the registry password is never in the build log");
    deployed.set(version, id);
  }
});

test("a deploy by git_ref builds that exact commit, and rollback redeploys an earlier image without a build", async () => {
  const first = deployed.get("first");
  assert.ok(first);
  const images = async () =>
    (await new Dockerode().listImages({ filters: { label: [`dev.syntra.service=${serviceId}`] } })).length;
  const before = await images();
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/rollback`, {
    as: stack.owner,
    body: { deployment_id: first },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const done = await waitDeployment(stack, res.body.data.id, 60_000);
  assert.equal(done.status, "running");
  assert.equal(await served(), "store first");
  const rolled = await detail(res.body.data.id);
  assert.equal(rolled.build_spec, null, "no build");
  assert.equal(rolled.build_logs, null);
  assert.equal(rolled.image_digest, (await detail(first)).image_digest);
  assert.equal(await images(), before, "no new image was built");
  const disk = (await stack.t.call("GET", "/api/v1/builds/disk", { as: stack.owner })).body.data;
  assert.ok(disk.syntra_images.count >= 2 && disk.syntra_images.bytes > 0, JSON.stringify(disk));
});

test("cancelling a running build stops it; nothing is deployed and no build container is left", async () => {
  const sha = await repo.commit(dockerfileSite("store slow", "sleep 120"), "A slow build");
  const [id] = await push(sha, "A slow build");
  assert.ok(id);
  await eventually(async () => (await detail(id)).status === "building", { timeoutMs: 60_000 });
  await eventually(async () => ((await detail(id)).build_logs ?? "").includes("sleep 120"), { timeoutMs: 60_000 });
  const cancel = await stack.t.call("POST", `/api/v1/deployments/${id}/cancel`, { as: stack.owner });
  assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
  const done = await waitDeployment(stack, id, 30_000);
  assert.equal(done.status, "cancelled");
  assert.equal((await detail(id)).error_code, "CANCELLED");
  await eventually(async () => (worker?.active ?? 0) === 0, { timeoutMs: 30_000 });
  // The engine stops the build's RUN container when the build is aborted; it removes it moments later.
  const sleeping = async () =>
    (await new Dockerode().listContainers({ all: true })).some((c) => c.Command.includes("sleep 120"));
  await eventually(async () => !(await sleeping()), {
    timeoutMs: 30_000,
    diagnostic: () => "the build's container is still there",
  });
  assert.equal(await served(), "store first", "the running version keeps serving");
});

test("a build that fails says why with the builder's code: a commit the repository lacks is REF_NOT_FOUND", async () => {
  const missing = "0123456789abcdef0123456789abcdef01234567";
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/deploy`, {
    as: stack.owner,
    body: { git_ref: missing },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const done = await waitDeployment(stack, res.body.data.id, 60_000);
  assert.equal(done.status, "failed");
  const d = await detail(res.body.data.id);
  assert.equal(d.error_code, "REF_NOT_FOUND", `${d.error_message}\n${d.build_logs}`);
  assert.match(d.error_message, new RegExp(missing.slice(0, 12)));
  assert.equal(await served(), "store first", "the running version keeps serving");
});
