import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { AGENT_ENDPOINT_TLS_NAME } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { certificateRequest } from "@syntra/testing/openssl";
import { AgentPeer } from "../testing/agent-peer";
import { createTestApp, type TestApp } from "../testing/harness";

// A control plane upgraded by one minor version (stopped, started again on the same store as 0.3.0): its agents'
// certificates still work on the restarted endpoint; an agent of the previous minor (0.2.x) is accepted and sent the
// update to 0.3.0; one of two minors back (0.1.x, accepted by 0.2.0) is now told to update (table 4.3). The real
// agent process through the same upgrade, with an app serving: e2e/agent-update-flow.test.ts.

let t: TestApp;
let work: string;
let owner: { cookie: string };
const capabilities = ["docker", "self_update"];

/** A file the control plane hands out as the agent bundle of `version` (only its version line is read here). */
async function bundleOf(version: string): Promise<string> {
  const file = path.join(work, `syntra-agent-${version}.cjs`);
  await fs.writeFile(file, `#!/usr/bin/env node\n// syntra-agent ${version}\n`);
  return file;
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "syntra-upgrade-"));
  t = await createTestApp({ SYNTRA_TEST_VERSION: "0.2.0", SYNTRA_AGENT_BUNDLE: await bundleOf("0.2.0") });
  await t.agentEndpoint();
  owner = await t.signup("owner@upgrade.test", { orgName: "Upgrade" });
});
after(async () => {
  await t.close();
  await fs.rm(work, { recursive: true, force: true });
});

/** A new server whose agent enrolled: its id and the TLS options of its certificate (the CA pinned). */
async function enrolledServer(name: string) {
  const created = await t.call("POST", "/api/v1/servers", { as: owner, body: { name } });
  const { server_id: id, token } = created.body.data;
  const request = await certificateRequest({ commonName: "agt_upgrade" });
  const grant = (await t.call("POST", "/agent/enrol", { body: { token, csr: request.csrPem } })).body;
  const tls = {
    key: request.keyPem,
    cert: grant.certificate_pem,
    ca: grant.ca_pem,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(AGENT_ENDPOINT_TLS_NAME, cert),
  };
  return { id: id as string, tls };
}

/** Connects as an agent of `version` with its certificate, to the endpoint running now, and says hello. */
async function connect(server: { id: string; tls: Record<string, unknown> }, version: string, caps = capabilities) {
  const endpoint = await t.agentEndpoint();
  const peer = await AgentPeer.connect(`wss://127.0.0.1:${endpoint.port}/agent/ws`, { version, tls: server.tls });
  return { peer, ack: await peer.hello(server.id, { version, capabilities: caps }) };
}

async function shown(serverId: string) {
  return (await t.call("GET", `/api/v1/servers/${serverId}`, { as: owner })).body.data;
}

test("after an upgrade to the next minor, the previous minor's agent is accepted and updated; two minors back is told to update", async () => {
  const current = await enrolledServer("current");
  const older = await enrolledServer("older");
  // On 0.2.0: both accepted; 0.2.0 is what this control plane hands out, and 0.1.4 cannot update itself.
  const a = await connect(current, "0.2.0");
  const b = await connect(older, "0.1.4", ["docker"]);
  assert.equal(a.ack.accepted, true);
  assert.equal(b.ack.accepted, true);
  await a.peer.sync();
  assert.equal(a.peer.received.filter((m) => m.type === "update_agent").length, 0, "up to date: no update");

  const endpointPort = (await t.agentEndpoint()).port;
  await t.restart({ SYNTRA_TEST_VERSION: "0.3.0", SYNTRA_AGENT_BUNDLE: await bundleOf("0.3.0") });
  // Shut down as a control plane stops (1001), both servers offline; the endpoint is back on its port.
  assert.equal((await a.peer.closed).code, 1001);
  assert.equal((await b.peer.closed).code, 1001);
  const endpoint = await t.agentEndpoint();
  assert.equal(endpoint.port, endpointPort);
  assert.equal(endpoint.release?.version, "0.3.0");

  // The 0.2.0 agent, same certificate: accepted, and sent the update to 0.3.0 at once (automatic updates on).
  const again = await connect(current, "0.2.0");
  assert.equal(again.ack.accepted, true, JSON.stringify(again.ack));
  const command = await again.peer.next("update_agent");
  assert.equal(command.payload.version, "0.3.0");
  assert.equal(command.payload.sha256, endpoint.release?.sha256);
  again.peer.respond(command.payload.request_id, { success: true });
  await eventually(async () => (await shown(current.id)).agent.update?.state === "pending");
  await again.peer.close();
  const updated = await connect(current, "0.3.0");
  assert.equal(updated.ack.accepted, true);
  const after = await eventually(async () => {
    const s = await shown(current.id);
    return s.agent.update?.state === "succeeded" && s;
  });
  assert.deepEqual(
    { version: after.agent_version, update: after.agent.update.version, status: after.status },
    { version: "0.3.0", update: "0.3.0", status: "online" },
  );
  await updated.peer.close();

  // The 0.1.4 agent is outside the window now: told to update (it cannot update itself: no bundle offered).
  const refused = await connect(older, "0.1.4", ["docker"]);
  assert.equal(refused.ack.accepted, false);
  assert.ok(!refused.ack.accepted && refused.ack.error.code === "AGENT_UPDATE_REQUIRED", JSON.stringify(refused.ack));
  assert.match(
    refused.ack.accepted ? "" : refused.ack.error.message,
    /0\.1\.4 is too old .* 0\.3\.0.* 0\.2\.0 or newer/,
  );
  assert.ok(!refused.ack.accepted && refused.ack.update === undefined);
  assert.equal((await refused.peer.closed).code, 4010);
  assert.equal((await shown(older.id)).status, "offline");
});
