import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { after, before, test } from "node:test";
import type { RegistryAuth } from "@syntra/contracts";
import { tamperMac } from "@syntra/testing/hostile-values";
import { freePort } from "@syntra/testing/ports";
import Dockerode from "dockerode";
import { Builder, SERVICE_LABEL } from "../builds/builder";
import { BUSYBOX } from "../builds/builder/testing/base-images";
import { repoBuildDefaults } from "../builds/builder/testing/build-request";
import { createTestRepo, type TestRepo } from "../builds/builder/testing/git-repos";
import { fetchFromImage, removeImagesLabelled } from "../builds/builder/testing/run-image";
import { createTestApp, type TestApp } from "../testing/harness";
import { pullAuth, pushAuth } from "./handed-credentials";
import { startTokenRegistry, type TokenRegistry } from "./testing/token-registry";

// Debian's docker-registry 2.8 in token mode, its realm this control plane: images pushed with the build
// worker's derived credential, pulled through the Docker engine with a deploy's short-lived pull credential,
// and every way that credential must fail, failing at the real registry.

const docker = new Dockerode();
const TEST_LABEL = "dev.syntra.test.registry-token";
const run = randomBytes(4).toString("hex");
const TTL = 600;
let t: TestApp;
let registry: TokenRegistry;
let repo: TestRepo;
let workDir: string;
/** Images pushed by the build: repository -> digest. */
const pushed = new Map<string, string>();
let sha: string;

const web = `acme-${run}/shop/web`;
const db = `acme-${run}/shop/db`;

before(async () => {
  const port = await freePort();
  t = await createTestApp({
    SYNTRA_REGISTRY: `127.0.0.1:${port}`,
    SYNTRA_REGISTRY_AUTH: "token",
    SYNTRA_REGISTRY_PULL_TTL_SECONDS: String(TTL),
  });
  const base = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  registry = await startTokenRegistry({
    realm: `${base}/api/v1/registry/token`,
    dataDir: t.deps.config.dataDir,
    port,
  });
  repo = await createTestRepo();
  workDir = await mkdtemp(path.join(tmpdir(), "syntra-token-push-"));
  sha = await repo.commit({
    Dockerfile: `FROM ${BUSYBOX}\nRUN mkdir -p /www && echo "token ${run}" > /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`,
  });
});
after(async () => {
  await removeImagesLabelled(docker, `${TEST_LABEL}=${run}`);
  await registry?.stop();
  await repo?.cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  await t?.close();
});

const withAddress = (auth: RegistryAuth) => ({ ...auth, serveraddress: registry.address });

/** Follows an engine pull or push to its end; rejects with the engine's error. */
async function follow(stream: Readable): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(failed));
      else resolve();
    }),
  );
}

async function pull(ref: string, auth: RegistryAuth | undefined): Promise<void> {
  await follow((await docker.pull(ref, auth ? { authconfig: withAddress(auth) } : {})) as Readable);
}

/** The pull credential a deploy of this image would carry. */
function deployCredential(image: string): RegistryAuth {
  const cred = pullAuth(t.deps.config.builds.registry, t.deps.keyring, image, t.deps.now());
  assert.ok(cred);
  return cred;
}

/** Runs a pull that must fail, and returns why the token realm refused it (from the control plane's log). */
async function refusedPull(ref: string, auth: RegistryAuth | undefined): Promise<string[]> {
  const mark = t.logs.length;
  // The engine reports any refusal as "unauthorized: authentication required"; the reason is in the log.
  await assert.rejects(pull(ref, auth), /unauthorized: authentication required/);
  return t.logs
    .slice(mark)
    .map((l) => JSON.parse(l) as { msg: string; reason?: string })
    .filter((l) => l.msg === "registry token refused")
    .map((l) => l.reason ?? "");
}

async function dropLocal(ref: string): Promise<void> {
  await docker
    .getImage(ref)
    .remove({ force: true })
    .catch(() => undefined);
}

