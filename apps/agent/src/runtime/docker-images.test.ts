import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ensureTestImages } from "@syntra/testing/images";
import { isAgentError } from "../errors";
import { DockerRuntime } from "./docker";
import { tagOf } from "./docker-images";

// Nothing listens on port 9 of loopback: a pull from this "registry" fails at once, so any test that passes
// while naming it proves no pull was attempted (or that its failure was handled).
const unreachable = "127.0.0.1:9";
const runtime = new DockerRuntime();
const suffix = randomUUID().slice(0, 8);
const tagged: string[] = [];
let imageId: string;

/** Tags the local test image under the unreachable registry, as if it had been pulled from there. */
async function localImage(repository: string, tag: string): Promise<string> {
  const repo = `${unreachable}/syntra-test/${repository}-${suffix}`;
  await runtime.docker.getImage("syntra-test/webapp:v1").tag({ repo, tag });
  tagged.push(`${repo}:${tag}`);
  return `${repo}:${tag}`;
}

before(async () => {
  await ensureTestImages("v1");
  imageId = (await runtime.docker.getImage("syntra-test/webapp:v1").inspect()).Id;
});

after(async () => {
  // Only the extra tags go; the image stays under its own name.
  await Promise.all(
    tagged.map((ref) =>
      runtime.docker
        .getImage(ref)
        .remove({ noprune: true })
        .catch(() => undefined),
    ),
  );
});

describe("ensureImage", () => {
  test("a present image with a fixed tag is not pulled", async () => {
    const ref = await localImage("fixed", "1.2.3");
    const progress: string[] = [];
    await runtime.ensureImage({ ref }, null, (line) => progress.push(line));
    assert.deepEqual(progress, [`${ref}: present locally, not pulled`]);
  });

  test("a present image whose id matches the digest is not pulled, whatever its tag", async () => {
    const ref = await localImage("pinned", "latest");
    const progress: string[] = [];
    await runtime.ensureImage({ ref, digest: imageId }, null, (line) => progress.push(line));
    assert.deepEqual(progress, [`${ref}: present locally at ${imageId}, not pulled`]);
  });

  test("`latest` is pulled again; with the registry down the local image is kept and that is said", async () => {
    const ref = await localImage("moving", "latest");
    const progress: string[] = [];
    await runtime.ensureImage({ ref }, { username: "u", password: "p", serveraddress: unreachable }, (line) =>
      progress.push(line),
    );
    assert.equal(progress.length, 1);
    assert.match(progress[0] ?? "", /pull failed .*; using the local image$/);
  });

  test("a digest the local image does not have needs a pull; failing, it is PULL_FAILED", async () => {
    const ref = await localImage("mismatch", "2.0.0");
    const digest = `sha256:${"0".repeat(64)}`;
    await assert.rejects(runtime.ensureImage({ ref, digest }, null), (err: unknown) =>
      isAgentError(err, "PULL_FAILED"),
    );
  });

  test("an absent image from an unreachable registry fails fast with PULL_FAILED", async () => {
    const started = Date.now();
    await assert.rejects(
      runtime.ensureImage({ ref: `${unreachable}/syntra-test/absent-${suffix}:v1` }, null),
      (err: unknown) => isAgentError(err, "PULL_FAILED") && /absent/.test(err.message),
    );
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  test("an aborted pull is TIMEOUT", async () => {
    await assert.rejects(
      runtime.ensureImage(
        { ref: `${unreachable}/syntra-test/aborted-${suffix}:v1` },
        null,
        undefined,
        AbortSignal.abort(),
      ),
      (err: unknown) => isAgentError(err, "TIMEOUT"),
    );
  });

  test("tagOf reads the tag after the last path segment's colon, else latest", () => {
    assert.equal(tagOf("nginx"), "latest");
    assert.equal(tagOf("nginx:1.25"), "1.25");
    assert.equal(tagOf("127.0.0.1:5000/team/app"), "latest");
    assert.equal(tagOf("127.0.0.1:5000/team/app:3f2a9c1"), "3f2a9c1");
    assert.equal(tagOf(`registry.dev/app:v1@sha256:${"a".repeat(64)}`), "v1");
  });
});
