import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { selfSignedCertificate } from "@syntra/testing/openssl";
import { eq } from "drizzle-orm";
import { domains } from "../db/schema";
import { AgentPeer } from "../testing/agent-peer";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { syncRoutedDomains } from "./claims";
import { recheckServerDomains } from "./domains";

// TLS of custom domains on the control plane: uploaded certificates (checked, key sealed, pushed to the agent
// without a redeploy) and the certificate facts the server's proxy reports.

let t: TestApp;
let url: string;
let owner: { cookie: string };
let server: { id: string; token: string };
let projectId: string;

async function routedService(name: string, domainNames: string[]): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    // Custom domains only: the default domain is services/default-domain.test.ts's subject.
    body: { ...imageServiceBody(name, server.id), domains: domainNames, default_domain_enabled: false },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  // Verified, as a passing DNS check would make them.
  for (const d of domainNames) await t.deps.db.update(domains).set({ status: "verified" }).where(eq(domains.domain, d));
  await syncRoutedDomains(t.deps.db, res.body.data.id);
  return res.body.data.id;
}

const certUrl = (serviceId: string, domain: string) => `/api/v1/services/${serviceId}/domains/${domain}/certificate`;

before(async () => {
  t = await createTestApp();
  url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const srv = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "edge-1" } });
  server = { id: srv.body.data.server_id, token: srv.body.data.token };
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
});
after(() => t.close());

test("an uploaded certificate is checked, its key sealed, and the running service's agent gets it at once", async () => {
  const serviceId = await routedService("web", ["shop.example.com"]);
  const good = await selfSignedCertificate({ commonName: "Shop CA", names: ["shop.example.com"] });
  const other = await selfSignedCertificate({ commonName: "Other", names: ["other.example.com"] });

  const refusals: [unknown, RegExp][] = [
    [{ certificate_pem: "not a cert", private_key_pem: good.keyPem }, /PEM certificate/],
    [{ certificate_pem: good.certPem, private_key_pem: "nope" }, /private key/],
    [{ certificate_pem: good.certPem, private_key_pem: other.keyPem }, /does not match/],
    [{ certificate_pem: other.certPem, private_key_pem: other.keyPem }, /does not cover shop\.example\.com/],
  ];
  for (const [body, message] of refusals) {
    const res = await t.call("PUT", certUrl(serviceId, "shop.example.com"), { as: owner, body });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error.message, message);
    assert.ok(!JSON.stringify(res.body).includes("PRIVATE KEY"), "errors never echo the key");
  }

  // The service runs: the agent gets configure_routes with the certificate, no redeploy.
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  const deploy = await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body: {} });
  const cmd = await peer.next("deploy");
  assert.equal(cmd.payload.networking.certificates, undefined, "no uploaded certificate yet");
  peer.send("deploy_status", {
    deployment_id: deploy.body.data.id,
    service_id: serviceId,
    status: "running",
    phase: "cleanup",
    progress_percent: 100,
    message: "running",
    started_at: "2026-01-01T00:00:00.000Z",
    finished_at: "2026-01-01T00:00:02.000Z",
  });
  await eventually(async () => {
    const d = await t.call("GET", `/api/v1/deployments/${deploy.body.data.id}`, { as: owner });
    return d.body.data.status === "running";
  });

  const res = await t.call("PUT", certUrl(serviceId, "shop.example.com"), {
    as: owner,
    body: { certificate_pem: good.certPem, private_key_pem: good.keyPem },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.data.certificate.source, "custom");
  assert.match(res.body.data.certificate.issuer, /Shop CA/);
  assert.ok(Date.parse(res.body.data.certificate.not_after) > Date.now());
  assert.ok(!JSON.stringify(res.body).includes("PRIVATE KEY"), "the key is never answered");
  const [stored] = await t.deps.db.select().from(domains).where(eq(domains.domain, "shop.example.com"));
  assert.ok(stored?.certificateKeyEncrypted && !stored.certificateKeyEncrypted.toString("latin1").includes("PRIVATE"));

  const routes = await peer.next("configure_routes");
  assert.equal(routes.payload.service_id, serviceId);
  assert.deepEqual(routes.payload.domains, ["shop.example.com"]);
  assert.equal(routes.payload.certificates?.[0]?.key_pem, good.keyPem, "the agent gets the key it needs");
  peer.send("command_response", { request_id: routes.payload.request_id, success: true, data: { routed: 1 } });

  // The next deploy carries it too.
  await t.call("POST", `/api/v1/services/${serviceId}/deploy`, { as: owner, body: {} });
  const next = await peer.next("deploy");
  assert.deepEqual(next.payload.networking.certificates?.[0]?.domains, ["shop.example.com"]);
  assert.ok(!t.logs.join("\n").includes(good.keyPem.split("\n")[1] ?? "-"), "the key never reaches the logs");

  // Back to ACME: the certificate is gone and the agent is told.
  const back = await t.call("DELETE", certUrl(serviceId, "shop.example.com"), { as: owner });
  assert.equal(back.body.data.certificate.source, "acme");
  const acme = await peer.next("configure_routes");
  assert.equal(acme.payload.certificates, undefined);
  await peer.close();
});

