import assert from "node:assert/strict";
import { createHash, createPrivateKey, createPublicKey, verify, X509Certificate } from "node:crypto";
import { request as httpsRequest } from "node:https";
import { after, before, test } from "node:test";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { AGENT_ENDPOINT_PATHS, AGENT_ENDPOINT_TLS_NAME, updateSignedText } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { certificateRequest, selfSignedCertificate } from "@syntra/testing/openssl";
import { eq } from "drizzle-orm";
import { agentCertificates } from "../db/schema";
import { AgentPeer, helloPayload } from "../testing/agent-peer";
import { createTestApp, type TestApp } from "../testing/harness";
import type { AgentEndpoint } from "./endpoint";
import { issueCertificate } from "./pki/x509";

let t: TestApp;
let endpoint: AgentEndpoint;
let owner: { cookie: string };
let n = 0;

before(async () => {
  t = await createTestApp();
  endpoint = await t.agentEndpoint();
  owner = await t.signup("owner@agents.test", { orgName: "Agents" });
});
after(() => t.close());

/** A new server and its install token. */
async function newServer(): Promise<{ id: string; token: string }> {
  const res = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: `srv-${++n}` } });
  assert.equal(res.status, 201);
  return { id: res.body.data.server_id, token: res.body.data.token };
}

/** Enrols with a request openssl makes (for `keyPem`, or a new key); returns the answer and the key. */
async function enrol(token: string, keyPem?: string) {
  const req = await certificateRequest({ commonName: "agt_test", ...(keyPem && { keyPem }) });
  const res = await t.call("POST", "/agent/enrol", { body: { token, csr: req.csrPem } });
  return { res, keyPem: req.keyPem };
}

/** The TLS options of an agent that holds this key and certificate and pinned the agents' CA. */
function tlsFor(keyPem: string, certPem: string) {
  return {
    key: keyPem,
    cert: certPem,
    ca: endpoint.authority.caPem,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(AGENT_ENDPOINT_TLS_NAME, cert),
  };
}

const wsUrl = () => `wss://127.0.0.1:${endpoint.port}/agent/ws`;

test("an agent trades its install token for a certificate of the agents' CA and connects with it", async () => {
  const server = await newServer();
  const { res, keyPem } = await enrol(server.token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const grant = res.body;
  assert.equal(grant.server_id, server.id);
  assert.equal(grant.endpoint_url, `wss://127.0.0.1:${endpoint.port}`);
  const cert = new X509Certificate(grant.certificate_pem);
  assert.ok(cert.checkIssued(new X509Certificate(grant.ca_pem)));
  assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)));
  assert.equal(cert.subjectAltName, `URI:urn:syntra:server:${server.id}`);
  // The key never left the agent: the control plane only ever saw the public half.
  assert.ok(!JSON.stringify(res.body).includes("PRIVATE KEY"));
  assert.ok(
    t.logs.every((line) => !line.includes(server.token)),
    "the install token is not logged",
  );

  const peer = await AgentPeer.connect(wsUrl(), { version: "0.2.0", tls: tlsFor(keyPem, grant.certificate_pem) });
  const ack = await peer.hello(server.id, { version: "0.2.0" });
  assert.equal(ack.accepted, true);
  const shown = await t.call("GET", `/api/v1/servers/${server.id}`, { as: owner });
  assert.equal(shown.body.data.status, "online");
  assert.equal(shown.body.data.agent.enrolled, true);
  assert.equal(
    shown.body.data.agent.certificate.fingerprint_sha256,
    cert.fingerprint256.replaceAll(":", "").toLowerCase(),
  );
  assert.equal(shown.body.data.agent.certificate.not_after, new Date(cert.validTo).toISOString());
  await peer.close();
});

