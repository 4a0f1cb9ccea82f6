import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import Dockerode from "dockerode";
import { Builder, type BuildRequest, COMMIT_LABEL, MANAGED_LABEL, SERVICE_LABEL } from "./index";
import { rejectsWithBuildError } from "./testing/assertions";
import { BUSYBOX } from "./testing/base-images";
import { repoBuildDefaults } from "./testing/build-request";
import { createTestRepo, type TestRepo } from "./testing/git-repos";
import { fetchFromImage, removeImagesLabelled } from "./testing/run-image";

const docker = new Dockerode();
const TEST_LABEL = "dev.syntra.test.builder";
const run = randomBytes(4).toString("hex");
let workDir: string;
let builder: Builder;
let repo: TestRepo;

/** Serves /www with busybox httpd on 8080, so tests read what the build wrote. */
const SERVE = `CMD ["sh", "-c", "httpd -f -p 8080 -h /www & trap 'kill $!; exit 0' TERM; wait"]`;

before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "syntra-builder-"));
  builder = new Builder({ docker, workDir, baseImages: { static: BUSYBOX } });
  repo = await createTestRepo();
});
after(async () => {
  await removeImagesLabelled(docker, `${TEST_LABEL}=${run}`);
  await repo.cleanup();
  await rm(workDir, { recursive: true, force: true });
});

function request(ref: string, extra: Partial<BuildRequest> = {}): BuildRequest {
  return {
    ...repoBuildDefaults(repo.url, ref),
    image: { registry: null, repository: `syntra-test/builder-${run}` },
    labels: { [SERVICE_LABEL]: `svc-${run}`, "dev.syntra.deployment": "dep-1", [TEST_LABEL]: run },
    ...extra,
  };
}

const multiStage = (version: string) => ({
  Dockerfile: [
    `FROM ${BUSYBOX} AS build`,
    "ARG GREETING",
    "COPY . /src",
    `RUN mkdir -p /out && echo "$GREETING ${version}" > /out/index.html && ls -a /src > /out/context.txt`,
    `FROM ${BUSYBOX}`,
    "COPY --from=build /out /www",
    SERVE,
    "",
  ].join("\n"),
  ".dockerignore": "secret-notes.txt\n",
  "secret-notes.txt": "not for the image",
  "app.txt": version,
});

