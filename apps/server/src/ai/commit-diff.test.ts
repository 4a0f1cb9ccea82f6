// The diff summary of a deploy's commits: fetched from real git repositories (a bare one over file://, and one
// behind `git http-backend` that wants a token, as GitHub does), then through the control plane's analysis (PGlite,
// or PostgreSQL with TEST_DATABASE_URL) with Claude replaced by a local stand-in of the Messages API.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startGitHttpServer } from "../builds/builder/testing/git-http-server";
import { createTestRepo, type TestRepo } from "../builds/builder/testing/git-repos";
import { services } from "../db/schema";
import { sealGitAuth } from "../git/credentials";
import { serviceOfNewOrg } from "../testing/error-fixtures";
import { sameFile, summarizeCommitRange } from "./commit-diff";
import { createAiEngine } from "./engine";
import { appWithClaude } from "./testing/claude-app";
import { seedIssue } from "./testing/issues";

const DB_PASSWORD = "pg-pass-Diff9Qx";
const GIT_TOKEN = "ghp_diffToken0123456789abcdefABCDEF0123";
const API_KEY = "sk-ant-api03-diffKEY0123456789";

let repo: TestRepo;
let base: string;
let previous: string;
let orders: string;
let docs: string;

before(async () => {
  repo = await createTestRepo();
  base = await repo.commit(
    {
      "src/orders.ts":
        "export async function getOrder(id) {\n  const order = await db.orders.find(id);\n  return order;\n}\n",
      "README.md": "shop\n",
    },
    "initial",
  );
  previous = await repo.commit({ "src/checkout.ts": "export const v = 1;\n" }, "checkout: v1");
  orders = await repo.commit(
    {
      "src/orders.ts": `export async function getOrder(id) {\n  const order = await db.orders.find(id);\n  // connect with ${DB_PASSWORD}\n  return order.customer.id;\n}\n`,
      "src/customers.ts": "export const join = true;\n",
    },
    "orders: join customer\n\nLonger body that is not the subject.",
  );
  docs = await repo.commit({ "README.md": "shop\nmore docs\n" }, "docs: readme");
});
after(() => repo.cleanup());

const cacheDir = () => path.join(repo.bareDir, "..", `cache-${Math.random()}`);

test("the range's commits, changed files with counts and the stack file's hunk come from the repository", async () => {
  const summary = await summarizeCommitRange({
    repoUrl: repo.url,
    auth: undefined,
    fromSha: previous,
    toSha: docs,
    stackFiles: ["/app/src/orders.ts", "node:internal/process/task_queues"],
    cacheDir: cacheDir(),
  });
  assert.deepEqual(
    summary.commits.map((c) => [c.sha, c.author, c.subject]),
    [
      [docs, "Test Developer", "docs: readme"],
      [orders, "Test Developer", "orders: join customer"],
    ],
    "newest first, the subject only, the author's name without the email",
  );
  assert.deepEqual(summary.files, [
    { path: "src/orders.ts", additions: 2, deletions: 1 },
    { path: "README.md", additions: 1, deletions: 0 },
    { path: "src/customers.ts", additions: 1, deletions: 0 },
  ]);
  assert.deepEqual(summary.stackFiles, ["src/orders.ts"]);
  assert.equal(summary.hunks.length, 1);
  assert.deepEqual(summary.hunks[0]?.commits, [orders], "the commit that changed the stack's file");
  assert.match(summary.hunks[0]?.patch ?? "", /^@@ .* @@/);
  assert.match(summary.hunks[0]?.patch ?? "", /\+ {2}return order\.customer\.id;/);
  assert.match(summary.hunks[0]?.patch ?? "", /- {2}return order;/);
  assert.equal(summary.truncated, false);
  assert.ok(!JSON.stringify(summary).includes("dev@example.com"), "no author emails");
});

test("the fetched history is kept for the next analysis, unless it outgrew the size limit", async () => {
  const dir = cacheDir();
  const opts = { repoUrl: repo.url, auth: undefined, fromSha: base, toSha: orders, stackFiles: [], cacheDir: dir };
  await summarizeCommitRange(opts);
  const kept = (await readdir(dir)).filter((d) => !d.startsWith("secrets-") && d !== "known_hosts");
  assert.equal(kept.length, 1, "one bare repository per repository URL");
  const small = cacheDir();
  const summary = await summarizeCommitRange({ ...opts, fromSha: previous, cacheDir: small, maxKeptBytes: 1 });
  assert.deepEqual(
    summary.commits.map((c) => c.subject),
    ["orders: join customer"],
    "the summary is still made",
  );
  assert.deepEqual(await readdir(small), [], "but nothing is kept (the credentials' folder is gone too)");
});

test("a first deployment is summarized against its parent; the checkout commit is not in the range", async () => {
  const summary = await summarizeCommitRange({
    repoUrl: repo.url,
    auth: undefined,
    fromSha: null,
    toSha: previous,
    stackFiles: [],
    cacheDir: cacheDir(),
  });
  assert.deepEqual(
    summary.commits.map((c) => c.subject),
    ["checkout: v1"],
  );
  assert.deepEqual(summary.files, [{ path: "src/checkout.ts", additions: 1, deletions: 0 }]);
  assert.ok(base);
});