test("the install token works once: another key is refused, a stolen token cannot connect, the same key may ask again", async () => {
  const server = await newServer();
  const first = await enrol(server.token);
  assert.equal(first.res.status, 200);
  const stolen = await enrol(server.token);
  assert.equal(stolen.res.status, 401);
  assert.equal(stolen.res.body.error.code, "INSTALL_TOKEN_USED");
  // Nor does the spent token open the API's token socket that agents before enrolment use.
  await assert.rejects(AgentPeer.connect(await t.agentUrl(), { token: server.token }), { status: 401 });
  // A lost answer: the agent that holds the key asks again and gets a certificate of that key.
  const again = await enrol(server.token, first.keyPem);
  assert.equal(again.res.status, 200);
  assert.ok(new X509Certificate(again.res.body.certificate_pem).checkPrivateKey(createPrivateKey(first.keyPem)));
  const unknown = await t.call("POST", "/agent/enrol", {
    body: { token: `syn_agt_${"x".repeat(40)}`, csr: (await certificateRequest({ commonName: "a" })).csrPem },
  });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.error.code, "UNAUTHORIZED");
  const badCsr = await t.call("POST", "/agent/enrol", {
    body: {
      token: (await newServer()).token,
      csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
    },
  });
  assert.equal(badCsr.status, 400);
  assert.equal(badCsr.body.error.code, "CERTIFICATE_REQUEST_INVALID");
});

/** Resolves with how the connection attempt failed. */
async function refusal(tls: Record<string, unknown>): Promise<{ status?: number; message: string }> {
  try {
    const peer = await AgentPeer.connect(wsUrl(), { version: "0.2.0", tls });
    await peer.close();
    return { message: "connected" };
  } catch (err) {
    return { status: (err as { status?: number }).status, message: (err as Error).message };
  }
}

test("certificates from another CA, expired or revoked are refused before any message is read", async () => {
  const server = await newServer();
  const { res, keyPem } = await enrol(server.token);
  const foreign = await selfSignedCertificate({ commonName: server.id, names: ["agent.test"] });
  const other = await refusal({ ...tlsFor(foreign.keyPem, foreign.certPem) });
  assert.equal(other.status, undefined, "refused in the TLS handshake, with no HTTP answer");
  assert.notEqual(other.message, "connected");

  // Our CA's signature, the right key, but past its notAfter: the handshake refuses it too.
  const key = createPrivateKey(keyPem);
  const now = Date.now();
  const expired = issueCertificate({
    role: "client",
    commonName: server.id,
    publicKey: createPublicKey(key),
    issuer: endpoint.authority.caCertificate,
    signingKey: endpoint.authority.caKey,
    notBefore: new Date(now - 7_200_000),
    notAfter: new Date(now - 3_600_000),
  });
  const late = await refusal(tlsFor(keyPem, expired.pem));
  assert.equal(late.status, undefined);

  const peer = await AgentPeer.connect(wsUrl(), { version: "0.2.0", tls: tlsFor(keyPem, res.body.certificate_pem) });
  assert.equal((await peer.hello(server.id, { version: "0.2.0" })).accepted, true);
  const revoked = await t.call("POST", `/api/v1/servers/${server.id}/agent/revoke`, { as: owner });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.data.agent.enrolled, false);
  assert.equal(revoked.body.data.agent.certificate, null);
  // Cut at once, not at the next sweep.
  assert.equal((await peer.closed).code, 4005);
  const after = await refusal(tlsFor(keyPem, res.body.certificate_pem));
  assert.equal(after.status, 401, after.message);

  // A new install command enrols the agent again.
  const fresh = await t.call("POST", `/api/v1/servers/${server.id}/agent/install-token`, { as: owner });
  assert.equal(fresh.status, 201);
  assert.equal((await enrol(fresh.body.data.token)).res.status, 200);
});