describe("Builder with the repository's Dockerfile", () => {
  it("builds a multi-stage Dockerfile at an exact earlier commit, with build args, labels and a clean context", async () => {
    const v1 = await repo.commit(multiStage("v1"), "v1");
    await repo.commit(multiStage("v2"), "v2");
    const lines: string[] = [];
    const result = await builder.build(request(v1, { buildArgs: { GREETING: "hello" }, onLog: (l) => lines.push(l) }));

    assert.equal(result.commitSha, v1);
    assert.equal(result.commitMessage, "v1");
    assert.equal(result.stack, null);
    assert.equal(result.generatedDockerfile, null);
    assert.equal(result.imageDigest, null);
    assert.equal(result.imageRef, `syntra-test/builder-${run}:${v1}`);
    assert.ok(
      lines.some((l) => /^Step \d+\/\d+ : RUN mkdir/.test(l)),
      "the build's steps are streamed",
    );

    const image = await docker.getImage(result.imageRef).inspect();
    assert.equal(image.Id, result.imageId);
    assert.equal(image.Config.Labels?.[SERVICE_LABEL], `svc-${run}`);
    assert.equal(image.Config.Labels?.[MANAGED_LABEL], "true");
    assert.equal(image.Config.Labels?.[COMMIT_LABEL], v1);

    assert.equal((await fetchFromImage(docker, result.imageRef, 8080, "/index.html")).trim(), "hello v1");
    const context = (await fetchFromImage(docker, result.imageRef, 8080, "/context.txt")).split("\n");
    assert.ok(context.includes("app.txt") && context.includes("Dockerfile"));
    for (const absent of [".git", ".dockerignore", ".syntra.Dockerfile", "secret-notes.txt"]) {
      assert.ok(!context.includes(absent), `${absent} is not in the build context`);
    }
  });

  it("passes build-time variables to the build only: runtime settings never reach the image, secrets are masked", async () => {
    const sha = await repo.commit({
      Dockerfile: [
        `FROM ${BUSYBOX}`,
        "ARG NPM_TOKEN",
        "ARG PUBLIC_URL",
        `RUN mkdir -p /www && echo "$PUBLIC_URL" > /www/url.txt && echo "token is $NPM_TOKEN"`,
        SERVE,
        "",
      ].join("\n"),
    });
    const token = `npm_${randomBytes(12).toString("hex")}`;
    const lines: string[] = [];
    const result = await builder.build(
      request(sha, {
        buildArgs: { NPM_TOKEN: token, PUBLIC_URL: "https://shop.example.com" },
        maskValues: [token],
        onLog: (l) => lines.push(l),
      }),
    );
    assert.ok(lines.includes("token is ***"), "the secret build arg is masked in the log");
    assert.ok(!lines.join("\n").includes(token));
    assert.equal((await fetchFromImage(docker, result.imageRef, 8080, "/url.txt")).trim(), "https://shop.example.com");
    const image = await docker.getImage(result.imageRef).inspect();
    const env = image.Config.Env ?? [];
    assert.ok(
      !env.some((e) => e.startsWith("NPM_TOKEN") || e.startsWith("PUBLIC_URL")),
      "build args are not image env",
    );
    // A runtime variable of the service (never in buildArgs) appears nowhere in the image.
    const history = JSON.stringify(await docker.getImage(result.imageRef).history());
    assert.ok(!history.includes("DATABASE_URL"));
    assert.ok(!JSON.stringify(image).includes("DATABASE_URL"));
  });

  it("reuses the layer cache when the same commit is built again", async () => {
    const sha = await repo.commit({
      Dockerfile: [`FROM ${BUSYBOX}`, "COPY app.txt /app.txt", `RUN sleep 1 && cat /app.txt > /built.txt`, ""].join(
        "\n",
      ),
      "app.txt": `cache ${run}`,
    });
    await builder.build(request(sha));
    const lines: string[] = [];
    await builder.build(request(sha, { onLog: (l) => lines.push(l) }));
    const steps = lines.filter((l) => /^Step \d+\/\d+ : (COPY|RUN)/.test(l)).length;
    assert.equal(steps, 2);
    assert.ok(lines.filter((l) => l.includes("Using cache")).length >= steps, lines.join("\n"));
  });

  it("runs the steps under the CPU and memory limits", async () => {
    const sha = await repo.commit({
      Dockerfile: [
        `FROM ${BUSYBOX}`,
        "RUN mkdir -p /www && (cat /sys/fs/cgroup/memory/memory.limit_in_bytes || cat /sys/fs/cgroup/memory.max) > /www/memory.txt" +
          " && (cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us || cut -d' ' -f1 /sys/fs/cgroup/cpu.max) > /www/cpu.txt",
        SERVE,
        "",
      ].join("\n"),
    });
    const result = await builder.build(request(sha, { limits: { cpuCores: 0.5, memoryBytes: 256 * 1024 * 1024 } }));
    assert.equal(
      (await fetchFromImage(docker, result.imageRef, 8080, "/memory.txt")).trim(),
      String(256 * 1024 * 1024),
    );
    assert.equal((await fetchFromImage(docker, result.imageRef, 8080, "/cpu.txt")).trim(), "50000");
  });

  it("fails with BUILD_FAILED naming the failing step and the engine's message", async () => {
    const sha = await repo.commit({
      Dockerfile: `FROM ${BUSYBOX}\nRUN echo step one\nRUN echo broken >&2 && exit 3\n`,
    });
    const lines: string[] = [];
    await rejectsWithBuildError(
      builder.build(request(sha, { onLog: (l) => lines.push(l) })),
      "BUILD_FAILED",
      /Step 3\/\d+ : RUN echo broken >&2 && exit 3: .*returned a non-zero code: 3/,
    );
    assert.ok(lines.includes("broken"), lines.join("\n"));
  });

  it("reports a missing custom Dockerfile, an empty repository and paths leaving the repository", async () => {
    const sha = await repo.commit({ Dockerfile: null, "README.md": "nothing to build" });
    await rejectsWithBuildError(
      builder.build(request(sha, { dockerfilePath: "docker/Dockerfile.prod" })),
      "DOCKERFILE_NOT_FOUND",
      /docker\/Dockerfile.prod/,
    );
    await rejectsWithBuildError(builder.build(request(sha)), "NO_BUILDABLE_STACK", /package.json/);
    await rejectsWithBuildError(builder.build(request(sha, { buildContext: "../.." })), "INVALID_REQUEST");
    await rejectsWithBuildError(builder.build(request(sha, { dockerfilePath: "/etc/passwd" })), "INVALID_REQUEST");
  });

  it("does not read a Dockerfile symlinked out of the repository", async () => {
    const sha = await repo.commit({ Dockerfile: null });
    // Commit a symlink to a host file as the Dockerfile.
    const work = await mkdtemp(path.join(tmpdir(), "syntra-link-"));
    const { execFile } = await import("node:child_process");
    const git = (...args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile("git", args, { cwd: work }, (err, out) => (err ? reject(err) : resolve(out.trim()))),
      );
    await git("clone", "--quiet", repo.url, ".");
    await git("checkout", "--quiet", sha);
    const { symlink } = await import("node:fs/promises");
    await symlink("/etc/passwd", path.join(work, "Dockerfile"));
    await git("-c", "user.email=a@b", "-c", "user.name=A", "add", "Dockerfile");
    await git("-c", "user.email=a@b", "-c", "user.name=A", "commit", "--quiet", "-m", "link");
    await git("push", "--quiet", repo.url, "HEAD:refs/heads/symlinked");
    const lines: string[] = [];
    await rejectsWithBuildError(
      builder.build(request("symlinked", { onLog: (l) => lines.push(l) })),
      "INVALID_REQUEST",
      /must stay inside/,
    );
    assert.ok(!lines.join("\n").includes("root:x:0:0"));
    await rm(work, { recursive: true, force: true });
  });

  it("refuses bad input with clear errors before doing anything", async () => {
    const sha = await repo.commit({ Dockerfile: `FROM ${BUSYBOX}\n` });
    await rejectsWithBuildError(
      builder.build(request(sha, { buildArgs: { "BAD NAME": "x" } })),
      "INVALID_REQUEST",
      /Build variable name/,
    );
    await rejectsWithBuildError(
      builder.build(request(sha, { image: { registry: null, repository: "Upper/Case" } })),
      "INVALID_REQUEST",
      /lowercase/,
    );
    await rejectsWithBuildError(
      builder.build(request(sha, { limits: { memoryBytes: 1024 } })),
      "INVALID_REQUEST",
      /memoryBytes/,
    );
  });

  it("removes its work dirs after successes and failures", async () => {
    assert.deepEqual(
      (await readdir(workDir)).filter((name) => name.startsWith("build-")),
      [],
    );
  });
});

