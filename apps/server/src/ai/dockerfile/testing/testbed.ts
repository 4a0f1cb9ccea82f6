import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, beforeEach } from "node:test";
import Dockerode from "dockerode";
import type { BaseImages } from "../../../builds/builder/base-images";
import { Builder, SERVICE_LABEL } from "../../../builds/builder/index";
import { testBaseImages } from "../../../builds/builder/testing/base-images";
import { repoBuildDefaults } from "../../../builds/builder/testing/build-request";
import { createTestRepo, type TestRepo } from "../../../builds/builder/testing/git-repos";
import { nodeAppFiles } from "../../../builds/builder/testing/node-app";
import { fetchFromImage, removeImagesLabelled } from "../../../builds/builder/testing/run-image";
import { serviceOfNewOrg } from "../../../testing/error-fixtures";
import type { ApiAnswer, Credential, TestApp } from "../../../testing/harness";
import type { AiConfig } from "../../config";
import { createAiEngine } from "../../engine";
import { appWithClaude } from "../../testing/claude-app";
import type { StandInServer } from "../../testing/stand-in-server";

/** The Anthropic key of the testbed's control plane (it must never reach the stand-in's prompts). */
export const API_KEY = "sk-ant-api03-dockerfileKEY0123456789";
/** The value in the Node app's .env file. */
export const ENV_SECRET = "envfile-Secret-9f8e7d6c5b";
/** This run's mark: in the Node app's answer, image names and labels. */
export const RUN = randomBytes(4).toString("hex");
const TEST_LABEL = "dev.syntra.test.ai-dockerfile";

/**
 * A Node app with a lockfile (no dependencies: nothing can be downloaded here), a build script and a server that
 * answers with what it built, its uid, NODE_ENV and whether a .env file is in the image; and a .env file.
 */
export const NODE_APP = {
  ...nodeAppFiles({
    name: "shop",
    built: `built ${RUN}`,
    server: [
      'const fs = require("fs");',
      "const env = fs.existsSync('.env') ? 'with .env' : 'without .env';",
      "require('http').createServer((req, res) => res.end([fs.readFileSync('built.txt'), 'uid', process.getuid(), process.env.NODE_ENV, env].join(' ')))",
      "  .listen(Number(process.env.PORT));",
    ].join("\n"),
  }),
  ".env": `STRIPE_KEY=${ENV_SECRET}\n`,
};

/** What a Dockerfile generation test works with; the fields are set by the testbed's `before` hook. */
export interface DockerfileTestbed {
  t: TestApp;
  /** The stand-in of Anthropic's Messages API the control plane's provider talks to. */
  claude: StandInServer;
  /** Base images made from this machine's runtimes (the control plane's SYNTRA_BUILD_IMAGE_*). */
  images: Partial<BaseImages>;
  owner: Credential;
  projectId: string;
  serverId: string;
  /** An image service (port 8080) of the owner's organization. */
  serviceId: string;
  /** The app's engine with other settings (the offline generator, SYNTRA_AI=off, a short build bound). */
  useEngine(change: Partial<AiConfig>): void;
  /** A new local repository (file://) with one commit of these files; removed after the file's tests. */
  repoWith(files: Record<string, string>): Promise<TestRepo>;
  generate(body: Record<string, unknown>, as?: Credential): Promise<ApiAnswer>;
  /**
   * Commits the returned Dockerfile (and .dockerignore) and builds the commit with the platform's builder, then
   * runs the image and returns what it answers on `port`: the user's next step, done for real.
   */
  buildAndServe(repo: TestRepo, dockerfile: string, port: number, dockerignore?: string | null): Promise<string>;
}

/**
 * A control plane (PGlite, or PostgreSQL with TEST_DATABASE_URL) whose provider is a local stand-in of Anthropic's
 * Messages API, with the builder's test base images; registers the file's before/after hooks. Each test starts
 * with the configured engine and no recorded provider requests.
 */
export function dockerfileTestbed(): DockerfileTestbed {
  const docker = new Dockerode();
  const repos: TestRepo[] = [];
  let builder: Builder;
  let builderDir: string;
  const bed = {
    useEngine(change) {
      bed.t.deps.ai = createAiEngine({ ...bed.t.deps.config.ai, ...change });
    },
    async repoWith(files) {
      const repo = await createTestRepo();
      repos.push(repo);
      await repo.commit(files, "app");
      return repo;
    },
    generate: (body, as = bed.owner) => bed.t.call("POST", "/api/v1/ai/generate-dockerfile", { as, body }),
    async buildAndServe(repo, dockerfile, port, dockerignore = null) {
      const sha = await repo.commit(
        { Dockerfile: dockerfile, ...(dockerignore !== null && { ".dockerignore": dockerignore }) },
        "add the generated Dockerfile",
      );
      const result = await builder.build({
        ...repoBuildDefaults(repo.url, sha),
        image: { registry: null, repository: `syntra-test/ai-dockerfile-${RUN}` },
        labels: { [SERVICE_LABEL]: `ai-dockerfile-${RUN}`, [TEST_LABEL]: RUN },
      });
      assert.equal(result.generatedDockerfile, null, "the repository's (generated) Dockerfile was used");
      return fetchFromImage(docker, result.imageRef, port);
    },
  } as DockerfileTestbed;

  before(async () => {
    bed.images = await testBaseImages(docker);
    const { claude, t } = await appWithClaude(API_KEY, {
      SYNTRA_BUILD_IMAGE_NODE: bed.images.node ?? "",
      ...(bed.images.python && { SYNTRA_BUILD_IMAGE_PYTHON: bed.images.python }),
      SYNTRA_BUILD_IMAGE_STATIC: bed.images.static ?? "",
    });
    Object.assign(bed, { claude, t });
    Object.assign(bed, await serviceOfNewOrg(t, "dockerfile-owner@example.com"));
    builderDir = await mkdtemp(path.join(tmpdir(), "syntra-ai-dockerfile-"));
    builder = new Builder({ docker, workDir: builderDir, baseImages: bed.images });
  });
  after(async () => {
    await removeImagesLabelled(docker, `${TEST_LABEL}=${RUN}`);
    await Promise.all(repos.map((r) => r.cleanup()));
    if (builderDir) await rm(builderDir, { recursive: true, force: true });
    await bed.claude?.close();
    await bed.t?.close();
  });
  beforeEach(() => {
    bed.claude.requests.length = 0;
    bed.t.deps.ai = createAiEngine(bed.t.deps.config.ai);
  });
  return bed;
}
