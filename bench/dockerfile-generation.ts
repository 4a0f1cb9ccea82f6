// Dockerfile generation benchmark: POST /api/v1/ai/generate-dockerfile (offline generator) on a Node app through a
// real control plane (PGlite), split into the fetch and read of the repository and the verification build, beside
// the builder building the same commit with its own (single-stage) generated Dockerfile: what checking the
// production Dockerfile costs on top of a build. Base images are made from this machine's runtimes, as in the tests.
// Run: npm run bench:dockerfile  (needs Docker: bash scripts/services/docker.sh start)
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { Builder, SERVICE_LABEL } from "../apps/server/src/builds/builder/index";
import { testBaseImages } from "../apps/server/src/builds/builder/testing/base-images";
import { repoBuildDefaults } from "../apps/server/src/builds/builder/testing/build-request";
import { createTestRepo } from "../apps/server/src/builds/builder/testing/git-repos";
import { nodeAppFiles } from "../apps/server/src/builds/builder/testing/node-app";
import { removeImagesLabelled } from "../apps/server/src/builds/builder/testing/run-image";
import { createTestApp } from "../apps/server/src/testing/harness";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LABEL = "dev.syntra.bench.dockerfile";
const docker = new Dockerode();

const nodeApp = {
  ...nodeAppFiles({
    name: "bench",
    built: "built",
    server: 'require("http").createServer((q, s) => s.end("ok")).listen(Number(process.env.PORT))',
  }),
  ".env": "SECRET=bench\n",
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const images = await testBaseImages(docker);
  const t = await createTestApp({
    SYNTRA_AI_PROVIDER: "offline",
    SYNTRA_OPEN_SIGNUP: "true",
    SYNTRA_BUILD_IMAGE_NODE: images.node ?? "",
  });
  const owner = { cookie: (await t.signup("bench@example.com")).cookie };
  const repo = await createTestRepo();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "syntra-bench-dockerfile-"));
  const builder = new Builder({ docker, workDir, baseImages: images });
  const total: number[] = [];
  const verify: number[] = [];
  const build: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // A new commit each round: the sources change, the manifests do not (the install layer is reused).
      const sha = await repo.commit({ ...nodeApp, "server.js": `${nodeApp["server.js"]}\n// round ${round}\n` });
      const started = performance.now();
      const res = await t.call("POST", "/api/v1/ai/generate-dockerfile", { as: owner, body: { repo_url: repo.url } });
      total.push(performance.now() - started);
      if (res.status !== 200 || !res.body.data.verified) throw new Error(JSON.stringify(res.body).slice(0, 500));
      verify.push(res.body.data.verification.duration_ms);
      const built = await builder.build({
        ...repoBuildDefaults(repo.url, sha),
        image: { registry: null, repository: "syntra-bench/dockerfile" },
        labels: { [SERVICE_LABEL]: "bench", [LABEL]: "true" },
      });
      build.push(built.durationMs);
    }
  } finally {
    await removeImagesLabelled(docker, `${LABEL}=true`);
    await rm(workDir, { recursive: true, force: true });
    await repo.cleanup();
    await t.close();
  }
  const m = { total: median(total), verify: median(verify), build: median(build) };
  console.log(`Dockerfile generation (offline, Node app), ${ROUNDS} rounds, median ms`);
  console.log(`  request total           ${m.total.toFixed(0)}`);
  console.log(`  fetch + read + generate ${(m.total - m.verify).toFixed(0)}`);
  console.log(`  verification build      ${m.verify.toFixed(0)}`);
  console.log(`  builder's own build     ${m.build.toFixed(0)}  (same commit, its single-stage Dockerfile)`);
  console.log(`  ratio request / builder build: ${(m.total / Math.max(1, m.build)).toFixed(2)}`);
}

await main();
