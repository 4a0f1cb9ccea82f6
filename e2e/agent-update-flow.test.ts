// Agent self-update and certificate renewal end to end: a real agent process, installed as the installer lays it out
// (bundle + launcher) under a supervisor that restarts it as systemd does, updates itself to a bundle the control
// plane signed while its app serves a steady stream of requests; a bundle that cannot start is rolled back by the
// launcher; and an agent with a short certificate lifetime renews on its own and stays connected. The dashboard's
// server page shows the agent's certificate and version, and revokes it (real browser). Last, the control plane is
// upgraded to the next minor version (stopped, started again on the same store): the agent of the previous minor is
// accepted and moved to the new version automatically, its app serving throughout and left as it was.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { BUNDLE_FILES } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { ensureTestImages } from "@syntra/testing/images";
import { get, Hammer } from "@syntra/testing/traffic";
import Dockerode from "dockerode";
import type { Browser } from "playwright-core";
import { LABELS } from "../apps/agent/src/runtime/types";
import { AGENT_VERSION } from "../apps/agent/src/version";
import { loadAgentRelease } from "../apps/server/src/agents/release";
import { buildAgentBundle, bundleVersion } from "../apps/server/src/install/agent-bundle";
import { ensureWebBuild } from "../scripts/build-web";
import { DESKTOP, goto, launchBrowser, shoot } from "./browser";
import { createWebService, deployAndWait, type Stack, serverStatus, startStack } from "./stack";

const DOMAIN = "shop.e2e.test";
const [major, minor, patch] = AGENT_VERSION.split(".").map(Number) as [number, number, number];
/** A: what the agent is installed as (this source tree); B: the signed update; C: an update that cannot start. */
const A = AGENT_VERSION;
const B = `${major}.${minor}.${patch + 1}`;
const C = `${major}.${minor}.${patch + 2}`;

