import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { after, before, describe, it } from "node:test";
import Dockerode from "dockerode";
import tar from "tar-fs";
import { diskUsage, MANAGED_LABEL, PRUNE_GRACE_MS, pruneServiceImages, SERVICE_LABEL } from "./index";
import { BUSYBOX, buildTestImage } from "./testing/base-images";
import { removeImagesLabelled } from "./testing/run-image";

const docker = new Dockerode();
const TEST_LABEL = "dev.syntra.test.hygiene";
const run = randomBytes(4).toString("hex");
const service = `svc-${run}`;
const later = () => Date.now() + PRUNE_GRACE_MS + 60_000;

/** A small image with its own layer and the given labels, tagged `ref`. */
async function image(ref: string, labels: Record<string, string>): Promise<string> {
  // A context of just the Dockerfile (no entries from the directory).
  const context = tar.pack(tmpdir(), {
    entries: [],
    finalize: false,
    finish: (pack) => {
      pack.entry(
        { name: "Dockerfile" },
        `FROM ${BUSYBOX}\nRUN echo ${ref} > /id && head -c 4096 /dev/urandom > /noise\n`,
      );
      pack.finalize();
    },
  });
  await buildTestImage(docker, context, { t: ref, labels: { ...labels, [TEST_LABEL]: run } });
  return (await docker.getImage(ref).inspect()).Id;
}

const ids: Record<string, string> = {};
const ref = (name: string) => `syntra-test/hygiene-${run}:${name}`;
const exists = (name: string) =>
  docker
    .getImage(ref(name))
    .inspect()
    .then(
      () => true,
      () => false,
    );

before(async () => {
  const ours = { [MANAGED_LABEL]: "true", [SERVICE_LABEL]: service };
  // Creation times have one-second resolution: space the builds so their order is certain.
  for (const name of ["v1", "v2", "v3", "v4", "v5"]) {
    ids[name] = await image(ref(name), ours);
    await new Promise((r) => setTimeout(r, 1100));
  }
  ids.foreign = await image(ref("foreign"), { [SERVICE_LABEL]: service });
  ids.other = await image(ref("other"), { [MANAGED_LABEL]: "true", [SERVICE_LABEL]: `other-${run}` });
});
after(() => removeImagesLabelled(docker, `${TEST_LABEL}=${run}`));

describe("pruneServiceImages", () => {
  it("keeps everything built within the grace period", async () => {
    const result = await pruneServiceImages(docker, service, 1, []);
    assert.deepEqual(result, { removed: [], freedBytes: 0 });
    assert.ok(await exists("v1"));
  });

  it("keeps the newest N and the ones in use, removes the rest of the service's Syntra images only", async () => {
    const container = await docker.createContainer({ Image: ref("v2"), Cmd: ["true"], Labels: { [TEST_LABEL]: run } });
    try {
      const result = await pruneServiceImages(docker, service, 2, [ref("v1")], later);
      // v5 and v4 are the newest two; v1 is in use by name, v2 by a (stopped) container.
      assert.deepEqual(result.removed, [ids.v3]);
      assert.ok(result.freedBytes >= 4096, `freed ${result.freedBytes} bytes`);
      assert.deepEqual(await Promise.all(["v1", "v2", "v3", "v4", "v5", "foreign", "other"].map(exists)), [
        true,
        true,
        false,
        true,
        true,
        true,
        true,
      ]);
    } finally {
      await container.remove({ force: true });
    }
  });

  it("matches images in use by id or digest too", async () => {
    const result = await pruneServiceImages(docker, service, 2, [ids.v1 ?? "", ids.v2 ?? ""], later);
    assert.deepEqual(result.removed, []);
    const all = await pruneServiceImages(docker, service, 0, [], later);
    assert.deepEqual(new Set(all.removed), new Set([ids.v1, ids.v2, ids.v4, ids.v5]));
    assert.ok(await exists("foreign"), "an image Syntra did not build is never removed");
  });
});

describe("diskUsage", () => {
  it("reports the engine's disk use and Syntra's share of it", async () => {
    const usage = await diskUsage(docker);
    assert.ok(usage.imagesBytes > 0);
    assert.ok(usage.syntraImages.count >= 1, "the other service's image counts");
    assert.ok(usage.syntraImages.bytes <= usage.imagesBytes);
    for (const value of [usage.buildCacheBytes, usage.containersBytes, usage.volumesBytes]) assert.ok(value >= 0);
  });
});