test("the build worker's derived credential pushes to the registry through the token realm", async () => {
  const builder = new Builder({ docker, workDir });
  const auth = pushAuth(t.deps.config.builds.registry, t.deps.keyring);
  assert.equal(auth?.username, "syntra-build");
  for (const repository of [web, db]) {
    const result = await builder.build({
      ...repoBuildDefaults(repo.url, sha),
      image: { registry: registry.address, repository },
      labels: { [SERVICE_LABEL]: `svc-${run}`, [TEST_LABEL]: run },
      ...(auth && { registryAuth: auth }),
    });
    assert.match(result.imageDigest ?? "", /^sha256:[0-9a-f]{64}$/, registry.output().slice(-2000));
    pushed.set(repository, result.imageDigest ?? "");
  }
});

test("a deploy's pull credential pulls its image by digest through the engine", async () => {
  const digest = pushed.get(web);
  assert.ok(digest);
  const byDigest = `${registry.address}/${web}@${digest}`;
  await dropLocal(`${registry.address}/${web}:${sha}`);
  await dropLocal(byDigest);
  await pull(byDigest, deployCredential(`${registry.address}/${web}:${sha}`));
  assert.equal((await fetchFromImage(docker, byDigest, 8080)).trim(), `token ${run}`);
});

test("the pull credential cannot pull another repository, nor push, nor pull anonymously or tampered", async () => {
  const cred = deployCredential(`${registry.address}/${web}:${sha}`);
  const dbRef = `${registry.address}/${db}:${sha}`;
  await dropLocal(dbRef);
  assert.deepEqual(await refusedPull(dbRef, cred), ["scope outside the credential's repository"]);
  assert.deepEqual(await refusedPull(dbRef, undefined), ["no Basic credentials"]);
  const tampered = { ...cred, password: tamperMac(cred.password) };
  assert.deepEqual(await refusedPull(`${registry.address}/${web}:${sha}`, tampered), ["bad signature"]);

  // Pushing with it: the engine gets a token granting pull only, and the registry refuses the upload.
  const target = `${registry.address}/${web}:by-puller-${run}`;
  await docker.getImage(`${registry.address}/${web}@${pushed.get(web)}`).tag({
    repo: `${registry.address}/${web}`,
    tag: `by-puller-${run}`,
  });
  const push = docker.getImage(target).push({ authconfig: withAddress(cred) }) as Promise<Readable>;
  await assert.rejects(push.then(follow), /denied: requested access to the resource is denied/);
  await dropLocal(target);
});

test("the registry itself enforces the narrowed token: pull on the repository, never push", async () => {
  const cred = deployCredential(`${registry.address}/${web}:${sha}`);
  const manifest = `http://${registry.address}/v2/${web}/manifests/${sha}`;
  const challenge = (await fetch(manifest, { method: "HEAD" })).headers.get("www-authenticate") ?? "";
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  const service = /service="([^"]+)"/.exec(challenge)?.[1];
  assert.ok(realm && service, challenge);
  const token = async (scope: string) => {
    const res = await fetch(`${realm}?service=${encodeURIComponent(service)}&scope=${encodeURIComponent(scope)}`, {
      headers: { authorization: `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString("base64")}` },
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { token: string }).token;
  };
  const bearer = await token(`repository:${web}:pull,push`);
  const head = await fetch(manifest, {
    method: "HEAD",
    headers: {
      authorization: `Bearer ${bearer}`,
      accept: "application/vnd.docker.distribution.manifest.v2+json",
    },
  });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("docker-content-digest"), pushed.get(web));
  const upload = await fetch(`http://${registry.address}/v2/${web}/blobs/uploads/`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}` },
  });
  assert.equal(upload.status, 401);
  assert.match(upload.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
});

test("after its expiry the pull credential pulls nothing", async () => {
  const ref = `${registry.address}/${web}:${sha}`;
  const cred = deployCredential(ref);
  await dropLocal(ref);
  t.advanceClock((TTL + 1) * 1000);
  try {
    assert.deepEqual(await refusedPull(ref, cred), ["expired"]);
  } finally {
    t.advanceClock(-(TTL + 1) * 1000);
  }
  await pull(ref, deployCredential(ref));
});
