import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import Dockerode from "dockerode";
import type { BaseImages } from "./base-images";
import { Builder, type BuildRequest, SERVICE_LABEL } from "./index";
import { hostGo, hostPython, testBaseImages } from "./testing/base-images";
import { repoBuildDefaults } from "./testing/build-request";
import { createTestRepo, type TestRepo } from "./testing/git-repos";
import { nodeAppFiles } from "./testing/node-app";
import { fetchFromImage, removeImagesLabelled } from "./testing/run-image";

// Repositories without a Dockerfile, one per stack, built with generated Dockerfiles on base images made from
// this machine's runtimes, then run: each must answer HTTP with the committed content.
const docker = new Dockerode();
const TEST_LABEL = "dev.syntra.test.stacks";
const run = randomBytes(4).toString("hex");
let workDir: string;
let builder: Builder;
let images: Partial<BaseImages>;
const repos: TestRepo[] = [];

before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "syntra-stacks-"));
  images = await testBaseImages(docker);
  builder = new Builder({ docker, workDir, baseImages: images });
});
after(async () => {
  await removeImagesLabelled(docker, `${TEST_LABEL}=${run}`);
  await Promise.all(repos.map((r) => r.cleanup()));
  await rm(workDir, { recursive: true, force: true });
});

async function buildRepo(name: string, files: Record<string, string>, extra: Partial<BuildRequest> = {}) {
  const repo = await createTestRepo();
  repos.push(repo);
  const sha = await repo.commit(files, `${name} app`);
  const lines: string[] = [];
  const result = await builder.build({
    ...repoBuildDefaults(repo.url, sha),
    image: { registry: null, repository: `syntra-test/stack-${name}-${run}` },
    labels: { [SERVICE_LABEL]: `stack-${name}`, [TEST_LABEL]: run },
    onLog: (l) => lines.push(l),
    ...extra,
  });
  return { result, lines };
}

describe("generated Dockerfiles build and run", () => {
  it("static site: index.html served by the static image", async () => {
    const { result } = await buildRepo("static", { "index.html": `<h1>static ${run}</h1>\n`, "README.md": "docs" });
    assert.equal(result.stack, "static");
    assert.match(result.generatedDockerfile ?? "", /^COPY \. \/srv$/m);
    assert.equal((await fetchFromImage(docker, result.imageRef, 8080)).trim(), `<h1>static ${run}</h1>`);
  });

  it("Node: npm ci from the lockfile, the start script, PORT from the service", async () => {
    const { result, lines } = await buildRepo(
      "node",
      nodeAppFiles({
        name: "app",
        built: `built ${run}`,
        server: [
          'const fs = require("fs");',
          "require('http').createServer((req, res) => res.end([fs.readFileSync('built.txt'), 'on', process.env.PORT, process.env.NODE_ENV].join(' ')))",
          "  .listen(Number(process.env.PORT));",
        ].join("\n"),
      }),
      { port: 4321 },
    );
    assert.equal(result.stack, "node");
    assert.ok(
      lines.some((l) => l.includes("RUN npm ci")),
      "the generated Dockerfile is in the log",
    );
    assert.equal(await fetchFromImage(docker, result.imageRef, 4321), `built ${run} on 4321 production`);
  });

  it("Python: pip install of requirements.txt, app.py started", {
    skip: hostPython() ? false : "no python3.11 on this machine",
  }, async () => {
    const { result } = await buildRepo("python", {
      "requirements.txt": "# standard library only\n",
      "app.py": [
        "import os",
        "from http.server import BaseHTTPRequestHandler, HTTPServer",
        "class Handler(BaseHTTPRequestHandler):",
        "    def do_GET(self):",
        "        self.send_response(200)",
        "        self.end_headers()",
        `        self.wfile.write(b"python ${run}")`,
        'HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()',
      ].join("\n"),
    });
    assert.equal(result.stack, "python");
    assert.equal(await fetchFromImage(docker, result.imageRef, 8000), `python ${run}`);
  });

  it("Go: compiled in the Go image, run from the runtime image", {
    skip: hostGo() ? false : "no Go toolchain on this machine",
  }, async () => {
    const { result } = await buildRepo("go", {
      "go.mod": "module example.com/hello\n\ngo 1.21\n",
      "main.go": [
        "package main",
        "",
        'import ("net/http"; "os")',
        "",
        "func main() {",
        `\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("go ${run}")) })`,
        '\thttp.ListenAndServe(":"+os.Getenv("PORT"), nil)',
        "}",
      ].join("\n"),
    });
    assert.equal(result.stack, "go");
    assert.equal(await fetchFromImage(docker, result.imageRef, 8080), `go ${run}`);
    const image = await docker.getImage(result.imageRef).inspect();
    assert.ok(
      image.Size < 50 * 1024 * 1024,
      `the runtime image holds the binary, not the toolchain (${image.Size} bytes)`,
    );
  });
});