test("a wildcard domain takes a wildcard certificate only", async () => {
  const serviceId = await routedService("tenants", ["*.tenants.example.com"]);
  const single = await selfSignedCertificate({ commonName: "one", names: ["a.tenants.example.com"] });
  const wild = await selfSignedCertificate({ commonName: "Wild CA", names: ["*.tenants.example.com"] });
  const refused = await t.call("PUT", certUrl(serviceId, "*.tenants.example.com"), {
    as: owner,
    body: { certificate_pem: single.certPem, private_key_pem: single.keyPem },
  });
  assert.equal(refused.status, 400);
  const ok = await t.call("PUT", certUrl(serviceId, "*.tenants.example.com"), {
    as: owner,
    body: { certificate_pem: wild.certPem, private_key_pem: wild.keyPem },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test("the proxy's certificate reports move domains to active or failed with the reason; only its own", async () => {
  const serviceId = await routedService("api", ["api.example.com", "www.example.com"]);
  const list = async () =>
    (await t.call("GET", `/api/v1/services/${serviceId}/domains`, { as: owner })).body.data as {
      domain: string;
      status: string;
      status_reason: string | null;
      certificate: { status: string; issuer: string | null; not_after: string | null; error_code: string | null };
    }[];
  const rival = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "rival" } });
  const { peer: rivalPeer } = await AgentPeer.online(url, rival.body.data.token, rival.body.data.server_id);
  rivalPeer.send("certificate_status", {
    server_id: rival.body.data.server_id,
    certificates: [
      { domain: "api.example.com", source: "acme", status: "active", checked_at: new Date().toISOString() },
    ],
  });
  // Another server's agent cannot speak for these domains.
  await rivalPeer.sync();
  assert.ok((await list()).every((d) => d.status === "verified" && d.certificate.status === "none"));
  const { peer } = await AgentPeer.online(url, server.token, server.id);
  const now = new Date().toISOString();
  peer.send("certificate_status", {
    server_id: server.id,
    certificates: [
      {
        domain: "api.example.com",
        source: "acme",
        status: "active",
        issuer: "CN=Pebble Intermediate CA 1a2b3c",
        not_before: now,
        not_after: new Date(Date.now() + 90 * 86_400_000).toISOString(),
        checked_at: now,
      },
      {
        domain: "www.example.com",
        source: "acme",
        status: "failed",
        error: { code: "dns_not_pointing_here", message: "DNS problem: NXDOMAIN looking up A for www.example.com" },
        checked_at: now,
      },
    ],
  });
  await eventually(async () => (await list()).every((d) => d.status !== "verified"));
  const [api, www] = await list();
  assert.equal(api?.status, "active");
  assert.equal(api?.certificate.status, "active");
  assert.match(api?.certificate.issuer ?? "", /Pebble/);
  assert.ok(api?.certificate.not_after);
  assert.equal(www?.status, "failed");
  assert.equal(www?.certificate.error_code, "dns_not_pointing_here");
  assert.match(www?.status_reason ?? "", /NXDOMAIN/);
  // A DNS re-check (as on every agent reconnect) keeps the certificate error as the failed domain's reason.
  await recheckServerDomains(t.deps, server.id);
  const [, again] = await list();
  assert.equal(again?.status, "failed");
  assert.match(again?.status_reason ?? "", /NXDOMAIN/);
  await peer.close();
  await rivalPeer.close();
});
