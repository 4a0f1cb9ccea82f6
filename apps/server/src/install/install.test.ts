import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { stopUpstreamDaemon } from "../../../agent/src/proxy/upstream-table";
import { freePort, startTestCaddy, type TestCaddy } from "../../../agent/src/testing/images";
import { createTestApp, type TestApp } from "../testing/harness";

const run = promisify(execFile);
let t: TestApp;
let baseUrl: string;
let caddy: TestCaddy;
before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({ SYNTRA_PUBLIC_URL: baseUrl, SYNTRA_AGENT_HEARTBEAT_SECONDS: "1" });
  await t.app.listen({ host: "127.0.0.1", port });
  caddy = await startTestCaddy();
});
after(async () => {
  await caddy.stop();
  await t.close();
});

test("the install command installs the agent bundle and a systemd unit, and the installed agent connects", async () => {
  const owner = await t.signup("owner@example.com");
  const created = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "edge-1" } });
  const { server_id, token, install_command } = created.body.data;
  assert.equal(
    install_command,
    `curl -fsSL ${baseUrl}/install/agent.sh | sudo SYNTRA_URL=${baseUrl} SYNTRA_SERVER_ID=${server_id} SYNTRA_TOKEN=${token} sh`,
  );

  // The same pipeline as install_command, installing below a scratch root instead of / (no sudo, no systemd).
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-install-"));
  const env = {
    ...process.env,
    SYNTRA_URL: baseUrl,
    SYNTRA_SERVER_ID: server_id,
    SYNTRA_TOKEN: token,
    SYNTRA_INSTALL_ROOT: root,
  };
  const { stdout } = await run("sh", ["-c", `curl -fsSL ${baseUrl}/install/agent.sh | sh`], { env, timeout: 120_000 });
  assert.match(stdout, /agent installed/);

  const bundle = path.join(root, "opt/syntra/syntra-agent.cjs");
  const size = (await fs.stat(bundle)).size;
  assert.ok(size < 10 * 1024 * 1024, `bundle is ${size} bytes`);
  console.log(`# agent bundle: ${(size / 1_048_576).toFixed(2)} MB`);
  assert.equal((await run(process.execPath, [bundle, "--version"])).stdout.trim(), "0.1.0");

  const envFile = path.join(root, "etc/syntra/agent.env");
  assert.equal((await fs.stat(envFile)).mode & 0o777, 0o600, "the token is readable by root only");
  const settings = await fs.readFile(envFile, "utf8");
  assert.ok(settings.includes(`SYNTRA_TOKEN=${token}`) && settings.includes(`SYNTRA_SERVER_ID=${server_id}`));
  const unit = await fs.readFile(path.join(root, "etc/systemd/system/syntra-agent.service"), "utf8");
  assert.match(unit, /ExecStart=\/usr\/bin\/env node \/opt\/syntra\/syntra-agent\.cjs/);
  assert.match(unit, /Restart=always/);

  // The installed file is the agent: started with the installed settings, the server comes online.
  const stateDir = path.join(root, "var/lib/syntra-agent");
  const agentEnv = {
    ...process.env,
    ...Object.fromEntries(
      settings
        .trim()
        .split("\n")
        .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    ),
    SYNTRA_AGENT_STATE_DIR: stateDir,
    SYNTRA_CADDY_ADMIN_URL: caddy.adminUrl,
    SYNTRA_PROXY_TLS: "false",
  };
  const agent = execFile(process.execPath, [bundle], { env: agentEnv });
  try {
    const deadline = Date.now() + 30_000;
    let status = "offline";
    while (status !== "online" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      status = (await t.call("GET", `/api/v1/servers/${server_id}`, { as: owner })).body.data.status;
    }
    assert.equal(status, "online");
  } finally {
    agent.kill("SIGTERM");
    await new Promise((r) => agent.once("exit", r));
    // The agent leaves its upstream DNS daemon running for Caddy, as on a server.
    await stopUpstreamDaemon(path.join(stateDir, "caddy"));
    await fs.rm(root, { recursive: true, force: true });
  }
});

test("the installer refuses to run without a token, and says what is missing", async () => {
  const script = await (await fetch(`${baseUrl}/install/agent.sh`)).text();
  assert.match(script, /^#!\/bin\/sh/);
  const result = await run("sh", ["-c", script], { env: { PATH: process.env.PATH ?? "" } }).catch((e) => e);
  assert.notEqual(result.code, 0);
  assert.match(String(result.stderr), /SYNTRA_TOKEN/);
});
