import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { eventually } from "@syntra/testing/eventually";
import { generateDeployKey } from "./deploy-key";
import { checkoutCommit } from "./git-checkout";
import { type GitAuth, gitEnvironment } from "./git-source";
import { LogMasker } from "./log-masker";
import { rejectsWithBuildError } from "./testing/assertions";
import { startGitHttpServer } from "./testing/git-http-server";
import { createTestRepo, type TestRepo } from "./testing/git-repos";

const run = promisify(execFile);
let repo: TestRepo;
let scratch: string;
let first: string;
let second: string;
let feature: string;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "syntra-checkout-"));
  repo = await createTestRepo();
  first = await repo.commit({ "version.txt": "one" }, "First commit\n\nWith a body.");
  second = await repo.commit({ "version.txt": "two" }, "Second commit");
  feature = await repo.commit({ "version.txt": "feature" }, "On a branch", "feature/x");
});
after(async () => {
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

let n = 0;
async function checkout(repoUrl: string, ref: string, auth?: GitAuth, secrets: string[] = [], signal?: AbortSignal) {
  const dir = path.join(scratch, String(n++));
  await mkdir(path.join(dir, "secrets"), { recursive: true });
  const log: string[] = [];
  const masker = new LogMasker(secrets, (l) => log.push(l));
  const commit = await checkoutCommit({
    repoUrl,
    ref,
    auth,
    repoDir: path.join(dir, "repo"),
    secretsDir: path.join(dir, "secrets"),
    knownHostsFile: path.join(dir, "known_hosts"),
    pathVariable: process.env.PATH ?? "/usr/bin:/bin",
    masker,
    signal,
  }).finally(() => masker.end());
  const content = await readFile(path.join(dir, "repo", "version.txt"), "utf8");
  return { commit, content, log, dir };
}

describe("checkoutCommit over file://", () => {
  it("checks out an exact earlier commit, not the branch tip, with its message and author", async () => {
    const { commit, content } = await checkout(repo.url, first);
    assert.equal(content, "one");
    assert.equal(commit.commitSha, first);
    assert.equal(commit.commitMessage, "First commit\n\nWith a body.");
    assert.equal(commit.commitAuthor, "Test Developer <dev@example.com>");
  });

  it("is shallow: only the one commit is fetched", async () => {
    const { dir } = await checkout(repo.url, second);
    const { stdout } = await run("git", ["rev-list", "--count", "HEAD"], { cwd: path.join(dir, "repo") });
    assert.equal(stdout.trim(), "1");
  });

  it("resolves an abbreviated SHA and a branch name", async () => {
    assert.equal((await checkout(repo.url, first.slice(0, 7))).commit.commitSha, first);
    const branch = await checkout(repo.url, "feature/x");
    assert.equal(branch.commit.commitSha, feature);
    assert.equal(branch.content, "feature");
    assert.equal((await checkout(repo.url, "main")).commit.commitSha, second);
  });

  it("reports a missing branch or commit as REF_NOT_FOUND", async () => {
    await rejectsWithBuildError(
      checkout(repo.url, "no-such-branch"),
      "REF_NOT_FOUND",
      /no-such-branch is neither a branch nor a commit/,
    );
    await rejectsWithBuildError(checkout(repo.url, "0".repeat(40)), "REF_NOT_FOUND");
    await rejectsWithBuildError(checkout(repo.url, "abcdef1"), "REF_NOT_FOUND");
  });

  it("reports an unreachable repository as CLONE_FAILED with git's reason", async () => {
    await rejectsWithBuildError(
      checkout("file:///nonexistent/repo.git", "main"),
      "CLONE_FAILED",
      /does not appear to be a git repository|not a git repository/i,
    );
  });

  it("refuses option-like refs and command-running transports before running git", async () => {
    const marker = path.join(scratch, "pwned");
    await rejectsWithBuildError(checkout(repo.url, `--upload-pack=touch ${marker}`), "INVALID_REQUEST");
    await rejectsWithBuildError(checkout(`ext::sh -c touch% ${marker}`, "main"), "INVALID_REQUEST");
    await rejectsWithBuildError(checkout("-oProxyCommand=touch /tmp/x", "main"), "INVALID_REQUEST");
    await rejectsWithBuildError(checkout("file://relative/path", "main"), "INVALID_REQUEST");
    await rejectsWithBuildError(checkout(repo.url, "main..other"), "INVALID_REQUEST");
    assert.equal(existsSync(marker), false);
  });
});

describe("checkoutCommit over HTTP with a token", () => {
  const token = "ghp_testtoken_0123456789abcdef";

  it("authenticates with the token as password and never logs it", async () => {
    const server = await startGitHttpServer(path.dirname(repo.bareDir), token);
    try {
      const { commit, log } = await checkout(server.urlFor(repo.bareDir), first, { kind: "token", token }, [token]);
      assert.equal(commit.commitSha, first);
      assert.ok(server.credentialsSeen.includes(`x-access-token:${token}`), "the token reached the git host");
      assert.ok(log.length > 0);
      assert.ok(!log.join("\n").includes(token));
    } finally {
      await server.close();
    }
  });

  it("fails with CLONE_FAILED, without the token in the message, when the token is wrong", async () => {
    const server = await startGitHttpServer(path.dirname(repo.bareDir), token);
    try {
      const wrong = "ghp_wrongtoken_9876543210";
      const err = await rejectsWithBuildError(
        checkout(server.urlFor(repo.bareDir), first, { kind: "token", token: wrong }, [wrong]),
        "CLONE_FAILED",
        /Authentication failed|could not read Username|401/i,
      );
      assert.ok(!err.message.includes(wrong));
      assert.ok(
        server.credentialsSeen.some((c) => c.endsWith(wrong)),
        "the wrong token was tried",
      );
    } finally {
      await server.close();
    }
  });

  it("does not prompt or hang without credentials", async () => {
    const server = await startGitHttpServer(path.dirname(repo.bareDir), token);
    try {
      await rejectsWithBuildError(checkout(server.urlFor(repo.bareDir), first), "CLONE_FAILED");
    } finally {
      await server.close();
    }
  });
});

describe("checkoutCommit cancellation", () => {
  it("kills git and its helpers when aborted mid-fetch", async () => {
    // A git host that accepts the connection and never answers: git waits until it is killed.
    const sockets = new Set<Socket>();
    const server = http.createServer(() => undefined);
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stalled.git`;
    const gitProcesses = async () => {
      const found: string[] = [];
      for (const pid of await readdir("/proc").catch(() => [])) {
        if (!/^\d+$/.test(pid)) continue;
        const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
        if (cmdline.includes(url)) found.push(cmdline.replace(/\0/g, " "));
      }
      return found;
    };
    try {
      const controller = new AbortController();
      const pending = checkout(url, "main", undefined, [], controller.signal);
      await eventually(() => sockets.size > 0, { what: "git connecting" });
      assert.ok((await gitProcesses()).length > 0, "git runs");
      controller.abort();
      await rejectsWithBuildError(pending, "CANCELLED");
      // The whole group got SIGKILL; a helper may take a moment more than git itself to be gone from /proc.
      let left: string[] = [];
      await eventually(
        async () => {
          left = await gitProcesses();
          return left.length === 0;
        },
        { what: "every git process gone", timeoutMs: 5_000, diagnostic: () => left.join("\n") },
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("ssh credentials", () => {
  it("generates an ed25519 deploy key pair that ssh-keygen reads back to the same public key", async () => {
    const pair = generateDeployKey("syntra@test");
    assert.match(pair.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]+=* syntra@test$/);
    const file = path.join(scratch, "key");
    await writeFile(file, pair.privateKeyPem, { mode: 0o600 });
    const { stdout } = await run("ssh-keygen", ["-y", "-f", file]);
    assert.equal(stdout.trim(), pair.publicKey);
    assert.notEqual(generateDeployKey().publicKey, generateDeployKey().publicKey);
  });

  it("hands ssh the key in a private 0600 file with Syntra's known_hosts, never on git's command line", async () => {
    const secretsDir = await mkdtemp(path.join(scratch, "ssh-"));
    const pair = generateDeployKey();
    const env = await gitEnvironment({
      auth: { kind: "ssh_key", privateKeyPem: pair.privateKeyPem },
      secretsDir,
      knownHostsFile: "/var/lib/syntra/known_hosts",
      pathVariable: "/usr/bin:/bin",
    });
    const keyFile = path.join(secretsDir, "deploy_key");
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    assert.equal(await readFile(keyFile, "utf8"), pair.privateKeyPem);
    assert.match(env.GIT_SSH_COMMAND ?? "", /-i '.*deploy_key' -o IdentitiesOnly=yes/);
    assert.match(env.GIT_SSH_COMMAND ?? "", /StrictHostKeyChecking=accept-new/);
    assert.match(env.GIT_SSH_COMMAND ?? "", /UserKnownHostsFile='\/var\/lib\/syntra\/known_hosts'/);
    assert.ok(!Object.values(env).some((v) => v?.includes("PRIVATE KEY")), "the key is not in the environment");
  });
});