test("a commit the repository lacks, a bad SHA and a host that never answers fail with a clear error", async () => {
  const dir = cacheDir();
  await assert.rejects(
    summarizeCommitRange({
      repoUrl: repo.url,
      auth: undefined,
      fromSha: previous,
      toSha: "0123456789abcdef0123456789abcdef01234567",
      stackFiles: [],
      cacheDir: dir,
    }),
    /Fetching the commits failed/,
  );
  await assert.rejects(
    summarizeCommitRange({
      repoUrl: repo.url,
      auth: undefined,
      fromSha: "--upload-pack=x",
      toSha: docs,
      stackFiles: [],
      cacheDir: dir,
    }),
    /not a commit SHA or branch name/,
  );
  const silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    await assert.rejects(
      summarizeCommitRange({
        repoUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/shop.git`,
        auth: { kind: "token", token: GIT_TOKEN },
        fromSha: previous,
        toSha: docs,
        stackFiles: [],
        cacheDir: dir,
        timeoutMs: 500,
      }),
      /timed out/,
    );
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

test("frame paths match repository paths at a path boundary", () => {
  assert.ok(sameFile("/app/src/orders.ts", "src/orders.ts"));
  assert.ok(sameFile("./src/orders.ts", "src/orders.ts"));
  assert.ok(sameFile("orders.ts", "src/orders.ts"));
  assert.ok(!sameFile("/app/src/myorders.ts", "src/orders.ts"));
  assert.ok(!sameFile("node:internal/process/task_queues", "src/orders.ts"));
});

test("the analysis prompt carries the diff summary fetched with the service's token, redacted; offline names the commit", async () => {
  const host = await startGitHttpServer(path.dirname(repo.bareDir), GIT_TOKEN);
  const { claude, t } = await appWithClaude(API_KEY);
  try {
    const { owner, serviceId } = await serviceOfNewOrg(t, "ai-diff@example.com");
    const env = await t.call("PUT", `/api/v1/services/${serviceId}/env`, {
      as: owner,
      body: { variables: [{ key: "DB_PASSWORD", value: DB_PASSWORD }] },
    });
    assert.equal(env.status, 200, JSON.stringify(env.body));
    // The service as a git-built one with a token, as the git credentials route leaves it.
    await t.deps.db
      .update(services)
      .set({
        gitRepoUrl: host.urlFor(repo.bareDir),
        gitAuthEncrypted: sealGitAuth(t.deps.keyring, serviceId, { kind: "token", token: GIT_TOKEN }),
      })
      .where(eq(services.id, serviceId));
    const issueId = await seedIssue(t, serviceId, "Cannot read properties of undefined (reading 'id')", {
      shas: { before: previous, first: docs },
    });

    const res = await t.call("POST", "/api/v1/ai/analyze-error", {
      as: owner,
      body: { issue_id: issueId, force_refresh: true },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(
      host.credentialsSeen.some((c) => c.endsWith(`:${GIT_TOKEN}`)),
      "fetched with the service's token",
    );
    const prompt = claude.requests[0]?.body.messages[0].content as string;
    const data = JSON.parse(prompt.slice(prompt.indexOf("{"), prompt.lastIndexOf("}") + 1));
    const diff = data.commit_range.diff;
    assert.deepEqual(
      diff.commits.map((c: { subject: string }) => c.subject),
      ["docs: readme", "orders: join customer"],
    );
    assert.deepEqual(diff.stackFiles, ["src/orders.ts"]);
    assert.equal(diff.files[0].path, "src/orders.ts");
    assert.match(diff.hunks[0].patch, /\[REDACTED:DB_PASSWORD\]/);
    assert.ok(!prompt.includes(DB_PASSWORD), "the secret in the diff never reaches the provider");
    assert.ok(!prompt.includes(GIT_TOKEN), "nor the git token");
    assert.ok(!prompt.includes(API_KEY));

    // The offline analyzer on the same issue: the frame's file changed in the commit, named as evidence.
    t.deps.ai = createAiEngine({ ...t.deps.config.ai, provider: { kind: "offline" } });
    const offline = await t.call("POST", "/api/v1/ai/analyze-error", {
      as: owner,
      body: { issue_id: issueId, force_refresh: true },
    });
    assert.equal(offline.status, 200, JSON.stringify(offline.body));
    const analysis = offline.body.data;
    const expected = `src/orders.ts (in the stack: getOrder) changed in commit ${orders.slice(0, 7)} "orders: join customer" by Test Developer (+2/-1)`;
    assert.ok(
      analysis.evidence.some((e: { kind: string; detail: string }) => e.kind === "commit" && e.detail === expected),
      JSON.stringify(analysis.evidence),
    );
    assert.match(analysis.suggested_fix, new RegExp(`commit ${orders.slice(0, 7)} "orders: join customer"`));
    assert.ok(!JSON.stringify(analysis).includes(DB_PASSWORD));
  } finally {
    await claude.close();
    await t.close();
    await host.close();
  }
});
