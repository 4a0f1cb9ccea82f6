import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";
import { normalizeRepoUrl } from "./push-events";

// Push webhooks end to end through the HTTP API: signatures, replays, branch and path filters, superseding.
// No build runs here (no build worker in this app): the outcome is the queued deployment a push creates.

let t: TestApp;
let owner: { cookie: string };
let projectId: string;
let serverId: string;
const REPO = "https://git.example.com/acme/shop.git";

async function builtService(name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: {
      name,
      server_id: serverId,
      port: 8080,
      source_type: "dockerfile",
      source_config: { repo_url: REPO, ...config },
      ...extra,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const hook = await t.call("POST", `/api/v1/services/${res.body.data.id}/webhook`, { as: owner });
  assert.equal(hook.status, 201);
  return { id: res.body.data.id as string, secret: hook.body.data.secret as string };
}

function githubPush(opts: { branch?: string; after?: string; files?: string[]; repo?: string } = {}) {
  const after = opts.after ?? randomUUID().replaceAll("-", "").padEnd(40, "0");
  return {
    ref: `refs/heads/${opts.branch ?? "main"}`,
    after,
    deleted: false,
    head_commit: { id: after, message: "Fix the checkout page" },
    commits: [
      { id: after, message: "Fix the checkout page", added: [], removed: [], modified: opts.files ?? ["src/app.ts"] },
    ],
    repository: { clone_url: opts.repo ?? REPO, ssh_url: "git@git.example.com:acme/shop.git" },
  };
}

async function sendGithub(secret: string | null, body: unknown, opts: { event?: string; delivery?: string } = {}) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = {
    "x-github-event": opts.event ?? "push",
    "x-github-delivery": opts.delivery ?? randomUUID(),
  };
  if (secret !== null)
    headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
  return t.call("POST", "/api/v1/webhooks/github", { body, headers });
}

async function deploymentsOf(serviceId: string) {
  const res = await t.call("GET", `/api/v1/services/${serviceId}/deployments`, { as: owner });
  return res.body.data as { id: string; status: string; trigger_type: string; git_commit_sha: string | null }[];
}

before(async () => {
  t = await createTestApp();
  owner = { cookie: (await t.signup("owner@example.com", { orgName: "Acme" })).cookie };
  serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } })).body.data.server_id;
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
});
after(() => t.close());

test("a signed GitHub push queues a build of the pushed commit; the secret shows once and never in logs", async () => {
  const svc = await builtService("storefront");
  const info = await t.call("GET", `/api/v1/services/${svc.id}/webhook`, { as: owner });
  assert.equal(info.body.data.configured, true);
  assert.equal(info.body.data.secret, undefined, "the secret is only in the answer that created it");
  assert.match(info.body.data.urls.github, /\/api\/v1\/webhooks\/github$/);

  const push = githubPush();
  const res = await sendGithub(svc.secret, push);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(
    res.body.data.deployments.map((d: { service_id: string }) => d.service_id),
    [svc.id],
  );
  const [queued] = await deploymentsOf(svc.id);
  assert.equal(queued?.status, "queued");
  assert.equal(queued?.trigger_type, "git_push");
  assert.equal(queued?.git_commit_sha, push.after);
  const detail = await t.call("GET", `/api/v1/deployments/${queued?.id}`, { as: owner });
  assert.equal(detail.body.data.build_spec.ref, push.after);
  assert.equal(detail.body.data.build_spec.repo_url, REPO);
  assert.ok(!t.logs.join("\n").includes(svc.secret), "the webhook secret never reaches the logs");
});

test("the build a push queues is audited as created by the webhook intake, with the delivery it came from", async () => {
  const svc = await builtService("audited");
  const push = githubPush();
  const delivery = randomUUID();
  const res = await sendGithub(svc.secret, push, { delivery });
  const deploymentId = res.body.data.deployments[0]?.deployment_id;
  assert.ok(deploymentId, JSON.stringify(res.body));
  const log = await t.call("GET", `/api/v1/audit-logs?resource_id=${deploymentId}`, { as: owner });
  assert.equal(log.status, 200, JSON.stringify(log.body));
  assert.equal(log.body.data.length, 1);
  const entry = log.body.data[0];
  assert.equal(entry.action, "deployment.create");
  assert.equal(entry.resource_type, "deployment");
  assert.deepEqual(entry.actor, { type: "system", token_id: null, token_name: null, component: "webhook" });
  assert.equal(entry.user_id, null, "no person pushed through Syntra");
  assert.deepEqual(entry.details, {
    provider: "github",
    delivery_id: delivery,
    service_id: svc.id,
    trigger_type: "git_push",
    ref: push.after,
    commit: push.after,
  });
  // The system's entries are one filter away from the people's.
  const system = await t.call("GET", "/api/v1/audit-logs?actor_type=system", { as: owner });
  assert.ok(system.body.data.every((e: { actor: { type: string } }) => e.actor.type === "system"));
  assert.ok(system.body.data.some((e: { id: string }) => e.id === entry.id));
});