test("during a storm, a certificate seen valid lately passes the upgrade on memory and the hello re-checks it", async () => {
  const [gone, kept] = [await newServer(), await newServer()];
  const a = await enrol(gone.token);
  const b = await enrol(kept.token);
  const hub = t.deps.agents;
  const now = t.deps.now().getTime();
  assert.ok((await hub.certificates.warm(t.deps.db, now)) >= 2);
  // Revoked behind this process's back (through another replica): this one still remembers it as valid.
  await t.deps.db
    .update(agentCertificates)
    .set({ revokedAt: t.deps.now() })
    .where(eq(agentCertificates.serverId, gone.id));
  // In a storm (32 lookups waiting), remembered certificates pass the upgrade without a query...
  let release: () => void = () => {};
  const held = new Promise<null>((resolve) => {
    release = () => resolve(null);
  });
  const holders = Array.from({ length: 32 }, (_, i) => hub.certificates.lookup(`held-${i}`, now, () => held));
  const stale = await AgentPeer.connect(wsUrl(), {
    version: "0.2.0",
    tls: tlsFor(a.keyPem, a.res.body.certificate_pem),
  });
  const fresh = await AgentPeer.connect(wsUrl(), {
    version: "0.2.0",
    tls: tlsFor(b.keyPem, b.res.body.certificate_pem),
  });
  // ...and the hello's write refuses the revoked one while it admits the valid one.
  stale.send("agent_hello", helloPayload(gone.id, { version: "0.2.0" }));
  const closed = await stale.closed;
  assert.equal(closed.code, 4011);
  assert.match(closed.reason, /no longer valid/, "refused by its hello, not by a later sweep");
  assert.equal((await fresh.hello(kept.id, { version: "0.2.0" })).accepted, true);
  release();
  await Promise.all(holders);
  // Out of a storm, the upgrade asks the database: the revoked certificate is refused at once.
  const after = await refusal(tlsFor(a.keyPem, a.res.body.certificate_pem));
  assert.equal(after.status, 401, after.message);
  await fresh.close();
});

test("deleting a server cuts its agent's connection and its certificate is refused", async () => {
  const server = await newServer();
  const { res, keyPem } = await enrol(server.token);
  const peer = await AgentPeer.connect(wsUrl(), { version: "0.2.0", tls: tlsFor(keyPem, res.body.certificate_pem) });
  await peer.hello(server.id, { version: "0.2.0" });
  assert.equal((await t.call("DELETE", `/api/v1/servers/${server.id}`, { as: owner })).status, 204);
  assert.equal((await peer.closed).code, 4004);
  assert.equal((await refusal(tlsFor(keyPem, res.body.certificate_pem))).status, 401);
  const rows = await t.deps.db.select().from(agentCertificates).where(eq(agentCertificates.serverId, server.id));
  assert.equal(rows.length, 0);
});

