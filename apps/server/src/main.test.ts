import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const mainFile = path.join(path.dirname(fileURLToPath(import.meta.url)), "main.ts");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function startServer(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let out = "";
  const child = spawn(process.execPath, ["--import", "tsx", mainFile], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitHealthy(base: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become healthy:\n${output()}`);
}

test("the control plane starts on embedded defaults, keeps its data across a graceful restart", async () => {
  const dataDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "syntra-main-")), "data");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { SYNTRA_DATA_DIR: dataDir, SYNTRA_PORT: String(port), SYNTRA_LOCAL_AGENT: "false" };

  const first = startServer(env);
  await waitHealthy(base, first.output);
  assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: "ready", database: "pglite" });
  const signup = await fetch(`${base}/api/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ada@example.com", password: "a-long-password", org_name: "Acme" }),
  });
  assert.equal(signup.status, 201);
  assert.equal((await fs.stat(path.join(dataDir, "master.key"))).mode & 0o777, 0o600);
  assert.equal((await fs.stat(path.join(dataDir, "pglite"))).mode & 0o077, 0, "database files are private");
  first.child.kill("SIGTERM");
  assert.equal(await first.exited, 0, first.output());
  assert.match(first.output(), /shutting down/);

  const second = startServer(env);
  await waitHealthy(base, second.output);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ada@example.com", password: "a-long-password" }),
  });
  assert.equal(login.status, 200, "the account survived the restart");
  second.child.kill("SIGTERM");
  assert.equal(await second.exited, 0);
  await fs.rm(dataDir, { recursive: true, force: true });
});

test("a bad setting stops start-up with exit code 2 and names the variable", async () => {
  const run = startServer({ SYNTRA_PORT: "not-a-port", DATABASE_URL: "mysql://nope", SYNTRA_DATA_DIR: os.tmpdir() });
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /SYNTRA_PORT/);
  assert.match(run.output(), /DATABASE_URL/);
});

test("with a Docker engine, the control plane registers this machine as 'local' and its agent comes online", async () => {
  const dataDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "syntra-local-")), "data");
  const [port, httpPort, httpsPort, adminPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const base = `http://127.0.0.1:${port}`;
  const server = startServer({
    SYNTRA_DATA_DIR: dataDir,
    SYNTRA_PORT: String(port),
    SYNTRA_AGENT_HEARTBEAT_SECONDS: "1",
    SYNTRA_PROXY_HTTP_PORT: String(httpPort),
    SYNTRA_PROXY_HTTPS_PORT: String(httpsPort),
    SYNTRA_CADDY_ADMIN_URL: `http://127.0.0.1:${adminPort}`,
    SYNTRA_PROXY_TLS: "false",
  });
  try {
    await waitHealthy(base, server.output);
    const signup = await fetch(`${base}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", password: "a-long-password" }),
    });
    const cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const deadline = Date.now() + 60_000;
    let local: { name: string; status: string; runtime_version: string | null } | undefined;
    while (Date.now() < deadline && local?.status !== "online") {
      await new Promise((r) => setTimeout(r, 500));
      const list = (await (await fetch(`${base}/api/v1/servers`, { headers: { cookie } })).json()) as {
        data: { name: string; status: string; runtime_version: string | null }[];
      };
      local = list.data.find((s) => s.name === "local");
    }
    assert.equal(local?.status, "online", server.output());
    assert.ok(local?.runtime_version, "the agent reported the Docker version");
    // Nobody asked for it over HTTP: the audit log names Syntra's local-agent supervisor.
    const audit = (await (
      await fetch(`${base}/api/v1/audit-logs?action=server.create`, { headers: { cookie } })
    ).json()) as {
      data: { user_id: string | null; actor: { type: string; component: string | null } }[];
    };
    assert.deepEqual(
      audit.data.map((e) => [e.actor.type, e.actor.component, e.user_id]),
      [["system", "local-agent", null]],
    );
  } finally {
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0, server.output());
    // The agent's Caddy keeps serving across agent restarts by design; this test ends it.
    await fetch(`http://127.0.0.1:${adminPort}/stop`, { method: "POST" }).catch(() => undefined);
  }
});