test("bad, missing and foreign signatures get 401 and queue nothing", async () => {
  const svc = await builtService("signed-only");
  const push = githubPush();
  const before = (await deploymentsOf(svc.id)).length;
  for (const res of [
    await sendGithub("whsec_not-the-secret", push),
    await sendGithub(null, push),
    await sendGithub(svc.secret, { ...push, repository: { clone_url: "https://git.example.com/acme/other.git" } }),
  ]) {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "UNAUTHORIZED");
  }
  // A body changed after signing fails too: the signature is over the exact bytes.
  const raw = JSON.stringify(push);
  const mac = createHmac("sha256", svc.secret).update(raw).digest("hex");
  const tampered = await t.call("POST", "/api/v1/webhooks/github", {
    body: { ...push, after: "f".repeat(40) },
    headers: { "x-github-event": "push", "x-hub-signature-256": `sha256=${mac}` },
  });
  assert.equal(tampered.status, 401);
  assert.equal((await deploymentsOf(svc.id)).length, before);
  assert.ok(!t.logs.join("\n").includes("Fix the checkout page"), "refused payloads are not logged");
});

test("a redelivery (same delivery id) is ignored", async () => {
  const svc = await builtService("replayed");
  const push = githubPush();
  const delivery = randomUUID();
  assert.equal((await sendGithub(svc.secret, push, { delivery })).body.data.deployments.length, 1);
  const again = await sendGithub(svc.secret, push, { delivery });
  assert.equal(again.status, 200);
  assert.equal(again.body.data.duplicate, true);
  assert.equal((await deploymentsOf(svc.id)).length, 1);
});

test("only the configured branch deploys; watch paths and auto_deploy=false skip pushes", async () => {
  const svc = await builtService("filtered", { branch: "release", watch_paths: ["services/api/**", "package.json"] });
  const wrongBranch = await sendGithub(svc.secret, githubPush({ branch: "main", files: ["services/api/x.ts"] }));
  assert.match(wrongBranch.body.data.skipped[0].reason, /push to main; the service deploys release/);
  const elsewhere = await sendGithub(svc.secret, githubPush({ branch: "release", files: ["docs/readme.md"] }));
  assert.match(elsewhere.body.data.skipped[0].reason, /watch paths/);
  const relevant = await sendGithub(svc.secret, githubPush({ branch: "release", files: ["services/api/src/a.ts"] }));
  assert.equal(relevant.body.data.deployments.length, 1);

  const off = await builtService("manual-only", {}, { auto_deploy: false });
  const skipped = await sendGithub(off.secret, githubPush());
  assert.match(
    skipped.body.data.skipped.find((s: { service_id: string }) => s.service_id === off.id).reason,
    /auto_deploy/,
  );
  assert.equal((await deploymentsOf(off.id)).length, 0);
});

test("a newer push supersedes a build still waiting in the queue", async () => {
  const svc = await builtService("superseded");
  await sendGithub(svc.secret, githubPush());
  const newer = githubPush();
  await sendGithub(svc.secret, newer);
  const [latest, older] = await deploymentsOf(svc.id);
  assert.equal(latest?.status, "queued");
  assert.equal(latest?.git_commit_sha, newer.after);
  assert.equal(older?.status, "cancelled");
  const detail = await t.call("GET", `/api/v1/deployments/${older?.id}`, { as: owner });
  assert.match(detail.body.data.error_message, /Superseded/);
  assert.equal(detail.body.data.error_code, "CANCELLED");
});