test("an agent renews its certificate with its current one", async () => {
  const server = await newServer();
  const { res, keyPem } = await enrol(server.token);
  const { request } = await import("node:https");
  const { csrPem } = await certificateRequest({ commonName: "agt_test", keyPem });
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const body = JSON.stringify({ csr: csrPem });
    const req = request(`https://127.0.0.1:${endpoint.port}${AGENT_ENDPOINT_PATHS.certificate}`, {
      method: "POST",
      ...tlsFor(keyPem, res.body.certificate_pem),
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (r) => {
      let text = "";
      r.on("data", (c) => {
        text += c;
      });
      r.on("end", () => resolve({ status: r.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
  assert.equal(answer.status, 200, answer.body);
  const renewed = JSON.parse(answer.body);
  assert.notEqual(renewed.certificate_pem, res.body.certificate_pem);
  const shown = await t.call("GET", `/api/v1/servers/${server.id}`, { as: owner });
  assert.equal(
    shown.body.data.agent.certificate.fingerprint_sha256,
    new X509Certificate(renewed.certificate_pem).fingerprint256.replaceAll(":", "").toLowerCase(),
  );
});

test("an agent older than the compatibility table allows is told to update, not accepted", async () => {
  const server = await newServer();
  const { res, keyPem } = await enrol(server.token);
  const peer = await AgentPeer.connect(wsUrl(), { version: "0.0.9", tls: tlsFor(keyPem, res.body.certificate_pem) });
  const ack = await peer.hello(server.id, { version: "0.0.9", capabilities: ["docker", "self_update"] });
  assert.equal(ack.accepted, false);
  assert.ok(!ack.accepted && ack.error.code === "AGENT_UPDATE_REQUIRED", JSON.stringify(ack));
  assert.match(ack.accepted ? "" : ack.error.message, /0\.0\.9 is too old .* 0\.1\.0 or newer/);
  // It can update itself, so it is told where its update is: this control plane's bundle, signed.
  assert.ok(!ack.accepted && ack.update);
  if (!ack.accepted && ack.update) {
    assert.equal(ack.update.version, endpoint.release?.version);
    assert.equal(ack.update.sha256, endpoint.release?.sha256);
    assert.match(ack.update.download_url, new RegExp(`^https://127\\.0\\.0\\.1:${endpoint.port}/agent/v1/bundles/`));
  }
  assert.equal((await peer.closed).code, 4010);
  const shown = await t.call("GET", `/api/v1/servers/${server.id}`, { as: owner });
  assert.equal(shown.body.data.status, "offline");
  assert.equal(shown.body.data.agent.update.state, "pending");
});

/** GET on the agent endpoint with the agent's certificate: the status and the body's bytes. */
function getWithCertificate(url: string, tls: Record<string, unknown>): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: "GET", ...tls });
    req.on("response", (r) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("an older agent is updated by itself: it gets a bundle it can verify with the key pinned at enrolment, and its next hello settles the update", async () => {
  const server = await newServer();
  const { res, keyPem } = await enrol(server.token);
  const grant = res.body;
  const tls = tlsFor(keyPem, grant.certificate_pem);
  const old = "0.1.5";
  const peer = await AgentPeer.connect(wsUrl(), { version: old, tls });
  assert.equal((await peer.hello(server.id, { version: old, capabilities: ["docker", "self_update"] })).accepted, true);

  // Automatic updates are on (the default): the hello of an older agent that can update itself is enough.
  const command = await peer.next("update_agent");
  const { version, download_url, sha256, signature } = command.payload;
  assert.equal(version, endpoint.release?.version);
  // What the agent checks before it stages anything: the digest of what it downloaded, signed by the pinned key.
  const bundle = await getWithCertificate(download_url, tls);
  assert.equal(bundle.status, 200);
  assert.equal(createHash("sha256").update(bundle.body).digest("hex"), sha256);
  assert.ok(signature);
  const pinned = createPublicKey(grant.bundle_signing_key_pem);
  const sig = Buffer.from(signature, "base64");
  assert.ok(verify(null, Buffer.from(updateSignedText(version, sha256)), pinned, sig));
  assert.ok(!verify(null, Buffer.from(updateSignedText(version, "0".repeat(64))), pinned, sig));
  // Without a certificate of ours the bundle is not handed out.
  const foreign = await selfSignedCertificate({ commonName: server.id, names: ["agent.test"] });
  await assert.rejects(getWithCertificate(download_url, tlsFor(foreign.keyPem, foreign.certPem)));

  peer.respond(command.payload.request_id, { success: true });
  assert.equal((await eventuallyState(server.id, "pending")).version, version);
  await peer.close();

  // The new version says hello: the update succeeded.
  const updated = await AgentPeer.connect(wsUrl(), { version, tls });
  assert.equal((await updated.hello(server.id, { version, capabilities: ["docker", "self_update"] })).accepted, true);
  assert.equal((await eventuallyState(server.id, "succeeded")).version, version);
  // Asked from the dashboard now, it is up to date: nothing is sent.
  const again = await t.call("POST", `/api/v1/servers/${server.id}/agent/update`, { as: owner });
  assert.equal(again.status, 202);
  assert.equal(again.body.data.outcome, "up_to_date");
  await updated.sync();
  assert.equal(updated.received.filter((m) => m.type === "update_agent").length, 0);
  await updated.close();
});

test("an update that rolled back is reported failed with the agent's reason and not sent again by itself; the dashboard can retry", async () => {
  const { server, tls, old, peer, command } = await olderAgentSentUpdate();
  peer.respond(command.payload.request_id, { success: true });
  await eventuallyState(server.id, "pending");
  await peer.close();

  const back = await AgentPeer.connect(wsUrl(), { version: old, tls });
  const reason = "the new version did not connect within 120 s";
  await back.hello(server.id, {
    version: old,
    capabilities: ["docker", "self_update"],
    update_result: { version: command.payload.version, outcome: "rolled_back", message: reason },
  });
  assert.equal((await eventuallyState(server.id, "failed")).message, reason);
  await back.sync();
  assert.equal(back.received.filter((m) => m.type === "update_agent").length, 0, "not sent again by itself");

  // The dashboard asks again; this time the agent refuses the bundle, and the API says why.
  const asked = t.call("POST", `/api/v1/servers/${server.id}/agent/update`, { as: owner });
  const retry = await back.next("update_agent");
  back.respond(retry.payload.request_id, {
    success: false,
    error: { code: "UPDATE_VERIFICATION_FAILED", message: "the bundle's signature does not verify" },
  });
  const answer = await asked;
  assert.equal(answer.body.error.code, "UPDATE_VERIFICATION_FAILED", JSON.stringify(answer.body));
  assert.equal((await eventuallyState(server.id, "failed")).message, "the bundle's signature does not verify");
  await back.close();
});

test("an update whose new version said hello but went back before making itself current is recorded failed", async () => {
  const { server, tls, old, peer, command } = await olderAgentSentUpdate();
  const version = command.payload.version;
  peer.respond(command.payload.request_id, { success: true });
  await eventuallyState(server.id, "pending");
  await peer.close();
  // The trial's hello is accepted (succeeded)...
  const trial = await AgentPeer.connect(wsUrl(), { version, tls });
  await trial.hello(server.id, { version, capabilities: ["docker", "self_update"] });
  await eventuallyState(server.id, "succeeded");
  await trial.close();
  // ...but it crashed before it renamed itself current: the launcher ran the old bundle, which says so.
  const back = await AgentPeer.connect(wsUrl(), { version: old, tls });
  const reason = `agent ${version} exited or did not connect within 120 s; ${old} runs again`;
  await back.hello(server.id, {
    version: old,
    capabilities: ["docker", "self_update"],
    update_result: { version, outcome: "rolled_back", message: reason },
  });
  assert.equal((await eventuallyState(server.id, "failed")).message, reason);
  const shown = (await t.call("GET", `/api/v1/servers/${server.id}`, { as: owner })).body.data;
  assert.equal(shown.agent_version, old);
  await back.close();
});

test("an update asked for while one is under way answers 409 UPDATE_IN_PROGRESS at once, and no second update_agent goes out", async () => {
  // The automatic update is out and the agent is still staging it (no answer yet).
  const { server, peer, command } = await olderAgentSentUpdate();
  const started = Date.now();
  const asked = await t.call("POST", `/api/v1/servers/${server.id}/agent/update`, { as: owner });
  assert.equal(asked.status, 409, JSON.stringify(asked.body));
  assert.equal(asked.body.error.code, "UPDATE_IN_PROGRESS");
  assert.ok(Date.now() - started < 10_000, "answered at once, not after the command timeout");
  const all = await t.call("POST", "/api/v1/servers/agents/update", { as: owner });
  assert.equal(all.body.data.find((o: { server_id: string }) => o.server_id === server.id)?.outcome, "in_progress");
  await peer.sync();
  assert.equal(peer.received.filter((m) => m.type === "update_agent").length, 1, "one update_agent only");
  assert.equal((await eventuallyState(server.id, "pending")).version, command.payload.version);
  peer.respond(command.payload.request_id, { success: true });
  await peer.close();
});

/** A new server's agent, enrolled, connected as an older version, and the automatic update_agent it was sent. */
async function olderAgentSentUpdate() {
  const server = await newServer();
  const { res, keyPem } = await enrol(server.token);
  const tls = tlsFor(keyPem, res.body.certificate_pem);
  const old = "0.1.5";
  const peer = await AgentPeer.connect(wsUrl(), { version: old, tls });
  await peer.hello(server.id, { version: old, capabilities: ["docker", "self_update"] });
  return { server, tls, old, peer, command: await peer.next("update_agent") };
}

/** The server's agent update once it reaches `state`. */
async function eventuallyState(serverId: string, state: string) {
  return eventually(
    async () => {
      const update = (await t.call("GET", `/api/v1/servers/${serverId}`, { as: owner })).body.data.agent.update;
      return update?.state === state && update;
    },
    { what: `agent update ${state}` },
  );
}
