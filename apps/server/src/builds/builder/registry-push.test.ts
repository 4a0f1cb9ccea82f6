import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import Dockerode from "dockerode";
import { BuildError, Builder, type BuildRequest, SERVICE_LABEL } from "./index";
import { rejectsWithBuildError } from "./testing/assertions";
import { BUSYBOX } from "./testing/base-images";
import { repoBuildDefaults } from "./testing/build-request";
import { createTestRepo, type TestRepo } from "./testing/git-repos";
import { registryDigest, type TestRegistry, testRegistry } from "./testing/registry";
import { fetchFromImage, removeImagesLabelled } from "./testing/run-image";

const docker = new Dockerode();
const TEST_LABEL = "dev.syntra.test.registry";
const run = randomBytes(4).toString("hex");
const repository = `acme-${run}/shop/web`;
let registry: TestRegistry;
let workDir: string;
let builder: Builder;
let repo: TestRepo;
let sha: string;

before(async () => {
  registry = await testRegistry();
  workDir = await mkdtemp(path.join(tmpdir(), "syntra-push-"));
  builder = new Builder({ docker, workDir });
  repo = await createTestRepo();
  sha = await repo.commit({
    Dockerfile: `FROM ${BUSYBOX}\nRUN mkdir -p /www && echo "pushed ${run}" > /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`,
  });
});
after(async () => {
  await removeImagesLabelled(docker, `${TEST_LABEL}=${run}`);
  await repo.cleanup();
  await rm(workDir, { recursive: true, force: true });
});

function request(extra: Partial<BuildRequest>): BuildRequest {
  return {
    ...repoBuildDefaults(repo.url, sha),
    image: { registry: registry.address, repository },
    labels: { [SERVICE_LABEL]: `svc-${run}`, [TEST_LABEL]: run },
    ...extra,
  };
}

describe("pushing to an htpasswd-protected registry", () => {
  it("tags <registry>/<org>/<project>/<service>:<sha>, pushes with the credentials and records the digest", async () => {
    const lines: string[] = [];
    const result = await builder.build(
      request({
        registryAuth: { username: registry.username, password: registry.password },
        onLog: (l) => lines.push(l),
      }),
    );
    assert.equal(result.imageRef, `${registry.address}/${repository}:${sha}`);
    assert.match(result.imageDigest ?? "", /^sha256:[0-9a-f]{64}$/);
    assert.equal(
      await registryDigest(registry, repository, sha),
      result.imageDigest,
      "the registry holds that manifest",
    );
    assert.ok(!lines.join("\n").includes(registry.password));

    // Pull it back by digest after removing the local copy, as an agent on another server would.
    const byDigest = `${registry.address}/${repository}@${result.imageDigest}`;
    await docker.getImage(result.imageRef).remove({ force: true });
    const stream = (await docker.pull(byDigest, {
      authconfig: { username: registry.username, password: registry.password, serveraddress: registry.address },
    })) as Readable;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    assert.equal((await fetchFromImage(docker, byDigest, 8080)).trim(), `pushed ${run}`);
    await docker.getImage(byDigest).remove({ force: true });
  });

  it("fails with PUSH_FAILED and a clear message, without the password, when the credentials are wrong", async () => {
    const wrong = `wrong-${randomBytes(8).toString("hex")}`;
    const lines: string[] = [];
    const err = await builder
      .build(request({ registryAuth: { username: registry.username, password: wrong }, onLog: (l) => lines.push(l) }))
      .then(
        () => assert.fail("the push should fail"),
        (e: unknown) => e,
      );
    assert.ok(err instanceof BuildError);
    assert.equal(err.code, "PUSH_FAILED");
    assert.match(
      err.message,
      new RegExp(
        `Pushing ${registry.address}/${repository}:${sha} to ${registry.address} failed: .*(unauthorized|authentication required)`,
        "i",
      ),
    );
    assert.ok(!err.message.includes(wrong) && !lines.join("\n").includes(wrong));
  });

  it("fails with PUSH_FAILED without credentials", async () => {
    await rejectsWithBuildError(builder.build(request({})), "PUSH_FAILED");
  });
});