describe("Builder cancellation", () => {
  it("kills a running step when aborted: CANCELLED, no build container left, work dir removed", async () => {
    const nonce = `cancel-${run}`;
    const sha = await repo.commit({ Dockerfile: `FROM ${BUSYBOX}\nRUN echo ${nonce} && sleep 30\n` });
    const controller = new AbortController();
    let sawStep = false;
    const building = builder.build(
      request(sha, {
        signal: controller.signal,
        onLog: (line) => {
          if (line === nonce) sawStep = true;
        },
      }),
    );
    const stepContainers = async () =>
      (await docker.listContainers({ all: true })).filter((c) => c.Command.includes(nonce));
    // Abort once the step really runs in its container.
    await eventually(async () => sawStep && (await stepContainers()).length > 0, {
      what: "the sleeping step running in its container",
    });
    controller.abort();
    await rejectsWithBuildError(building, "CANCELLED");

    // The engine removes the aborted step's container moments after the build ends.
    const left = await eventually(async () => ((await stepContainers()).length === 0 ? [] : undefined), {
      what: "the engine stopping and removing the step's container",
      diagnostic: async () => (await stepContainers()).map((c) => `${c.Id} ${c.State}`).join(", "),
    });
    assert.deepEqual(left, []);
    assert.deepEqual(
      (await readdir(workDir)).filter((name) => name.startsWith("build-")),
      [],
    );
    await assert.rejects(docker.getImage(`syntra-test/builder-${run}:${sha}`).inspect(), "no image was tagged");
  });

  it("an already aborted signal stops before cloning", async () => {
    const controller = new AbortController();
    controller.abort();
    await rejectsWithBuildError(builder.build(request("main", { signal: controller.signal })), "CANCELLED");
  });
});
