import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import {
  BUNDLE_FILES,
  type CommandResponsePayload,
  renderAgentLauncher,
  type UpdateAgentPayload,
  updateSignedText,
} from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import pino from "pino";
import type { AgentConnection } from "../connection";
import { Dispatcher, type Workloads } from "../dispatcher";
import { RequestLog } from "../request-log";
import type { ContainerRuntime } from "../runtime/types";
import type { AgentCredentials } from "../tls/credentials";
import { type BundleLayout, bundleLayout, commitTrial, settleFailedTrial, stageUpdate } from "./self-update";

const run = promisify(execFile);
const signing = generateKeyPairSync("ed25519");
const logger = pino({ level: "silent" });
let mirror: http.Server;
let mirrorUrl: string;
const files = new Map<string, Buffer>();
/** Downloads the mirror holds back until the promise settles, and the paths it was asked for. */
const held = new Map<string, Promise<void>>();
const asked: string[] = [];
let root: string;

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-self-update-"));
  // A download mirror (not the agent endpoint): only the digest and the signature vouch for what it serves.
  mirror = http.createServer(async (req, res) => {
    asked.push(req.url ?? "");
    await held.get(req.url ?? "");
    const body = files.get(req.url ?? "");
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => mirror.listen(0, "127.0.0.1", resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
});
after(async () => {
  mirror.close();
  await fs.rm(root, { recursive: true, force: true });
});

/** An installed layout: the launcher (for this node) and a current bundle that prints its version and exits. */
async function install(name: string): Promise<{ layout: BundleLayout; stateDir: string }> {
  const dir = path.join(root, name, "bin");
  const stateDir = path.join(root, name, "state");
  await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(stateDir, { recursive: true });
  await fs.writeFile(path.join(dir, BUNDLE_FILES.launcher), renderAgentLauncher(process.execPath, []), { mode: 0o755 });
  await fs.writeFile(path.join(dir, BUNDLE_FILES.current), bundle("0.2.0", "process.stdout.write('A')"));
  const layout = bundleLayout(path.join(dir, BUNDLE_FILES.current));
  assert.ok(layout, "a bundle with the launcher beside it can update itself");
  return { layout, stateDir };
}

function bundle(version: string, code: string): Buffer {
  return Buffer.from(`#!/usr/bin/env node\n// syntra-agent ${version}\n${code}\n`);
}

/** Publishes a bundle on the mirror and returns the update_agent payload for it, signed with `key`. */
function publish(version: string, bytes: Buffer, key = signing.privateKey) {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  files.set(`/${version}`, bytes);
  return {
    request_id: crypto.randomUUID(),
    version,
    download_url: `${mirrorUrl}/${version}`,
    sha256,
    signature: sign(null, Buffer.from(updateSignedText(version, sha256)), key).toString("base64"),
    confirm_timeout_seconds: 30,
  };
}

const creds = { bundleSigningKey: signing.publicKey, endpointUrl: "wss://127.0.0.1:1" } as AgentCredentials;

test("a checked bundle is staged beside the current one, which stays in place", async () => {
  const { layout, stateDir } = await install("good");
  const payload = publish("0.2.1", bundle("0.2.1", "process.stdout.write('B')"));
  const staged = await stageUpdate({ layout, creds, stateDir, runningVersion: "0.2.0", payload, logger });
  assert.deepEqual(staged, { from: "0.2.0", to: "0.2.1" });
  assert.match(await fs.readFile(layout.next, "utf8"), /syntra-agent 0\.2\.1/);
  assert.match(await fs.readFile(layout.current, "utf8"), /syntra-agent 0\.2\.0/);
});

test("a bundle whose digest, signature or version does not match is refused and nothing is staged", async () => {
  const { layout, stateDir } = await install("bad");
  const good = bundle("0.2.1", "1");
  const cases = {
    "another file than the digest names": { ...publish("0.2.1", good), sha256: "0".repeat(64) },
    "signed by another key": publish("0.2.1", good, generateKeyPairSync("ed25519").privateKey),
    "no signature": { ...publish("0.2.1", good), signature: undefined },
    "naming another version": publish("0.2.1", bundle("0.3.0", "1")),
  };
  for (const [what, payload] of Object.entries(cases)) {
    await assert.rejects(
      stageUpdate({ layout, creds, stateDir, runningVersion: "0.2.0", payload, logger }),
      (err: Error & { code?: string }) => err.code === "UPDATE_VERIFICATION_FAILED",
      what,
    );
    assert.equal(existsSync(layout.next), false, `${what}: nothing staged`);
    assert.deepEqual(
      (await fs.readdir(layout.dir)).sort(),
      [BUNDLE_FILES.launcher, BUNDLE_FILES.current].sort(),
      `${what}: no download left behind`,
    );
  }
});

test("the launcher runs a staged bundle once; a trial that fails leaves the old one to run and is reported", async () => {
  const { layout, stateDir } = await install("rollback");
  const payload = publish("0.2.2", bundle("0.2.2", "process.stdout.write('B'); process.exit(1)"));
  await stageUpdate({ layout, creds, stateDir, runningVersion: "0.2.0", payload, logger });
  const launch = () =>
    run(layout.launcher).then(
      (r) => r.stdout,
      (err: { stdout: string }) => err.stdout,
    );
  assert.equal(await launch(), "B", "the staged bundle runs first, on trial");
  assert.equal(await launch(), "A", "after a failed trial, the current bundle runs");
  const result = await settleFailedTrial(layout, stateDir, "0.2.0");
  assert.equal(result?.version, "0.2.2");
  assert.equal(result?.outcome, "rolled_back");
  assert.equal(existsSync(layout.next), false);
  assert.equal(await launch(), "A");
});

test("a trial that connects becomes the current bundle; the replaced one is kept as the previous", async () => {
  const { layout, stateDir } = await install("commit");
  const payload = publish("0.2.3", bundle("0.2.3", "process.stdout.write('C')"));
  await stageUpdate({ layout, creds, stateDir, runningVersion: "0.2.0", payload, logger });
  assert.equal((await run(layout.launcher)).stdout, "C");
  await commitTrial(layout, stateDir);
  assert.equal((await run(layout.launcher)).stdout, "C");
  assert.match(await fs.readFile(layout.previous, "utf8"), /syntra-agent 0\.2\.0/);
  assert.equal(await settleFailedTrial(layout, stateDir, "0.2.3"), undefined, "nothing to report after a commit");
});

test("the agent stages one update at a time: a second update_agent while the first downloads is refused, and the first goes on", async () => {
  const { layout, stateDir } = await install("one-at-a-time");
  const first = publish("0.2.4", bundle("0.2.4", "1"));
  const second = publish("0.2.5", bundle("0.2.5", "1"));
  let release = () => {};
  held.set("/0.2.4", new Promise<void>((resolve) => (release = resolve)));
  const answers: CommandResponsePayload[] = [];
  // The control plane's side of the socket: what the agent answers.
  const connection = { send: (_type: string, answer: CommandResponsePayload) => answers.push(answer) };
  let restarts = 0;
  const dispatcher = new Dispatcher({
    connection: connection as unknown as AgentConnection,
    requests: await RequestLog.open(stateDir),
    // Not used by update_agent.
    workloads: {} as Workloads,
    runtime: {} as ContainerRuntime,
    logger,
    selfUpdate: {
      stage: (payload) => stageUpdate({ layout, creds, stateDir, runningVersion: "0.2.0", payload, logger }),
      restart: () => restarts++,
    },
  });
  const command = (payload: UpdateAgentPayload) =>
    ({ id: payload.request_id, type: "update_agent", timestamp: new Date().toISOString(), payload }) as const;
  dispatcher.handle(command(first));
  await eventually(() => asked.includes("/0.2.4"), { what: "the first bundle's download under way" });
  dispatcher.handle(command(second));
  const refused = await eventually(() => answers.find((a) => a.request_id === second.request_id));
  assert.equal(refused.success, false);
  assert.equal(refused.error?.code, "UPDATE_IN_PROGRESS");
  assert.match(refused.error?.message ?? "", /0\.2\.4/);
  assert.ok(!asked.includes("/0.2.5"), "the second bundle was not downloaded");
  release();
  await eventually(() => restarts === 1, { what: "the first update staged, then the restart" });
  assert.equal(answers.find((a) => a.request_id === first.request_id)?.success, true);
  assert.match(await fs.readFile(layout.next, "utf8"), /syntra-agent 0\.2\.4/);
});
