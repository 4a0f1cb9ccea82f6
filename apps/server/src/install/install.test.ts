import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startCaddy, type TestCaddy } from "@syntra/testing/caddy";
import { eventually } from "@syntra/testing/eventually";
import { freePort } from "@syntra/testing/ports";
import { exportSpans, recordTrace } from "../../../../packages/otlp/src/testing/otel-sdk";
import { stopUpstreamDaemon, upstreamDaemonPid } from "../../../agent/src/proxy/upstream-table";
import { AGENT_VERSION } from "../../../agent/src/version";
import { createTestApp, type TestApp } from "../testing/harness";
import { AGENT_NODE_ENV, AGENT_NODE_FLAGS } from "./agent-bundle";

// The launcher passes the agent's Node flags each in single quotes (it is a shell script).
const LAUNCHER_FLAGS = AGENT_NODE_FLAGS.map((f) => `'${f}'`).join(" ");

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
let t: TestApp;
let baseUrl: string;
let caddy: TestCaddy;
let owner: { cookie: string };
/** Node 24 from the npm registry (scripts/services/node24.sh), which the nodejs.org stand-in hands out. */
let node24: { path: string; version: string };
let dist: NodeDist;
const scratch: string[] = [];

/**
 * A local server laid out like https://nodejs.org/dist (latest-v24.x/SHASUMS256.txt and the linux tarball
 * named in it), serving a real Node 24. It records what was asked, and can be told to hand out a bad checksum.
 */
interface NodeDist {
  url: string;
  requests: string[];
  badChecksum: boolean;
  close(): Promise<void>;
}

async function startNodeDist(node: string, version: string): Promise<NodeDist> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-node-dist-"));
  scratch.push(dir);
  const name = `node-${version}-linux-x64`;
  await fs.mkdir(path.join(dir, name, "bin"), { recursive: true });
  await fs.symlink(node, path.join(dir, name, "bin", "node"));
  // -h packs the file the link points at; gzip -1 because the tarball is ~120 MB and speed matters more here.
  await run("tar", ["-C", dir, "-chf", path.join(dir, `${name}.tar`), name]);
  await run("gzip", ["-1", path.join(dir, `${name}.tar`)]);
  const tarball = await fs.readFile(path.join(dir, `${name}.tar.gz`));
  const sha = createHash("sha256").update(tarball).digest("hex");
  const state: NodeDist = { url: "", requests: [], badChecksum: false, close: async () => {} };
  const server = http.createServer((req, res) => {
    state.requests.push(req.url ?? "");
    if (req.url === "/latest-v24.x/SHASUMS256.txt") {
      const listed = state.badChecksum ? "0".repeat(64) : sha;
      res.end(`${"1".repeat(64)}  node-${version}-darwin-arm64.tar.gz\n${listed}  ${name}.tar.gz\n`);
    } else if (req.url === `/latest-v24.x/${name}.tar.gz`) {
      res.end(tarball);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** A folder holding a `node` that answers the installer's version question with `major` and nothing else. */
async function fakeNode(major: number): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-fake-node-"));
  scratch.push(dir);
  await fs.writeFile(path.join(dir, "node"), `#!/bin/sh\necho ${major}\n`, { mode: 0o755 });
  return dir;
}

/** A folder whose `node` is the real Node 24. */
async function realNode24(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-node24-"));
  scratch.push(dir);
  await fs.symlink(node24.path, path.join(dir, "node"));
  return dir;
}

/** Adds a server and runs its install command, installing below a scratch root (no sudo, no systemd). */
async function install(opts: { pathFirst: string; distUrl?: string }) {
  const created = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: `edge-${scratch.length}` } });
  const { server_id, token, install_command } = created.body.data;
  assert.equal(
    install_command,
    `curl -fsSL ${baseUrl}/install/agent.sh | sudo SYNTRA_URL=${baseUrl} SYNTRA_SERVER_ID=${server_id} SYNTRA_TOKEN=${token} sh`,
  );
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-install-"));
  scratch.push(root);
  const env = {
    ...process.env,
    PATH: `${opts.pathFirst}:${process.env.PATH ?? ""}`,
    SYNTRA_URL: baseUrl,
    SYNTRA_SERVER_ID: server_id,
    SYNTRA_TOKEN: token,
    SYNTRA_INSTALL_ROOT: root,
    SYNTRA_NODE_DIST_URL: opts.distUrl ?? dist.url,
  };
  // The same pipeline as install_command.
  const result = await run("sh", ["-c", `curl -fsSL ${baseUrl}/install/agent.sh | sh`], { env, timeout: 120_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  const unit = await fs.readFile(path.join(root, "etc/systemd/system/syntra-agent.service"), "utf8").catch(() => "");
  return { serverId: String(server_id), token: String(token), root, unit, ...result };
}

before(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  t = await createTestApp({ SYNTRA_PUBLIC_URL: baseUrl, SYNTRA_AGENT_HEARTBEAT_SECONDS: "1" });
  await t.app.listen({ host: "127.0.0.1", port });
  // As main.ts does: installed agents enrol on the API and then connect to the mutual-TLS agent endpoint.
  await t.agentEndpoint();
  owner = await t.signup("owner@example.com");
  caddy = await startCaddy();
  const { stdout } = await run("bash", [path.join(repoRoot, "scripts/services/node24.sh"), "start"]);
  const nodePath = stdout.trim().split("\n").at(-1) ?? "";
  node24 = { path: nodePath, version: (await run(nodePath, ["--version"])).stdout.trim() };
  dist = await startNodeDist(node24.path, node24.version);
});
after(async () => {
  await dist?.close();
  await caddy?.stop();
  await t?.close();
  for (const dir of scratch) await fs.rm(dir, { recursive: true, force: true });
});

