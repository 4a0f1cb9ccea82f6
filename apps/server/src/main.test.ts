import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { eventually } from "@syntra/testing/eventually";
import { freePorts } from "@syntra/testing/ports";
import { descendants } from "@syntra/testing/process-tree";
import { ensureServerBuild, serverMain } from "../../../scripts/build-server";
import { stopUpstreamDaemon } from "../../agent/src/proxy/upstream-table";
import { AGENT_NODE_FLAGS } from "./install/agent-bundle";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function track(child: ChildProcess): Running {
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** The compiled control plane, as `npm start` runs it, on the Node running this test. */
function startServer(env: Record<string, string>): Running {
  return track(
    spawn(process.execPath, [serverMain], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }),
  );
}

/** Waits for this process's own "ready" line (the port could have been taken by another), then for /healthz. */
async function waitReady(base: string, run: Running): Promise<void> {
  await eventually(
    () => {
      if (run.child.exitCode !== null) throw new Error(`exited with ${run.child.exitCode}`);
      return run.output().includes("Syntra control plane ready");
    },
    { what: "the control plane ready", timeoutMs: 120_000, diagnostic: () => run.output().slice(-3000) },
  );
  assert.ok((await fetch(`${base}/healthz`)).ok);
}

function dockerAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: "/var/run/docker.sock", path: "/_ping", timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

before(async () => {
  await ensureServerBuild();
});

test("the compiled control plane starts on embedded defaults, keeps its data across a graceful restart", async () => {
  const dataDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "syntra-main-")), "data");
  const [port, agentTlsPort] = await freePorts(2);
  const base = `http://127.0.0.1:${port}`;
  // Free ports rather than the defaults (7443 for the agent endpoint): other tests run beside this one.
  const env = {
    SYNTRA_DATA_DIR: dataDir,
    SYNTRA_PORT: String(port),
    SYNTRA_AGENT_TLS_PORT: String(agentTlsPort),
    SYNTRA_LOCAL_AGENT: "false",
  };

  const first = startServer(env);
  await waitReady(base, first);
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
  await waitReady(base, second);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ada@example.com", password: "a-long-password" }),
  });
  assert.equal(login.status, 200, "the account survived the restart");
  second.child.kill("SIGTERM");
  assert.equal(await second.exited, 0);
  await fs.rm(path.dirname(dataDir), { recursive: true, force: true });
});

test("a bad setting stops start-up with exit code 2 and names the variable", async () => {
  const run = startServer({ SYNTRA_PORT: "not-a-port", DATABASE_URL: "mysql://nope", SYNTRA_DATA_DIR: os.tmpdir() });
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /SYNTRA_PORT/);
  assert.match(run.output(), /DATABASE_URL/);
});

test("npm start runs plain JavaScript (no tsx or esbuild process in its tree), serves the API and the dashboard, and runs the local agent compiled", async () => {
  const dataDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), "syntra-npm-start-")), "data");
  const [port, httpPort, httpsPort, adminPort, agentTlsPort] = await freePorts(5);
  const base = `http://127.0.0.1:${port}`;
  const withDocker = await dockerAnswers();
  const npm = track(
    spawn("npm", ["start"], {
      cwd: repoRoot,
      env: {
        ...process.env,
        // npm and the `node` of its scripts are the Node running this test (the Node 24 pass runs this too).
        PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ""}`,
        SYNTRA_DATA_DIR: dataDir,
        SYNTRA_PORT: String(port),
        SYNTRA_AGENT_TLS_PORT: String(agentTlsPort),
        SYNTRA_AGENT_HEARTBEAT_SECONDS: "1",
        SYNTRA_PROXY_HTTP_PORT: String(httpPort),
        SYNTRA_PROXY_HTTPS_PORT: String(httpsPort),
        SYNTRA_CADDY_ADMIN_URL: `http://127.0.0.1:${adminPort}`,
        SYNTRA_PROXY_TLS: "false",
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  try {
    await waitReady(base, npm);
    const signup = await fetch(`${base}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", password: "a-long-password" }),
    });
    assert.equal(signup.status, 201);
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200, "prestart built the dashboard");
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);

    if (withDocker) {
      const cookie = (signup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const local = await eventually(
        async () => {
          const list = (await (await fetch(`${base}/api/v1/servers`, { headers: { cookie } })).json()) as {
            data: { name: string; status: string; runtime_version: string | null }[];
          };
          return list.data.find((s) => s.name === "local" && s.status === "online");
        },
        { what: "the local server online", timeoutMs: 60_000, diagnostic: () => npm.output().slice(-3000) },
      );
      assert.ok(local.runtime_version, "the agent reported the Docker version");
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
    } else {
      assert.match(npm.output(), /no Docker engine here/);
    }

    const tree = await descendants(npm.child.pid ?? 0);
    const commands = tree.map((p) => p.argv.join(" "));
    assert.deepEqual(
      commands.filter((c) => /tsx|esbuild/.test(c)),
      [],
      `no compiler runs beside the product:\n${commands.join("\n")}`,
    );
    const controlPlane = tree.find((p) => p.argv.includes("apps/server/dist/main.js"));
    assert.ok(controlPlane, `the control plane is dist/main.js:\n${commands.join("\n")}`);
    if (withDocker) {
      // Like an installed agent it runs its own copy (which update_agent may replace), made from the prebuilt one.
      const copy = path.join(dataDir, "local-agent", "bin", "syntra-agent.cjs");
      assert.ok(
        commands.some((c) => c.endsWith(`${AGENT_NODE_FLAGS.join(" ")} ${copy}`)),
        `the local agent runs its copy of the bundle with the agent's Node flags:\n${commands.join("\n")}`,
      );
      const prebuilt = path.join(repoRoot, "apps/server/dist/syntra-agent.cjs");
      assert.ok((await fs.readFile(copy)).equals(await fs.readFile(prebuilt)), "the copy is the prebuilt bundle");
      // The agent connects while its proxy starts: dnsmasq comes up just after Caddy, maybe after "online".
      const dnsmasq = /dnsmasq .*--hostsdir=\S*\/local-agent\/caddy\/upstreams\/hosts/;
      await eventually(
        async () => (await descendants(npm.child.pid ?? 0)).some((p) => dnsmasq.test(p.argv.join(" "))),
        { what: "the local agent runs dnsmasq for Caddy's routes", timeoutMs: 30_000 },
      );
    }
  } finally {
    // As systemd or Ctrl-C would: the control plane stops its agent and exits, and npm with it.
    const tree = await descendants(npm.child.pid ?? 0);
    const main = tree.find((p) => p.argv.includes("apps/server/dist/main.js"));
    if (main) process.kill(main.pid, "SIGTERM");
    else npm.child.kill("SIGTERM");
    await npm.exited;
    assert.match(npm.output(), /"msg":"stopped"/);
    // The agent's Caddy and dnsmasq keep serving across agent restarts by design; this test ends them.
    await fetch(`http://127.0.0.1:${adminPort}/stop`, { method: "POST" }).catch(() => undefined);
    await stopUpstreamDaemon(path.join(dataDir, "local-agent", "caddy"));
    await fs.rm(path.dirname(dataDir), { recursive: true, force: true });
  }
});
