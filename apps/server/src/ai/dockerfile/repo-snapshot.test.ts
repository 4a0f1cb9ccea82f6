// What of a repository goes into a Dockerfile prompt: bounded, secrets named and never read, nothing outside it.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { snapshotRepository } from "./repo-snapshot";

let root: string;
let outside: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "syntra-snapshot-"));
  outside = await mkdtemp(path.join(tmpdir(), "syntra-outside-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function files(dir: string, entries: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(entries)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
}

test("manifests, lockfile heads and entry points are read within bounds; secret files are named, not read", async () => {
  const repo = path.join(root, "bounded");
  await files(repo, {
    "package.json": '{"name":"shop","scripts":{"start":"node server.js"}}',
    "package-lock.json": `{"lockfileVersion":3,"packages":{${'"x":{},'.repeat(5000)}}}`,
    "server.js": "require('http').createServer().listen(3000)",
    "src/index.ts": `// ${"x".repeat(20_000)}`,
    ".env": "STRIPE_KEY=sk_live_never",
    ".env.production": "DATABASE_URL=postgres://u:never@db/x",
    "deploy/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----never",
    ".npmrc": "//registry.npmjs.org/:_authToken=never",
    "node_modules/left-pad/index.js": "module.exports = 1",
    ".git/config": "[core]",
    "README.md": "docs",
  });
  const s = await snapshotRepository(repo);
  const byPath = new Map(s.files.map((f) => [f.path, f]));
  assert.deepEqual([...byPath.keys()].sort(), ["package-lock.json", "package.json", "server.js", "src/index.ts"]);
  assert.equal(byPath.get("package-lock.json")?.truncated, true);
  assert.equal(byPath.get("package-lock.json")?.content.length, 3000, "a lockfile is sent as its head");
  assert.equal(byPath.get("src/index.ts")?.content.length, 12_000, "an entry point is cut at 12 000 characters");
  assert.ok(!JSON.stringify(s.files).includes("never"), "no secret file was read");
  assert.deepEqual(s.withheld.sort(), [".env", ".env.production", ".npmrc", "deploy/id_rsa"]);
  assert.ok(s.tree.includes("src/") && s.tree.includes("README.md"));
  assert.ok(!s.tree.some((p) => p.startsWith("node_modules") || p.startsWith(".git/")), "dependency folders skipped");
});

test("the whole snapshot stays under 60 000 characters and the layout under 300 paths", async () => {
  const repo = path.join(root, "large");
  const big = "y".repeat(11_000);
  await files(repo, {
    "package.json": big,
    "requirements.txt": big,
    "pyproject.toml": big,
    Pipfile: big,
    "setup.py": big,
    "setup.cfg": big,
    "go.mod": big,
    ...Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`static/file${i}.txt`, "z"])),
  });
  const s = await snapshotRepository(repo);
  const total = s.files.reduce((n, f) => n + f.content.length, 0);
  assert.ok(total <= 60_000, `${total} characters`);
  assert.equal(s.files.at(-1)?.truncated, true, "the file that reaches the limit is cut");
  assert.ok(s.tree.length <= 300);
});

test("a symlink out of the repository reads as missing", async () => {
  const repo = path.join(root, "linked");
  await files(outside, { "package.json": '{"name":"host-secret"}' });
  await mkdir(repo, { recursive: true });
  await symlink(path.join(outside, "package.json"), path.join(repo, "package.json"));
  const s = await snapshotRepository(repo);
  assert.deepEqual(s.files, []);
});