test("where Node is older than 22, the installer puts Node 24 beside the agent, and the installed agent runs on it and connects", async () => {
  dist.requests.length = 0;
  const installed = await install({ pathFirst: await fakeNode(18) });
  assert.equal(installed.code, 0, installed.stdout + installed.stderr);
  assert.match(installed.stdout, new RegExp(`installed Node.js ${node24.version} in /opt/syntra/node`));
  assert.match(installed.stdout, /agent installed/);
  assert.deepEqual(dist.requests, [
    "/latest-v24.x/SHASUMS256.txt",
    `/latest-v24.x/node-${node24.version}-linux-x64.tar.gz`,
  ]);
  const node = path.join(installed.root, "opt/syntra/node/bin/node");
  assert.equal((await run(node, ["--version"])).stdout.trim(), node24.version);

  const bundle = path.join(installed.root, "opt/syntra/syntra-agent.cjs");
  const size = (await fs.stat(bundle)).size;
  assert.ok(size < 10 * 1024 * 1024, `bundle is ${size} bytes`);
  console.log(`# agent bundle: ${(size / 1_048_576).toFixed(2)} MB`);
  assert.equal((await run(node, [bundle, "--version"])).stdout.trim(), AGENT_VERSION);

  const envFile = path.join(installed.root, "etc/syntra/agent.env");
  assert.equal((await fs.stat(envFile)).mode & 0o777, 0o600, "the token is readable by root only");
  const settings = await fs.readFile(envFile, "utf8");
  assert.ok(settings.includes(`SYNTRA_TOKEN=${installed.token}`));
  assert.ok(settings.includes(`SYNTRA_SERVER_ID=${installed.serverId}`));
  // systemd runs the launcher (a staged self-update once, on trial, else the current bundle) on the Node installed.
  assert.match(installed.unit, /^ExecStart=\/opt\/syntra\/run-agent$/m);
  const launcher = path.join(installed.root, "opt/syntra/run-agent");
  assert.ok(
    (await fs.readFile(launcher, "utf8")).includes(`exec '${node}' ${LAUNCHER_FLAGS} "$dir/syntra-agent.cjs"`),
    "the launcher runs the current bundle on the installed Node, with the agent's Node flags",
  );
  assert.match(installed.unit, /Restart=always/);

  // The installed files are the agent: started as the unit starts it, the server comes online.
  const grpcPort = await freePort();
  const agentEnv = {
    ...process.env,
    ...Object.fromEntries(
      settings
        .trim()
        .split("\n")
        .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
    ),
    SYNTRA_AGENT_STATE_DIR: path.join(installed.root, "var/lib/syntra-agent"),
    SYNTRA_CADDY_ADMIN_URL: caddy.adminUrl,
    SYNTRA_PROXY_HTTP_PORT: String(caddy.httpPort),
    SYNTRA_PROXY_HTTPS_PORT: String(caddy.httpsPort),
    SYNTRA_PROXY_TLS: "false",
    // Its OTLP receivers start too (on free ports): the bundle must carry the gRPC server they use.
    SYNTRA_OTLP_GRPC_PORT: String(grpcPort),
    SYNTRA_OTLP_HTTP_PORT: String(await freePort()),
  };
  let output = "";
  const agent = execFile(launcher, [], { env: agentEnv });
  const exited = new Promise((resolve) => agent.once("exit", resolve));
  agent.stdout?.on("data", (d) => {
    output += d;
  });
  agent.stderr?.on("data", (d) => {
    output += d;
  });
  try {
    const server = await eventually(
      async () => {
        const data = (await t.call("GET", `/api/v1/servers/${installed.serverId}`, { as: owner })).body.data;
        return data.status === "online" && data;
      },
      {
        what: "the installed agent online",
        diagnostic: () => `exit code ${agent.exitCode}\n${output.slice(-3000)}`,
      },
    );
    assert.equal(server.status, "online");
    // It runs dnsmasq for Caddy's routes (the installer makes sure it is there).
    const pid = await eventually(
      async () => (await upstreamDaemonPid(path.join(installed.root, "var/lib/syntra-agent", "caddy"))) ?? undefined,
      {
        what: "the agent's dnsmasq recorded",
        diagnostic: () => output.slice(-3000),
      },
    );
    assert.match(await fs.readFile(`/proc/${pid}/cmdline`, "utf8"), /dnsmasq\0/);
    // The launcher gives Node the agent's environment (its malloc setting).
    const environ = (await fs.readFile(`/proc/${agent.pid}/environ`, "utf8")).split("\0");
    for (const [name, value] of Object.entries(AGENT_NODE_ENV)) assert.ok(environ.includes(`${name}=${value}`), name);
    // gRPC loads at the first OTLP/gRPC connection: the official exporter gets the receiver's answer (no key).
    const { spans } = await recordTrace("installed", {});
    const result = await exportSpans("grpc", { httpUrl: "", grpcAddress: `127.0.0.1:${grpcPort}` }, "wrong", spans);
    assert.match(String(result.error?.message), /ingest key/i, output.slice(-3000));
  } finally {
    agent.kill("SIGTERM");
    await exited;
    // The agent leaves its dnsmasq running for Caddy, as on a server.
    await stopUpstreamDaemon(path.join(installed.root, "var/lib/syntra-agent", "caddy"));
  }
});

