import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { type CertificateStatusPayload, envelope, parseMessage } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { httpsGet } from "@syntra/testing/https";
import { ensureTestImages } from "@syntra/testing/images";
import { selfSignedCertificate } from "@syntra/testing/openssl";
import { startPebble, type TestPebble } from "@syntra/testing/pebble";
import { freePorts } from "@syntra/testing/ports";
import { get } from "@syntra/testing/traffic";
import { type WebSocket, WebSocketServer } from "ws";
import { type RunningAgent, startAgent } from "./agent";
import { loadAgentConfig } from "./config";
import { networkName } from "./deploy/naming";
import { stopUpstreamDaemon } from "./proxy/upstream-table";
import { DockerRuntime } from "./runtime/docker";
import { startTestCaddy, type TestCaddy } from "./testing/caddy";
import { removeService, tempStateDir, uniqueName, webappPayload } from "./testing/fixtures";

// The whole agent (main.ts wiring, dispatcher, deployer, Caddy router, certificate reporter) against a stand-in
// for the control plane on the wire, a real Caddy with automatic HTTPS, Debian's pebble as the ACME CA, and the
// real Docker engine. The stand-in checks every frame the agent sends against the contracts.
const runtime = new DockerRuntime();
let pebble: TestPebble;
let caddy: TestCaddy;
let pebbleRoot: string;
let admin: Awaited<ReturnType<typeof recordingAdminProxy>>;
let wss: WebSocketServer;
let agent: RunningAgent | undefined;
let state: Awaited<ReturnType<typeof tempStateDir>>;
const sockets: WebSocket[] = [];
const received: { type: string; payload: Record<string, unknown> }[] = [];
const cleanups: (() => Promise<void>)[] = [];
const serverId = randomUUID();

before(async () => {
  await ensureTestImages("v1");
  const [httpPort = 0, httpsPort = 0] = await freePorts(2);
  pebble = await startPebble({ httpPort, tlsPort: httpsPort });
  pebbleRoot = await pebble.issuingRoot();
  // Started here, not by the agent: the agent finds it and sets its ACME log through the admin API.
  caddy = await startTestCaddy({ tls: true, httpPort, httpsPort, acme: { directoryUrl: pebble.directoryUrl } });
  admin = await recordingAdminProxy(caddy.adminUrl);
  // A control plane that predates enrolment: its plain HTTP routes answer 404, so the agent connects with its
  // install token (a bare WebSocketServer would answer 426 and the agent would keep trying to enrol).
  const controlPlane = http.createServer((_req, res) => res.writeHead(404).end());
  wss = new WebSocketServer({ server: controlPlane, path: "/agent/ws" });
  await new Promise<void>((resolve) => controlPlane.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        controlPlane.closeAllConnections();
        controlPlane.close(() => resolve());
      }),
  );
  wss.on("connection", (ws) => {
    sockets.push(ws);
    ws.on("message", (data) => {
      const parsed = parseMessage("agent_to_control_plane", data.toString());
      assert.ok(parsed.ok, `the agent sent an invalid frame: ${data.toString().slice(0, 500)}`);
      received.push(parsed.message as never);
      if (parsed.message.type === "agent_hello") ws.send(JSON.stringify(helloAck()));
    });
  });
  state = await tempStateDir();
  const config = loadAgentConfig({
    SYNTRA_URL: `http://127.0.0.1:${(controlPlane.address() as AddressInfo).port}`,
    SYNTRA_TOKEN: `syn_agt_${"a".repeat(40)}`,
    SYNTRA_SERVER_ID: serverId,
    SYNTRA_AGENT_STATE_DIR: state.dir,
    SYNTRA_CADDY_ADMIN_URL: admin.url,
    SYNTRA_PROXY_HTTP_PORT: String(httpPort),
    SYNTRA_PROXY_HTTPS_PORT: String(httpsPort),
    SYNTRA_ACME_DIRECTORY_URL: pebble.directoryUrl,
    SYNTRA_ACME_CA_ROOT: pebble.caRootPemPath,
    SYNTRA_ACME_EMAIL: "ops@syntra.test",
    SYNTRA_CERT_CHECK_SECONDS: "1",
    SYNTRA_AGENT_MAX_BACKOFF_SECONDS: "1",
    SYNTRA_AGENT_LOG_LEVEL: "warn",
  });
  agent = await startAgent(config);
});

