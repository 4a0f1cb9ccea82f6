import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { defaultBaseImages } from "../base-images";
import { detectStack } from "./detect";
import { ContextFiles } from "./stack";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function detect(files: Record<string, string>, buildArgNames: string[] = [], port?: number) {
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-detect-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return detectStack({ files: new ContextFiles(dir), images: defaultBaseImages, buildArgNames, port });
}

const pkg = (extra: object) => JSON.stringify({ name: "app", version: "1.0.0", ...extra });

describe("stack detection", () => {
  it("Node with npm lockfile: manifests first for the layer cache, npm ci, build, start script", async () => {
    const found = await detect({
      "package.json": pkg({ scripts: { build: "tsc", start: "node dist/index.js" } }),
      "package-lock.json": "{}",
    });
    assert.equal(found?.stack, "node");
    const lines = found?.dockerfile.split("\n") ?? [];
    assert.equal(lines[0], "FROM node:20-slim");
    const at = (l: string) => lines.indexOf(l);
    assert.ok(at("COPY package.json package-lock.json ./") < at("RUN npm ci --no-audit --no-fund"));
    assert.ok(at("RUN npm ci --no-audit --no-fund") < at("COPY . ."));
    assert.ok(at("COPY . .") < at("RUN npm run build"));
    assert.ok(lines.includes('CMD ["npm","start"]'));
    assert.ok(lines.includes("ENV PORT=3000"));
  });

  it("Node package managers follow the lockfile: yarn classic, yarn berry, pnpm, none", async () => {
    const yarn = await detect({ "package.json": pkg({ scripts: { start: "node ." } }), "yarn.lock": "" });
    assert.match(yarn?.dockerfile ?? "", /corepack enable && yarn install --frozen-lockfile/);
    assert.match(yarn?.dockerfile ?? "", /CMD \["yarn","start"\]/);
    const berry = await detect({
      "package.json": pkg({ scripts: { start: "node ." } }),
      "yarn.lock": "",
      ".yarnrc.yml": "",
    });
    assert.match(berry?.dockerfile ?? "", /yarn install --immutable/);
    const pnpm = await detect({ "package.json": pkg({ scripts: { start: "node ." } }), "pnpm-lock.yaml": "" });
    assert.match(pnpm?.dockerfile ?? "", /pnpm install --frozen-lockfile/);
    assert.match(pnpm?.dockerfile ?? "", /CMD \["pnpm","start"\]/);
    const none = await detect({ "package.json": pkg({}), "server.js": "" });
    assert.match(none?.dockerfile ?? "", /RUN npm install --no-audit --no-fund/);
    assert.match(none?.dockerfile ?? "", /CMD \["node","server.js"\]/);
  });

  it("Node framework defaults without a start script: Next.js, main file", async () => {
    const next = await detect({
      "package.json": pkg({ scripts: { build: "next build" }, dependencies: { next: "15" } }),
    });
    assert.equal(next?.stack, "node");
    assert.match(next?.dockerfile ?? "", /npx next start -p \\"\$PORT\\"/);
    const main = await detect({ "package.json": pkg({ main: "lib/app.js" }), "lib/app.js": "" });
    assert.match(main?.dockerfile ?? "", /CMD \["node","lib\/app.js"\]/);
  });

  it("a front-end app with a build and nothing to start is built, then served as a static site", async () => {
    const found = await detect({
      "package.json": pkg({ scripts: { build: "vite build" }, devDependencies: { vite: "5" } }),
    });
    assert.equal(found?.stack, "static");
    const text = found?.dockerfile ?? "";
    assert.match(text, /^FROM node:20-slim AS build$/m);
    assert.match(text, /if \[ -f dist\/index.html \]; then cp -r dist \/site/);
    assert.match(text, /^FROM busybox:1.36$/m);
    assert.match(text, /^COPY --from=build \/site \/srv$/m);
  });

  it("Python: requirements, gunicorn/uvicorn entry points, Django, pyproject", async () => {
    const plain = await detect({ "requirements.txt": "requests==2.0\n", "app.py": "" });
    assert.equal(plain?.stack, "python");
    assert.match(plain?.dockerfile ?? "", /COPY requirements.txt .\/\nRUN pip install -r requirements.txt\nCOPY . ./);
    assert.match(plain?.dockerfile ?? "", /CMD \["python","app.py"\]/);
    const flask = await detect({ "requirements.txt": "flask>=3\ngunicorn==22.0\n", "app.py": "" });
    assert.match(flask?.dockerfile ?? "", /exec gunicorn --bind \\"0.0.0.0:\$PORT\\" app:app/);
    const fastapi = await detect({ "requirements.txt": "fastapi\nuvicorn[standard]>=0.30\n", "main.py": "" });
    assert.match(fastapi?.dockerfile ?? "", /exec uvicorn main:app --host 0.0.0.0 --port/);
    const django = await detect({ "requirements.txt": "Django\ngunicorn\n", "manage.py": "", "shop/wsgi.py": "" });
    assert.match(django?.dockerfile ?? "", /gunicorn --bind \\"0.0.0.0:\$PORT\\" shop.wsgi/);
    const project = await detect({
      "pyproject.toml": '[project]\nname = "x"\ndependencies = ["flask"]\n',
      "main.py": "",
    });
    assert.match(project?.dockerfile ?? "", /COPY . .\nRUN pip install ./);
    assert.equal(await detect({ "requirements.txt": "" }), null, "no entry point: not buildable");
  });

  it("Go: module root main package or cmd/<name>, built static, run from the runtime image", async () => {
    const root = await detect({
      "go.mod": "module example.com/app\n\ngo 1.22\n",
      "go.sum": "",
      "main.go": "package main\n",
    });
    assert.equal(root?.stack, "go");
    const text = root?.dockerfile ?? "";
    assert.match(text, /^FROM golang:1.22 AS build$/m);
    assert.match(text, /^COPY go.mod go.sum .\/$/m);
    assert.match(text, /CGO_ENABLED=0 go build .* -o \/out\/app .$/m);
    assert.match(text, /^FROM gcr.io\/distroless\/static-debian12$/m);
    assert.match(text, /^ENTRYPOINT \["\/app"\]$/m);
    const cmd = await detect({
      "go.mod": "module x\n",
      "cmd/api/main.go": "// comment\npackage main\n",
      "lib.go": "package x\n",
    });
    assert.match(cmd?.dockerfile ?? "", /-o \/out\/app .\/cmd\/api$/m);
    assert.match(cmd?.dockerfile ?? "", /^COPY go.mod .\/$/m);
    assert.equal(await detect({ "go.mod": "module x\n", "lib.go": "package x\n" }), null);
  });

  it("static sites: index.html at the root or in an output folder", async () => {
    const rootSite = await detect({ "index.html": "<h1>hi</h1>" }, [], 9000);
    assert.equal(rootSite?.stack, "static");
    assert.match(rootSite?.dockerfile ?? "", /^COPY . \/srv$/m);
    assert.match(rootSite?.dockerfile ?? "", /^ENV PORT=9000$/m);
    const built = await detect({ "public/index.html": "" });
    assert.match(built?.dockerfile ?? "", /^COPY public \/srv$/m);
  });

  it("declares build-time variables as ARG in the build stage, and nothing else", async () => {
    const found = await detect({ "package.json": pkg({ scripts: { start: "node ." } }) }, ["NPM_TOKEN", "API_URL"]);
    const text = found?.dockerfile ?? "";
    assert.match(text, /^WORKDIR \/app\nARG NPM_TOKEN\nARG API_URL$/m);
    assert.doesNotMatch(text, /ENV NPM_TOKEN|ENV API_URL/);
  });

  it("finds nothing in an empty repository or a README-only one", async () => {
    assert.equal(await detect({}), null);
    assert.equal(await detect({ "README.md": "# hi" }), null);
  });

  it("does not follow a symlink out of the repository", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "syntra-detect-"));
    dirs.push(dir);
    const outside = await mkdtemp(path.join(tmpdir(), "syntra-outside-"));
    dirs.push(outside);
    await writeFile(path.join(outside, "package.json"), pkg({ scripts: { start: "node ." } }));
    await symlink(path.join(outside, "package.json"), path.join(dir, "package.json"));
    assert.equal(
      await detectStack({
        files: new ContextFiles(dir),
        images: defaultBaseImages,
        buildArgNames: [],
        port: undefined,
      }),
      null,
    );
  });
});
