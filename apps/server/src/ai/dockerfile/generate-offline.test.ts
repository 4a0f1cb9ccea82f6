// POST /api/v1/ai/generate-dockerfile with the offline generator, through the real control plane (PGlite, or
// PostgreSQL with TEST_DATABASE_URL), against local git repositories (file://, and smart HTTP with a token), verified
// with the real Docker engine on base images made from this machine's runtimes; the Dockerfiles returned are then
// committed, built by the platform's builder and run.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import Dockerode from "dockerode";
import { hostPython } from "../../builds/builder/testing/base-images";
import { startGitHttpServer } from "../../builds/builder/testing/git-http-server";
import { dockerfileTestbed, NODE_APP, RUN } from "./testing/testbed";
import { VERIFY_LABEL } from "./verify";

const docker = new Dockerode();
const bed = dockerfileTestbed();
const { generate, useEngine, repoWith, buildAndServe } = bed;
// bed.t, bed.owner, bed.claude... are set by the testbed's before hook: read them inside the tests.

describe("offline: the builder's stack detection, written as a production Dockerfile", () => {
  test("Node: multi-stage, lockfile installed before the sources, non-root; it builds, and the container serves", async () => {
    useEngine({ provider: { kind: "offline" } });
    const repo = await repoWith(NODE_APP);
    const res = await generate({ repo_url: repo.url, branch: "main" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const g = res.body.data;
    assert.equal(g.provider, "offline");
    assert.equal(g.offline, true);
    assert.match(g.explanation, /^Offline generation \(no AI provider configured\)/);
    assert.equal(g.stack, "node");
    assert.equal(g.verified, true, JSON.stringify(g.verification));
    assert.equal(g.verification.status, "built");
    assert.equal(g.attempts, 1);
    assert.match(g.commit_sha, /^[0-9a-f]{40}$/);
    assert.deepEqual(g.files_withheld, [".env"]);
    const lines: string[] = g.dockerfile.split("\n");
    assert.equal(lines.filter((l) => l.startsWith("FROM ")).length, 2, "two stages");
    const lockCopy = lines.indexOf("COPY package.json package-lock.json ./");
    const install = lines.indexOf("RUN npm ci --no-audit --no-fund");
    const sources = lines.indexOf("COPY . .");
    assert.ok(lockCopy >= 0 && lockCopy < install && install < sources, "manifests, install, then sources");
    assert.ok(lines.includes("RUN npm prune --omit=dev"));
    assert.ok(lines.includes("USER 10001:10001"));
    assert.equal(bed.claude.requests.length, 0, "offline asks no provider");
    // The verification image is gone; the Dockerfile builds with the platform's builder and serves as uid 10001.
    assert.deepEqual(await docker.listImages({ filters: { label: [VERIFY_LABEL] } }), []);
    // With the suggested .dockerignore committed too, the .env file stays out of the image.
    assert.match(g.dockerignore, /^\.env$/m);
    assert.equal(
      await buildAndServe(repo, g.dockerfile, 3000, g.dockerignore),
      `built ${RUN} uid 10001 production without .env`,
    );
  });

  test("Python: dependencies in a build stage, sources and deps in the runtime stage, non-root; the container serves", {
    skip: hostPython() ? false : "no python3.11 on this machine",
  }, async () => {
    useEngine({ provider: { kind: "offline" } });
    const repo = await repoWith({
      "requirements.txt": "# standard library only\n",
      "app.py": [
        "import os",
        "from http.server import BaseHTTPRequestHandler, HTTPServer",
        "class Handler(BaseHTTPRequestHandler):",
        "    def do_GET(self):",
        "        self.send_response(200)",
        "        self.end_headers()",
        `        self.wfile.write(f"python ${RUN} uid {os.getuid()}".encode())`,
        'HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()',
      ].join("\n"),
    });
    const res = await generate({ repo_url: repo.url });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const g = res.body.data;
    assert.equal(g.stack, "python");
    assert.equal(g.verified, true, JSON.stringify(g.verification));
    assert.match(g.dockerfile, /AS build\n[\s\S]*COPY requirements\.txt \.\/\nRUN mkdir -p \/deps && pip install/);
    assert.match(g.dockerfile, /COPY --from=build \/deps \/deps\nCOPY \. \.\nUSER 10001:10001/);
    assert.equal(await buildAndServe(repo, g.dockerfile, 8000), `python ${RUN} uid 10001`);
  });

  test("the service's port is the image's; a repository with nothing to build says what it needs", async () => {
    useEngine({ provider: { kind: "offline" } });
    const repo = await repoWith(NODE_APP);
    const res = await generate({ repo_url: repo.url, service_id: bed.serviceId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.data.dockerfile, /^EXPOSE 8080$/m);
    assert.match(res.body.data.dockerfile, /PORT=8080/);

    const empty = await repoWith({ "README.md": "nothing to run" });
    const none = await generate({ repo_url: empty.url });
    assert.equal(none.status, 422);
    assert.equal(none.body.error.code, "NO_BUILDABLE_STACK");
    assert.match(none.body.error.message, /package\.json/);
  });
});

test("a service built from a folder of a monorepo gets a Dockerfile for that folder, built with it as the context", async () => {
  useEngine({ provider: { kind: "offline" } });
  const repo = await repoWith({
    "README.md": "monorepo",
    ...Object.fromEntries(Object.entries(NODE_APP).map(([name, content]) => [`services/api/${name}`, content])),
  });
  const created = await bed.t.call("POST", `/api/v1/projects/${bed.projectId}/services`, {
    as: bed.owner,
    body: {
      name: "api",
      server_id: bed.serverId,
      port: 3000,
      source_type: "dockerfile",
      source_config: { repo_url: repo.url, build_context: "services/api" },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const res = await generate({ repo_url: repo.url, service_id: created.body.data.id });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.stack, "node");
  assert.equal(res.body.data.verified, true, JSON.stringify(res.body.data.verification));
  assert.ok(res.body.data.files_read.includes("package.json"), "paths are the folder's");

  await repo.commit(
    {
      "services/api/package.json": null,
      "services/api/server.js": null,
      "services/api/build.js": null,
      "services/api/package-lock.json": null,
      "services/api/.env": null,
    },
    "move",
  );
  const gone = await generate({ repo_url: repo.url, service_id: created.body.data.id });
  assert.equal(gone.status, 422, JSON.stringify(gone.body));
  assert.equal(gone.body.error.code, "INVALID_REQUEST");
  assert.match(gone.body.error.message, /services\/api is not a folder/);
});

test("a private repository is read with the service's git credentials, and only for the service's own repository", async () => {
  useEngine({ provider: { kind: "offline" } });
  const repo = await repoWith(NODE_APP);
  const token = `ghp_${randomBytes(16).toString("hex")}`;
  const host = await startGitHttpServer(path.dirname(repo.bareDir), token);
  try {
    const url = host.urlFor(repo.bareDir);
    const created = await bed.t.call("POST", `/api/v1/projects/${bed.projectId}/services`, {
      as: bed.owner,
      body: {
        name: "private",
        server_id: bed.serverId,
        port: 3000,
        source_type: "dockerfile",
        source_config: { repo_url: url },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const privateService = created.body.data.id as string;
    const set = await bed.t.call("PUT", `/api/v1/services/${privateService}/git/credentials`, {
      as: bed.owner,
      body: { kind: "token", token },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));

    const anonymous = await generate({ repo_url: url });
    assert.equal(anonymous.status, 502);
    assert.equal(anonymous.body.error.code, "CLONE_FAILED");

    const res = await generate({ repo_url: url, service_id: privateService });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.verified, true, JSON.stringify(res.body.data.verification));
    assert.ok(host.credentialsSeen.includes(`x-access-token:${token}`), "the service's token reached the git host");

    // The service's credentials are not handed to another URL the request names.
    const seen = host.credentialsSeen.length;
    const other = await generate({ repo_url: `${url}/`, service_id: privateService });
    assert.equal(other.body.error?.code, "CLONE_FAILED");
    assert.ok(host.credentialsSeen.slice(seen).every((c) => !c.includes(token)));
    assert.ok(!bed.t.logs.join("\n").includes(token), "the token is in no log line");
    assert.ok(!JSON.stringify([anonymous.body, res.body, other.body]).includes(token));
  } finally {
    await host.close();
  }
});

test("without a Docker engine the Dockerfile is returned unverified, saying it was not built", async () => {
  useEngine({ provider: { kind: "offline" } });
  const repo = await repoWith(NODE_APP);
  const local = bed.t.deps.config.localAgent;
  bed.t.deps.config.localAgent = { ...local, dockerSocket: path.join(tmpdir(), `no-docker-${RUN}.sock`) };
  try {
    const res = await generate({ repo_url: repo.url });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.verified, false);
    assert.equal(res.body.data.verification.status, "skipped");
    assert.match(res.body.data.verification.reason, /No Docker engine answers/);
    assert.match(res.body.data.dockerfile, /^USER 10001:10001$/m);
  } finally {
    bed.t.deps.config.localAgent = local;
  }
});