after(async () => {
  await agent?.stop();
  // A stopped agent leaves the upstream DNS daemon to Caddy, as on a server; the test ends it.
  if (state) await stopUpstreamDaemon(path.join(state.dir, "caddy"));
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await new Promise<void>((resolve) => wss?.close(() => resolve()));
  await admin?.close();
  await caddy?.stop();
  await pebble?.stop();
  await state?.remove();
});

/**
 * Caddy's admin API as the agent sees it, through a relay that counts the certificate checks: each begins by
 * reading Caddy's apps config (GET /config/apps), which nothing else reads while routes stay as they are.
 */
async function recordingAdminProxy(target: string) {
  let reads = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: { "content-type": req.headers["content-type"] ?? "application/json" },
        body: body.length > 0 ? body : undefined,
      });
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
      res.end(Buffer.from(await answer.arrayBuffer()));
      if (req.method === "GET" && req.url === "/config/apps") {
        reads++;
        for (const w of waiters.filter((w) => w.at <= reads)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Resolves when `count` more certificate checks than now have begun (checks never overlap). */
    checks: (count: number) => new Promise<void>((resolve) => waiters.push({ at: reads + count, resolve })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function helloAck() {
  return envelope("hello_ack", {
    server_id: serverId,
    accepted: true,
    protocol_version: "1.0",
    server_name: "tls-test",
    org_id: randomUUID(),
    config: {
      heartbeat_interval_seconds: 30,
      telemetry_batch_interval_seconds: 5,
      telemetry_buffer_max_mb: 50,
      log_level: "warn",
    },
    pending_deployments: [],
  });
}

function sendToAgent(type: string, payload: unknown): void {
  const socket = sockets.at(-1);
  assert.ok(socket, "the agent is connected");
  socket.send(JSON.stringify(envelope(type as never, payload)));
}

/** Polls until `check` gives a value; a timeout lists the message types the agent sent. */
function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  return eventually(check, {
    what,
    timeoutMs: 60_000,
    diagnostic: () => `received: ${received.map((m) => m.type).join(",")}`,
  });
}

function messages(type: string, from = 0): Record<string, unknown>[] {
  return received.slice(from).flatMap((m) => (m.type === type ? [m.payload] : []));
}

/** The latest certificate_status entry for `domain` (sent from index `from` on) that satisfies `want`. */
function reported(domain: string, want: (c: CertificateStatusPayload["certificates"][number]) => boolean, from = 0) {
  const statuses = messages("certificate_status", from) as unknown as CertificateStatusPayload[];
  const entry = statuses.at(-1)?.certificates.find((c) => c.domain === domain);
  return entry && want(entry) ? entry : undefined;
}

test("deploy, then configure_routes: new domains and an uploaded wildcard certificate without a redeploy; statuses follow", async () => {
  await until(() => messages("certificate_status")[0], "a certificate_status after the hello");

  const name = uniqueName("tls");
  const first = `${name}.test`;
  const payload = webappPayload(name, {
    networking: { domains: [first], internal_hostname: `${name}.internal`, expose_port: false },
  });
  cleanups.push(() => removeService(runtime.docker, payload.service_id, networkName(payload)));
  sendToAgent("deploy", payload);
  await until(
    () => messages("deploy_status").find((s) => s.deployment_id === payload.deployment_id && s.status === "running"),
    "the deploy",
  );
  const res = await until(() => httpsGet(caddy.httpsPort, first, pebbleRoot), `HTTPS on ${first}`);
  assert.equal(res.body, "v1");
  const active = await until(() => reported(first, (c) => c.status === "active"), `an active status for ${first}`);
  assert.equal(active.source, "acme");
  assert.match(active.issuer ?? "", /Pebble Intermediate CA/);
  const containers = (await runtime.list({ serviceId: payload.service_id })).map((c) => c.id).sort();
  // The agent found Caddy running and pointed its ACME log at the agent's state directory.
  const events = await readFile(path.join(state.dir, "caddy", "acme-events.log"), "utf8");
  assert.match(events, new RegExp(`"certificate obtained successfully","identifier":"${first.replace(/\./g, "\\.")}"`));

  // The domain moves; a wildcard with an uploaded certificate joins.
  const zone = `${uniqueName("zone")}.test`;
  const second = `${uniqueName("moved")}.test`;
  const wildcard = await selfSignedCertificate({ commonName: "Syntra Test Wildcard", names: [`*.${zone}`] });
  const requestId = randomUUID();
  const since = received.length;
  sendToAgent("configure_routes", {
    request_id: requestId,
    service_id: payload.service_id,
    domains: [second, `*.${zone}`],
    certificates: [{ domains: [`*.${zone}`], cert_pem: wildcard.certPem, key_pem: wildcard.keyPem }],
  });
  const answer = await until(
    () => messages("command_response").find((r) => r.request_id === requestId),
    "the configure_routes answer",
  );
  assert.equal(answer.success, true, JSON.stringify(answer));
  assert.equal(JSON.stringify(answer).includes("PRIVATE KEY"), false, "the key is not echoed");

  const www = await httpsGet(caddy.httpsPort, `www.${zone}`, wildcard.certPem);
  assert.deepEqual([www.status, www.body], [200, "v1"]);
  assert.equal((await until(() => httpsGet(caddy.httpsPort, second, pebbleRoot), `HTTPS on ${second}`)).body, "v1");
  const old = await httpsGet(caddy.httpsPort, first, pebbleRoot).then(
    (r) => r.status,
    () => "refused",
  );
  assert.notEqual(old, 200, `${first} is not routed any more`);
  assert.deepEqual(
    (await runtime.list({ serviceId: payload.service_id })).map((c) => c.id).sort(),
    containers,
    "no redeploy: the same containers serve",
  );
  const stored = JSON.parse(await readFile(path.join(state.dir, "services", `${payload.service_id}.json`), "utf8"));
  assert.deepEqual(stored.current.deployment.networking.domains, [second, `*.${zone}`]);

  const custom = await until(
    () => reported(`*.${zone}`, (c) => c.status === "active", since),
    "a custom certificate status",
  );
  assert.equal(custom.source, "custom");
  assert.equal(custom.issuer, "CN=Syntra Test Wildcard");
  await until(
    () => reported(second, (c) => c.status === "active" && c.source === "acme", since),
    "an active ACME status",
  );
  const latest = messages("certificate_status").at(-1) as unknown as CertificateStatusPayload;
  assert.equal(
    latest.certificates.some((c) => c.domain === first),
    false,
  );
  assert.equal(latest.server_id, serverId);
  assert.equal(JSON.stringify(received).includes("PRIVATE KEY"), false, "no key ever goes back to the control plane");

  // Nothing changes any more: the checks every second send nothing new. Reports already under way when the
  // last status turned active (such as the debounced one after the route change) go out before the checks
  // that follow them, since checks never overlap; then two whole checks must send nothing.
  await admin.checks(3);
  const settled = messages("certificate_status").length;
  await admin.checks(3);
  assert.equal(messages("certificate_status").length, settled, "no report without a change");

  // A reconnect brings a full report after the new hello.
  const hellos = messages("agent_hello").length;
  sockets.at(-1)?.terminate();
  await until(() => (messages("agent_hello").length > hellos ? true : undefined), "a new hello");
  const helloAt = received.findLastIndex((m) => m.type === "agent_hello");
  await until(
    () => reported(second, (c) => c.status === "active", helloAt),
    "a certificate_status after the reconnect",
  );
});

test("configure_routes for a service this agent has not deployed is refused, and bad certificates too", async () => {
  const unknown = randomUUID();
  sendToAgent("configure_routes", { request_id: unknown, service_id: randomUUID(), domains: ["nowhere.test"] });
  const answer = await until(() => messages("command_response").find((r) => r.request_id === unknown), "an answer");
  assert.equal(answer.success, false);
  assert.equal((answer.error as { code: string }).code, "CONTAINER_NOT_FOUND");

  const name = uniqueName("badcert");
  const payload = webappPayload(name);
  cleanups.push(() => removeService(runtime.docker, payload.service_id, networkName(payload)));
  sendToAgent("deploy", payload);
  await until(
    () => messages("deploy_status").find((s) => s.deployment_id === payload.deployment_id && s.status === "running"),
    "the deploy",
  );
  const a = await selfSignedCertificate({ commonName: "A", names: [`${name}.syntra.test`] });
  const b = await selfSignedCertificate({ commonName: "B", names: [`${name}.syntra.test`] });
  const requestId = randomUUID();
  sendToAgent("configure_routes", {
    request_id: requestId,
    service_id: payload.service_id,
    domains: [`${name}.syntra.test`],
    certificates: [{ domains: [`${name}.syntra.test`], cert_pem: a.certPem, key_pem: b.keyPem }],
  });
  const refused = await until(() => messages("command_response").find((r) => r.request_id === requestId), "an answer");
  assert.equal(refused.success, false);
  assert.equal((refused.error as { code: string }).code, "VALIDATION_ERROR");
  assert.match((refused.error as { message: string }).message, /does not belong to its certificate/);
  const stored = JSON.parse(await readFile(path.join(state.dir, "services", `${payload.service_id}.json`), "utf8"));
  assert.equal(stored.current.deployment.networking.certificates, undefined, "the refused settings are not stored");
});

test("the agent reports what its proxy routes on connect, after a deploy and after configure_routes; .localhost stays plain HTTP", async () => {
  const hello = messages("agent_hello")[0] as { proxy?: unknown; machine_id?: string };
  assert.deepEqual(hello.proxy, { http_port: caddy.httpPort, https_port: caddy.httpsPort, tls: true });
  assert.match(hello.machine_id ?? "0".repeat(32), /^[0-9a-f]{32}$/);
  await until(() => messages("routes_report")[0], "a routes_report after the hello");

  const name = uniqueName("plain");
  const local = `${name}.localhost`;
  const payload = webappPayload(name, {
    networking: { domains: [local], internal_hostname: `${name}.internal`, expose_port: false },
  });
  cleanups.push(() => removeService(runtime.docker, payload.service_id, networkName(payload)));
  const since = received.length;
  sendToAgent("deploy", payload);
  type Report = { services: { service_id: string; domains: string[]; custom_certificates: unknown[] }[] };
  const routedNow = (from: number) =>
    (messages("routes_report", from) as unknown as Report[])
      .flatMap((r) => r.services)
      .find((s) => s.service_id === payload.service_id);
  const afterDeploy = await until(() => routedNow(since), "a routes_report after the deploy");
  assert.deepEqual(afterDeploy, { service_id: payload.service_id, domains: [local], custom_certificates: [] });
  // No public CA issues for .localhost: plain HTTP on the HTTP port, no redirect, no certificate status.
  assert.deepEqual(await get(caddy.httpPort, local), { status: 200, body: "v1" });
  assert.equal(
    (messages("certificate_status", since) as unknown as CertificateStatusPayload[]).some((r) =>
      r.certificates.some((c) => c.domain === local),
    ),
    false,
  );

  const zone = `${uniqueName("zone")}.test`;
  const wildcard = await selfSignedCertificate({ commonName: "Report Wildcard", names: [`*.${zone}`] });
  const beforeRoutes = received.length;
  sendToAgent("configure_routes", {
    request_id: randomUUID(),
    service_id: payload.service_id,
    domains: [local, `*.${zone}`],
    certificates: [{ domains: [`*.${zone}`], cert_pem: wildcard.certPem, key_pem: wildcard.keyPem }],
  });
  const afterRoutes = await until(
    () => (routedNow(beforeRoutes)?.domains.length === 2 ? routedNow(beforeRoutes) : undefined),
    "a routes_report after configure_routes",
  );
  const sha256 = (await import("node:crypto")).createHash("sha256").update(wildcard.certPem).digest("hex");
  assert.deepEqual(afterRoutes.custom_certificates, [{ domain: `*.${zone}`, sha256 }]);
});