test("a supported Node on the server is used as it is: nothing is downloaded", async () => {
  dist.requests.length = 0;
  const dir = await realNode24();
  const installed = await install({ pathFirst: dir });
  assert.equal(installed.code, 0, installed.stdout + installed.stderr);
  assert.deepEqual(dist.requests, []);
  assert.equal(await fs.stat(path.join(installed.root, "opt/syntra/node")).catch(() => null), null);
  const launcher = await fs.readFile(path.join(installed.root, "opt/syntra/run-agent"), "utf8");
  assert.ok(launcher.includes(`exec '${dir}/node' ${LAUNCHER_FLAGS} "$dir/syntra-agent.cjs"`), launcher);
});

test("a Node download that does not match its published checksum is not installed", async () => {
  dist.badChecksum = true;
  try {
    const installed = await install({ pathFirst: await fakeNode(18) });
    assert.notEqual(installed.code, 0);
    assert.match(installed.stdout, /does not match its SHA-256 in SHASUMS256\.txt: not installed/);
    assert.match(installed.stdout, /Node\.js 22 or newer is required and could not be installed/);
    assert.equal(await fs.stat(path.join(installed.root, "opt/syntra/node")).catch(() => null), null);
    assert.equal(installed.unit, "", "nothing is installed without a Node to run it");
  } finally {
    dist.badChecksum = false;
  }
});

test("when Node 24 cannot be fetched, an end-of-life Node 20 is used with a warning", async () => {
  const installed = await install({ pathFirst: await fakeNode(20), distUrl: "http://127.0.0.1:9/unreachable" });
  assert.equal(installed.code, 0, installed.stdout + installed.stderr);
  assert.match(installed.stdout, /could not reach http:\/\/127\.0\.0\.1:9\/unreachable\/latest-v24\.x/);
  assert.match(installed.stdout, /past its end of life: install Node\.js 22 or 24/);
  const launcher = await fs.readFile(path.join(installed.root, "opt/syntra/run-agent"), "utf8");
  assert.ok(
    new RegExp(`^exec '\\S+/node' ${LAUNCHER_FLAGS} "\\$dir/syntra-agent\\.cjs"$`, "m").test(launcher),
    launcher,
  );
});

test("the installer refuses to run without a token, and says what is missing", async () => {
  const script = await (await fetch(`${baseUrl}/install/agent.sh`)).text();
  assert.match(script, /^#!\/bin\/sh/);
  const result = await run("sh", ["-c", script], { env: { PATH: process.env.PATH ?? "" } }).catch((e) => e);
  assert.notEqual(result.code, 0);
  assert.match(String(result.stderr), /SYNTRA_TOKEN/);
});
