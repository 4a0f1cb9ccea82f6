import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import dns2 from "dns2";
import { eq } from "drizzle-orm";
import { plainWork } from "../audit/unit-of-work";
import { enqueueBuild } from "../builds/queue";
import { deployments, services } from "../db/schema";
import { dispatchNext } from "../deployments/dispatch";
import { AgentPeer } from "../testing/agent-peer";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";

// "Running and verified means routed", whatever order the deploy, the build and the DNS check happen in: the
// deploy takes the domains verified when it leaves, and the agent's routes_report after each deploy is
// compared with what should be routed, the difference repaired with configure_routes.

const { Packet } = dns2;
// The agent peer reports this public address; the zone points the shop domains at it once a test says so.
const PUBLIC_IP = "203.0.113.7";
const pointed = new Set<string>();
const dns = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const question = request.questions[0];
    const name = (question?.name ?? "").toLowerCase();
    if (question?.type === Packet.TYPE.A && pointed.has(name)) {
      (response.answers as unknown as object[]).push({
        name,
        type: Packet.TYPE.A,
        class: Packet.CLASS.IN,
        ttl: 60,
        address: PUBLIC_IP,
      });
    } else {
      response.header.rcode = 3;
    }
    send(response);
  },
});

let t: TestApp;
let url: string;
let owner: { cookie: string };
let server: { id: string; token: string };
let projectId: string;

before(async () => {
  await dns.listen({ udp: { port: 0, address: "127.0.0.1" } });
  t = await createTestApp({ SYNTRA_DNS_RESOLVER: `127.0.0.1:${dns.addresses().udp?.port}` });
  url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const srv = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "edge-1" } });
  server = { id: srv.body.data.server_id, token: srv.body.data.token };
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
});
after(async () => {
  await t.close();
  await dns.close();
});

/** A service with custom domains only (its default domain is another test's subject). */
async function createService(body: Record<string, unknown>): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: { default_domain_enabled: false, ...body },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}

/** The DNS record now leads to the server, and Syntra checks it (as its periodic check would). */
async function pointAndVerify(serviceId: string, domain: string): Promise<void> {
  pointed.add(domain);
  const res = await t.call("POST", `/api/v1/services/${serviceId}/domains/${domain}/verify`, { as: owner });
  assert.equal(res.body.data.status, "verified", JSON.stringify(res.body));
}

function reportRunning(peer: AgentPeer, deploymentId: string, serviceId: string): void {
  peer.send("deploy_status", {
    deployment_id: deploymentId,
    service_id: serviceId,
    status: "running",
    phase: "cleanup",
    progress_percent: 100,
    message: "running",
    started_at: new Date().toISOString(),
    finished_at: new Date().toISOString(),
  });
}

test("a domain verified while the first deploy is in flight is routed once it runs", async () => {
  const domain = "shop.example.com";
  const serviceId = await createService({ ...imageServiceBody("web", server.id), domains: [domain] });
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  const deploy = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body: {} });
  const sent = await peer.next("deploy");
  assert.deepEqual(sent.payload.networking.domains, [], "not verified when the deploy left");

  // The DNS check lands while the agent deploys: the service has no running deployment to reconfigure yet.
  await pointAndVerify(serviceId, domain);
  reportRunning(peer, deploy.body.data.id, serviceId);
  // After the deploy, the agent reports what its proxy routes: nothing for this service.
  peer.send("routes_report", {
    server_id: server.id,
    services: [{ service_id: serviceId, domains: [], custom_certificates: [] }],
  });
  const repair = await peer.next("configure_routes");
  assert.equal(repair.payload.service_id, serviceId);
  assert.deepEqual(repair.payload.domains, [domain]);
  peer.respond(repair.payload.request_id, { success: true });

  // Once the proxy routes it, a report changes nothing: the next message is the answer to a later command.
  peer.send("routes_report", {
    server_id: server.id,
    services: [{ service_id: serviceId, domains: [domain], custom_certificates: [] }],
  });
  const restart = t.call("POST", `/api/v1/services/${serviceId}/restart`, { as: owner });
  const next = await peer.next("restart");
  peer.respond(next.payload.request_id, { success: true });
  assert.equal((await restart).status, 200);
  assert.equal(
    peer.received.filter((m) => m.type === "configure_routes").length,
    1,
    `only one repair before ${next.type}`,
  );
  await peer.close();
});

test("a domain verified while its service builds goes out with the deploy that follows the build", async () => {
  const domain = "api.example.com";
  const serviceId = await createService({
    name: "api",
    server_id: server.id,
    source_type: "dockerfile",
    source_config: { repo_url: "https://git.example.com/acme/api.git", branch: "main" },
    port: 3000,
    domains: [domain],
  });
  const [service] = await t.deps.db.select().from(services).where(eq(services.id, serviceId));
  assert.ok(service);
  const build = await enqueueBuild(t.deps, service, { trigger: "manual", userId: null }, plainWork(t.deps.db));
  assert.deepEqual(build.specSnapshot?.domains, [], "queued before the domain was verified");

  await pointAndVerify(serviceId, domain);
  // The build finishes as the build worker ends one: the image recorded, the deployment queued, dispatched.
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  await t.deps.db
    .update(deployments)
    .set({ status: "queued", image: "registry.local:5000/acme/shop/api:abc123" })
    .where(eq(deployments.id, build.id));
  await dispatchNext(t.deps, serviceId);
  const sent = await peer.next("deploy", (m) => m.payload.deployment_id === build.id);
  assert.deepEqual(sent.payload.networking.domains, [domain]);
  await peer.close();
});

test("a reconnecting agent whose proxy lost a route, or another server's report, is answered for its own only", async () => {
  const domain = "www.example.com";
  const serviceId = await createService({ ...imageServiceBody("www", server.id), domains: [domain] });
  await pointAndVerify(serviceId, domain);
  const rival = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "rival" } });
  const { peer: rivalPeer } = await AgentPeer.online(url, rival.body.data.token, rival.body.data.server_id);
  rivalPeer.send("routes_report", {
    server_id: rival.body.data.server_id,
    services: [{ service_id: serviceId, domains: [], custom_certificates: [] }],
  });
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  peer.send("routes_report", {
    server_id: server.id,
    services: [{ service_id: serviceId, domains: ["stale.example.com"], custom_certificates: [] }],
  });
  const repair = await peer.next("configure_routes", (m) => m.payload.service_id === serviceId);
  assert.deepEqual(repair.payload.domains, [domain]);
  assert.equal(
    rivalPeer.received.some((m) => m.type === "configure_routes"),
    false,
    "another server's agent is not told about this service",
  );
  await peer.close();
  await rivalPeer.close();
});
