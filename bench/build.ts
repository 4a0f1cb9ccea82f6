// Build benchmark: a cold build (the bench image and its cached layers removed first) against a rebuild of the
// unchanged commit (layer cache), for a repository with its own multi-stage Dockerfile and for Node and Go apps
// without one (generated Dockerfiles). Base images are made from this machine's runtimes, as in the tests.
// Run: npm run bench:build  (needs Docker: bash scripts/services/docker.sh start)
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { Builder, SERVICE_LABEL } from "../apps/server/src/builds/builder/index";
import { BUSYBOX, hostGo, testBaseImages } from "../apps/server/src/builds/builder/testing/base-images";
import { repoBuildDefaults } from "../apps/server/src/builds/builder/testing/build-request";
import { createTestRepo } from "../apps/server/src/builds/builder/testing/git-repos";
import { nodeAppFiles } from "../apps/server/src/builds/builder/testing/node-app";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BENCH_LABEL = "dev.syntra.bench.build";
const docker = new Dockerode();

const repoDockerfile = {
  Dockerfile: [
    `FROM ${BUSYBOX} AS build`,
    "COPY src /src",
    // Stand-in for a compile step: a few seconds of CPU work over the sources.
    "RUN mkdir -p /out && for i in $(seq 1 300); do cat /src/*.txt | md5sum >> /out/digests; done",
    `FROM ${BUSYBOX}`,
    "COPY --from=build /out /www",
    'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
    "",
  ].join("\n"),
  ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`src/file${i}.txt`, `line ${i}\n`.repeat(2000)])),
};

const nodeApp = nodeAppFiles({
  name: "bench",
  built: "built",
  server: 'require("http").createServer((q, s) => s.end("ok")).listen(Number(process.env.PORT))',
});

const goApp = {
  "go.mod": "module example.com/bench\n\ngo 1.21\n",
  "main.go":
    'package main\n\nimport ("net/http"; "os")\n\nfunc main() {\n\thttp.ListenAndServe(":"+os.Getenv("PORT"), http.FileServer(http.Dir(".")))\n}\n',
};

async function removeBenchImages(name: string): Promise<void> {
  const images = await docker.listImages({ filters: { label: [`${BENCH_LABEL}=${name}`] } });
  // Removing the tagged image also removes its untagged parents: the classic builder's cached layers.
  for (const img of images) await docker.getImage(img.Id).remove({ force: true });
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)] ?? 0;
  return `median ${(median / 1000).toFixed(2)} s (min ${((s[0] ?? 0) / 1000).toFixed(2)}, max ${((s.at(-1) ?? 0) / 1000).toFixed(2)}, n=${s.length})`;
}

async function bench(builder: Builder, name: string, files: Record<string, string>): Promise<void> {
  const repo = await createTestRepo();
  try {
    const sha = await repo.commit(files, name);
    const build = async () => {
      const started = performance.now();
      const result = await builder.build({
        ...repoBuildDefaults(repo.url, sha),
        image: { registry: null, repository: `syntra-bench/${name}` },
        labels: { [SERVICE_LABEL]: `bench-${name}`, [BENCH_LABEL]: name },
      });
      return { ms: performance.now() - started, stack: result.stack };
    };
    const cold: number[] = [];
    const cached: number[] = [];
    let stack: string | null = null;
    for (let round = 0; round < ROUNDS; round++) {
      await removeBenchImages(name);
      const first = await build();
      stack = first.stack;
      cold.push(first.ms);
      cached.push((await build()).ms);
    }
    const speedup =
      (cold.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? 0) /
      (cached.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? 1);
    console.log(`${name} (${stack ? `generated Dockerfile, ${stack}` : "repository Dockerfile"})`);
    console.log(`  cold build:          ${summary(cold)}`);
    console.log(`  cached rebuild:      ${summary(cached)}  -> ${speedup.toFixed(1)}x faster`);
  } finally {
    await removeBenchImages(name);
    await repo.cleanup();
  }
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "syntra-bench-build-"));
  try {
    const builder = new Builder({ docker, workDir, baseImages: await testBaseImages(docker) });
    console.log(
      `Syntra build benchmark (${os.cpus().length} cores; clone + build, local image, no push; ${ROUNDS} rounds)`,
    );
    await bench(builder, "repo-dockerfile", repoDockerfile);
    await bench(builder, "node-app", nodeApp);
    if (hostGo()) await bench(builder, "go-app", goApp);
    else console.log("go-app: skipped (no Go toolchain on this machine)");
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