test("GitLab (secret token) and Gitea (HMAC) push hooks queue builds too", async () => {
  const svc = await builtService("multi-host");
  const after = "a".repeat(40);
  const gitlab = {
    object_kind: "push",
    ref: "refs/heads/main",
    checkout_sha: after,
    after,
    commits: [{ id: after, message: "From GitLab", added: ["a.txt"], modified: [], removed: [] }],
    total_commits_count: 1,
    project: { git_http_url: REPO, git_ssh_url: "git@git.example.com:acme/shop.git" },
  };
  const bad = await t.call("POST", "/api/v1/webhooks/gitlab", {
    body: gitlab,
    headers: { "x-gitlab-event": "Push Hook", "x-gitlab-token": "wrong" },
  });
  assert.equal(bad.status, 401);
  const ok = await t.call("POST", "/api/v1/webhooks/gitlab", {
    body: gitlab,
    headers: { "x-gitlab-event": "Push Hook", "x-gitlab-token": svc.secret, "x-gitlab-event-uuid": randomUUID() },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.ok(ok.body.data.deployments.some((d: { service_id: string }) => d.service_id === svc.id));

  const gitea = githubPush({ after: "b".repeat(40) });
  const mac = createHmac("sha256", svc.secret).update(JSON.stringify(gitea)).digest("hex");
  const giteaRes = await t.call("POST", "/api/v1/webhooks/gitea", {
    body: gitea,
    headers: { "x-gitea-event": "push", "x-gitea-signature": mac, "x-gitea-delivery": randomUUID() },
  });
  assert.equal(giteaRes.status, 200, JSON.stringify(giteaRes.body));
  const [latest] = await deploymentsOf(svc.id);
  assert.equal(latest?.git_commit_sha, "b".repeat(40));
});

test("a ping is acknowledged without deploying", async () => {
  const svc = await builtService("pinged");
  const res = await sendGithub(
    svc.secret,
    { zen: "Keep it logically awesome.", repository: { clone_url: REPO } },
    {
      event: "ping",
    },
  );
  assert.equal(res.status, 200);
  assert.equal(res.body.data.event, "ping");
  assert.equal((await deploymentsOf(svc.id)).length, 0);
});

test("credentials: a token is kept secret; a generated deploy key shows only its public half", async () => {
  const svc = await builtService("private-repo");
  const token = "ghp_very-secret-token-value";
  const put = await t.call("PUT", `/api/v1/services/${svc.id}/git/credentials`, {
    as: owner,
    body: { kind: "token", token },
  });
  assert.deepEqual(put.body.data, { kind: "token", public_key: null });
  const key = await t.call("PUT", `/api/v1/services/${svc.id}/git/credentials`, {
    as: owner,
    body: { kind: "ssh_key" },
  });
  assert.equal(key.body.data.kind, "ssh_key");
  assert.match(key.body.data.public_key, /^ssh-ed25519 [A-Za-z0-9+/=]+ /);
  const shown = JSON.stringify(await t.call("GET", `/api/v1/services/${svc.id}/git/credentials`, { as: owner }));
  assert.ok(!shown.includes("PRIVATE KEY") && !shown.includes(token));
  assert.ok(!t.logs.join("\n").includes(token));
  // Credentials belong in the credentials endpoint, never in the repository URL.
  const inUrl = await t.call("PATCH", `/api/v1/services/${svc.id}`, {
    as: owner,
    body: { source_config: { repo_url: "https://user:ghp_x@git.example.com/acme/shop.git" } },
  });
  assert.equal(inUrl.status, 400);
});

test("repository URLs compare by host and path whatever their form", () => {
  const forms = [
    "https://GitHub.com/acme/app.git",
    "git@github.com:acme/app.git",
    "ssh://git@github.com/acme/app",
    "https://github.com/acme/app/",
  ];
  assert.deepEqual(new Set(forms.map(normalizeRepoUrl)), new Set(["github.com/acme/app"]));
  assert.notEqual(normalizeRepoUrl("https://github.com/acme/app"), normalizeRepoUrl("https://github.com/acme/app2"));
});

test("a push whose commit is no commit id, or whose message cannot be stored, is refused with 400 and queues nothing", async () => {
  const svc = await builtService("validated");
  const before = (await deploymentsOf(svc.id)).length;
  for (const [push, path] of [
    [{ ...githubPush(), after: "--upload-pack=touch /tmp/pwned" }, "body.after"],
    [{ ...githubPush(), after: "abc123" }, "body.after"],
    [
      { ...githubPush(), head_commit: { id: "a".repeat(40), message: "fix \u0000 checkout" } },
      "body.head_commit.message",
    ],
  ] as const) {
    const res = await sendGithub(svc.secret, push);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, "VALIDATION_ERROR");
    assert.ok(
      res.body.error.details.some((d: { path: string }) => d.path === path),
      JSON.stringify(res.body.error.details),
    );
  }
  assert.equal((await deploymentsOf(svc.id)).length, before);
});
