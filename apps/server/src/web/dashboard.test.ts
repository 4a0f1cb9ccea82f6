import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";

// A stand-in build of the dashboard (the real one is built by Vite; what matters here is how it is served).
let webDir: string;
let t: TestApp;
const INDEX = '<!doctype html><div id="root"></div><script type="module" src="/assets/app-1a2b.js"></script>';

before(async () => {
  webDir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-web-"));
  await fs.mkdir(path.join(webDir, "assets"));
  await fs.writeFile(path.join(webDir, "index.html"), INDEX);
  await fs.writeFile(path.join(webDir, "assets", "app-1a2b.js"), "console.log('dashboard')");
  await fs.writeFile(path.join(webDir, "favicon.svg"), "<svg/>");
  t = await createTestApp({ SYNTRA_WEB_DIR: webDir });
});
after(async () => {
  await t.close();
  await fs.rm(webDir, { recursive: true, force: true });
});

test("the dashboard is served at / and every client route loads the app, revalidated on each visit", async () => {
  for (const url of ["/", "/dashboard", "/projects/3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d/overview", "/settings?tab=x"]) {
    const res = await t.call("GET", url);
    assert.equal(res.status, 200, url);
    assert.match(String(res.headers["content-type"]), /^text\/html/, url);
    assert.equal(res.body, INDEX, url);
    assert.equal(res.headers["cache-control"], "no-cache", url);
  }
});

test("hashed assets are served with long caching; other files as they are", async () => {
  const js = await t.call("GET", "/assets/app-1a2b.js");
  assert.equal(js.status, 200);
  assert.match(String(js.headers["content-type"]), /javascript/);
  assert.equal(js.headers["cache-control"], "public, max-age=31536000, immutable");
  const icon = await t.call("GET", "/favicon.svg");
  assert.equal(icon.status, 200);
  assert.match(String(icon.headers["content-type"]), /svg/);
});

test("the API, the agents' and the probes' paths are never shadowed by the app", async () => {
  assert.deepEqual((await t.call("GET", "/healthz")).body, { status: "ok" });
  assert.match(String((await t.call("GET", "/install/agent.sh")).headers["content-type"]), /shellscript/);
  for (const url of ["/api/v1/nope", "/api", "/agent/nope", "/install/nope", "/readyz/x"]) {
    const res = await t.call("GET", url);
    assert.equal(res.status, 404, url);
    assert.equal(res.body.error.code, "NOT_FOUND", url);
  }
  assert.equal((await t.call("GET", "/api/v1/projects")).status, 401);
});

test("a missing asset is a 404, not the app; paths cannot climb out of the build folder", async () => {
  assert.equal((await t.call("GET", "/assets/gone-9f9f.js")).status, 404);
  for (const url of ["/..%2f..%2fpackage.json", "/assets/..%2f..%2f..%2fetc%2fpasswd", "/%E0%A4%A"]) {
    const res = await t.call("GET", url);
    assert.ok([400, 404].includes(res.status), `${url}: ${res.status}`);
    assert.doesNotMatch(typeof res.body === "string" ? res.body : JSON.stringify(res.body), /"workspaces"|root:/, url);
  }
});

test("without a build, pages say how to build the dashboard and the API keeps working", async () => {
  const bare = await createTestApp({ SYNTRA_WEB_DIR: path.join(webDir, "missing") });
  try {
    const page = await bare.call("GET", "/projects");
    assert.equal(page.status, 503);
    assert.match(page.body, /npm run build:web/);
    assert.equal((await bare.call("GET", "/healthz")).status, 200);
    assert.equal((await bare.call("GET", "/api/v1/nope")).body.error.code, "NOT_FOUND");
  } finally {
    await bare.close();
  }
});