let stack: Stack;
let work: string;
let browser: Browser | undefined;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-e2e-update-"));
  const bundleB = path.join(work, "syntra-agent-b.cjs");
  await fs.writeFile(bundleB, await buildAgentBundle({ version: B }));
  await ensureTestImages("v1");
  stack = await startStack(
    // Updates are asked for here (automatic ones would start at the agent's first hello, before the app runs).
    { SYNTRA_AGENT_BUNDLE: bundleB, SYNTRA_AGENT_AUTO_UPDATE: "false", SYNTRA_AGENT_UPDATE_TIMEOUT_SECONDS: "60" },
    { installed: true },
  );
  const serviceId = await createWebService(stack, "shop", DOMAIN);
  const d = await deployAndWait(stack, serviceId, { image_tag: "v1", strategy: "blue_green" });
  assert.equal(d.status, "running", d.error_message ?? "");
});
after(async () => {
  await browser?.close();
  await stack?.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

/** The server as the API shows it. */
async function server(s: Stack = stack) {
  return (await s.t.call("GET", `/api/v1/servers/${s.serverId}`, { as: s.owner })).body.data;
}

/**
 * The server once its agent's update (to `version`, when given) is no longer pending and the agent is online (as
 * whichever version).
 */
function updateSettled(s: Stack = stack, version?: string) {
  return eventually(
    async () => {
      const shown = await server(s);
      const update = shown.agent.update;
      const ours = version === undefined || update?.version === version;
      return ours && update?.state !== "pending" && shown.status === "online" && shown;
    },
    { timeoutMs: 90_000, what: "the agent update settled", diagnostic: () => s.agent.output() },
  );
}

/** The version the installed agent's bundle of this name says it is (null: there is none). */
async function installed(file: string, s: Stack = stack): Promise<string | null> {
  const dir = s.binDir ?? "";
  const target = path.join(dir, file);
  return existsSync(target) ? bundleVersion((await fs.readFile(target, "utf8")).slice(0, 200)) : null;
}

test("the agent updates itself from A to the signed B while its app serves a steady stream of requests: none fails", async () => {
  assert.equal((await server()).agent_version, A);
  const hammer = new Hammer(stack.caddy.httpPort, DOMAIN, 180_000);
  try {
    const asked = await stack.t.call("POST", `/api/v1/servers/${stack.serverId}/agent/update`, { as: stack.owner });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    assert.deepEqual(
      { outcome: asked.body.data.outcome, from: asked.body.data.from_version, to: asked.body.data.to_version },
      { outcome: "started", from: A, to: B },
    );
    // Asked again while it is under way (the dashboard while an automatic update runs): a clear 409 at once.
    const again = await stack.t.call("POST", `/api/v1/servers/${stack.serverId}/agent/update`, { as: stack.owner });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.error.code, "UPDATE_IN_PROGRESS");

    const updated = await updateSettled();
    assert.equal(updated.agent.update.state, "succeeded", JSON.stringify(updated.agent.update));
    assert.equal(updated.agent.update.version, B);
    assert.equal(updated.agent_version, B, "the server row shows the new version");
    assert.equal((await get(stack.caddy.httpPort, DOMAIN)).body.trim(), "v1");
  } finally {
    const report = await hammer.stop();
    console.log(`# agent update A->B: ${report.ok} requests served, ${report.failed} failed`);
    assert.equal(report.failed, 0, `failures: ${report.failures.join("; ")}`);
    assert.ok(report.ok > 20, `only ${report.ok} requests`);
  }
  // B makes itself the current bundle (a rename) once its hello is accepted; A is kept as the previous one.
  await eventually(async () => (await installed(BUNDLE_FILES.current)) === B, {
    what: "B committed as the current bundle",
    diagnostic: () => stack.agent.output(),
  });
  assert.equal(await installed(BUNDLE_FILES.previous), A);
  assert.equal(await installed(BUNDLE_FILES.next), null);
});

test("a signed update that cannot start fails its trial: the launcher goes back to B, which reconnects and reports it", async () => {
  // The control plane now hands out C (as after its own upgrade), signed by it like any release; C exits at start.
  const endpoint = await stack.t.agentEndpoint();
  const bundleC = path.join(work, "syntra-agent-c.cjs");
  await fs.writeFile(
    bundleC,
    `#!/usr/bin/env node\n// syntra-agent ${C}\nprocess.stderr.write("syntra-agent ${C}: cannot start\\n");\nprocess.exit(3);\n`,
  );
  endpoint.release = await loadAgentRelease(
    { bundleFile: bundleC, dataDir: stack.t.deps.config.dataDir },
    endpoint.authority,
  );
  assert.equal((await server()).agent.latest_version, C);

  const hammer = new Hammer(stack.caddy.httpPort, DOMAIN, 180_000);
  try {
    const asked = await stack.t.call("POST", `/api/v1/servers/${stack.serverId}/agent/update`, { as: stack.owner });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    assert.equal(asked.body.data.outcome, "started");
    const settled = await updateSettled();
    assert.equal(settled.agent.update.state, "failed");
    assert.equal(settled.agent.update.version, C);
    assert.match(settled.agent.update.message, new RegExp(`agent ${C.replaceAll(".", "\\.")} exited`));
    assert.equal(settled.agent_version, B, "the agent is back as B");
  } finally {
    const report = await hammer.stop();
    console.log(`# failed agent update B->C: ${report.ok} requests served, ${report.failed} failed`);
    assert.equal(report.failed, 0, `failures: ${report.failures.join("; ")}`);
  }
  assert.match(stack.agent.output(), new RegExp(`syntra-agent ${C.replaceAll(".", "\\.")}: cannot start`));
  assert.equal(await installed(BUNDLE_FILES.current), B);
  assert.equal(await installed(BUNDLE_FILES.next), null, "the failed bundle is removed");
  // Both updates asked for from the dashboard are in the audit log.
  const audit = await stack.t.call(
    "GET",
    `/api/v1/audit-logs?action=server.agent_update&resource_id=${stack.serverId}`,
    { as: stack.owner },
  );
  assert.ok(audit.body.data.length >= 2, JSON.stringify(audit.body));
});

test("the dashboard's server page shows the agent's certificate and version, and revokes it after a confirm", async () => {
  const port = new URL(stack.baseUrl).port;
  await ensureWebBuild({ quiet: true });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.addCookies([{ name: "syntra_session", value: stack.owner.cookie, url: stack.baseUrl }]);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await goto(page, `http://127.0.0.1:${port}/servers/${stack.serverId}`);
  const card = page.getByRole("region", { name: "Agent" });
  const shown = await server();
  // The fingerprint as people compare them (AB:CD:…), in full.
  const fp = (shown.agent.certificate.fingerprint_sha256.toUpperCase().match(/../g) as string[]).join(":");
  await card.getByText(fp).waitFor();
  // B runs and C is offered (it failed here): the update is offered with its last outcome.
  await card.getByText(`Update available: ${C}`).waitFor();
  await card.getByText(/Last update to .* failed/).waitFor();
  await card.getByRole("button", { name: `Update to ${C}` }).waitFor();
  await shoot(page, "server-agent");

  await card.getByRole("button", { name: "Revoke agent" }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke this agent?" });
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await card.getByText("Not enrolled").waitFor();
  // Cut at once and refused: the server goes offline and its agent cannot come back with its certificate.
  await eventually(async () => (await serverStatus(stack)) === "offline", { timeoutMs: 15_000 });
  const after = await server();
  assert.equal(after.agent.enrolled, false);
  assert.equal(after.agent.certificate, null);
  await context.close();
});

test("an agent with a short certificate lifetime renews it on its own and stays connected past the first one's expiry", async () => {
  // 36 s certificates: renewed at about half of that, the first expires while the test watches.
  const short = await startStack({ SYNTRA_AGENT_CERT_HOURS: "0.01" });
  try {
    const first = (await server(short)).agent.certificate;
    assert.equal(first.issued_by, "enrolment");
    const renewed = await eventually(
      async () => {
        const cert = (await server(short)).agent.certificate;
        return cert?.issued_by === "renewal" && cert;
      },
      { timeoutMs: 60_000, what: "the agent's certificate renewed", diagnostic: () => short.agent.output() },
    );
    assert.notEqual(renewed.fingerprint_sha256, first.fingerprint_sha256);
    assert.ok(Date.parse(renewed.not_after) > Date.parse(first.not_after));
    assert.ok(Date.parse(renewed.issued_at) < Date.parse(first.not_after), "renewed before the first expired");
    // A heartbeat after the first certificate expired, on a connection the hub's sweep has not cut for it.
    await eventually(
      async () => {
        const s = await server(short);
        const beat = Date.parse(s.last_heartbeat_at ?? "");
        return s.status === "online" && beat > Date.parse(first.not_after) + 3 * 2000;
      },
      { timeoutMs: 60_000, what: "a heartbeat well after the first certificate's expiry" },
    );
    // It connected once, then once more after each renewal (to use the new certificate), and for nothing else.
    const count = (re: RegExp) => short.agent.output().match(re)?.length ?? 0;
    await eventually(
      () =>
        count(/agent certificate renewed/g) >= 1 &&
        count(/connected to the control plane/g) === count(/agent certificate renewed/g) + 1,
      { timeoutMs: 15_000, what: "one connection more than renewals", diagnostic: () => short.agent.output() },
    );
  } finally {
    await short.close();
  }
});

/** The service's containers as Docker reports them: id, state and start time (what a restart or redeploy changes). */
async function containersOf(serviceId: string): Promise<string[]> {
  const docker = new Dockerode();
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.serviceId}=${serviceId}`] } });
  const shown = await Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  return shown.map((c) => `${c.Id.slice(0, 12)} ${c.State.Status} since ${c.State.StartedAt}`).sort();
}

/** The control plane's log lines from `from` on, parsed (pino's JSON lines). */
function logLines(s: Stack, from: number): { msg: string; agent_version?: string; from?: string; to?: string }[] {
  return s.t.logs.slice(from).flatMap((line) =>
    line
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l)),
  );
}

test("the control plane is upgraded to the next minor version: its agent of the previous minor is accepted and moved to it, the app serving throughout", async () => {
  // X.Y: this source tree's agent, and a control plane of the same release. X.(Y+1): the upgrade, with its bundle.
  const next = `${major}.${minor + 1}.0`;
  const bundleNext = path.join(work, "syntra-agent-next.cjs");
  await fs.writeFile(bundleNext, await buildAgentBundle({ version: next }));
  const up = await startStack(
    { SYNTRA_TEST_VERSION: A, SYNTRA_AGENT_AUTO_UPDATE: "true", SYNTRA_AGENT_UPDATE_TIMEOUT_SECONDS: "60" },
    { installed: true },
  );
  const domain = "upgrade.e2e.test";
  try {
    const serviceId = await createWebService(up, "upgrade", domain);
    // Blue-green, as in the first test: the route is written with both replicas at once. (A rolling first deploy keeps
    // the first replica alone as the route's fallback list; the agent's restart once rewrote it, a Caddy reload that
    // cost a "socket hang up" of 607 requests here. It now keeps such a fallback: caddy-upstreams.test.ts.)
    const deployment = await deployAndWait(up, serviceId, { image_tag: "v1", strategy: "blue_green" });
    assert.equal(deployment.status, "running", deployment.error_message ?? "");
    const before = await server(up);
    assert.deepEqual(
      { version: before.agent_version, latest: before.agent.latest_version, update: before.agent.update ?? null },
      { version: A, latest: A, update: null },
      "the agent runs this control plane's release: nothing to update",
    );
    const containers = await containersOf(serviceId);
    assert.equal(containers.length, 2, containers.join("; "));

    const hammer = new Hammer(up.caddy.httpPort, domain, 180_000);
    const mark = up.t.logs.length;
    try {
      await hammer.served(20);
      await up.t.restart(
        { SYNTRA_TEST_VERSION: next, SYNTRA_AGENT_BUNDLE: bundleNext },
        {
          // The control plane is down (its API refuses connections) and the proxy keeps routing the app.
          whileStopped: async () => {
            await assert.rejects(fetch(`${up.baseUrl}/healthz`));
            await hammer.served(30);
          },
        },
      );
      // The agent reconnects as X.Y (within the window: accepted), is sent the update on hello, restarts into X.(Y+1).
      const upgraded = await updateSettled(up, next);
      assert.equal(upgraded.agent.update.state, "succeeded", JSON.stringify(upgraded.agent.update));
      assert.equal(upgraded.agent_version, next);
      assert.equal(upgraded.agent.latest_version, next);
      await hammer.served(20);
    } finally {
      const report = await hammer.stop();
      console.log(
        `# control plane ${A} -> ${next} with its agent updated: ${report.ok} requests served, ${report.failed} failed (${report.closedUnderUs} on a connection the proxy closed)`,
      );
      assert.equal(report.failed, 0, `failures: ${report.failures.join("; ")}`);
    }
    // What the new control plane saw: the X.Y agent accepted (not told it is too old), updated, back as X.(Y+1).
    const lines = logLines(up, mark);
    const connected = lines.filter((l) => l.msg === "agent connected").map((l) => l.agent_version);
    assert.deepEqual(connected.slice(0, 2), [A, next], JSON.stringify(connected));
    assert.ok(!lines.some((l) => l.msg === "agent too old"));
    const updating = lines.find((l) => l.msg === "agent updating itself");
    assert.deepEqual({ from: updating?.from, to: updating?.to }, { from: A, to: next });
    // Its app untouched: the deployment still running, the same containers, never restarted.
    const after = await up.t.call("GET", `/api/v1/deployments/${deployment.id}`, { as: up.owner });
    assert.equal(after.body.data.status, "running");
    assert.deepEqual(await containersOf(serviceId), containers);
    assert.equal((await get(up.caddy.httpPort, domain)).body.trim(), "v1");
    // X.(Y+1) made itself the current bundle once its hello was accepted; X.Y is kept as the previous one.
    await eventually(async () => (await installed(BUNDLE_FILES.current, up)) === next, {
      what: "the new minor committed as the current bundle",
      diagnostic: () => up.agent.output(),
    });
    assert.equal(await installed(BUNDLE_FILES.previous, up), A);
  } finally {
    await up.close();
  }
});
