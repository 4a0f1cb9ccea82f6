import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ownMachineId } from "../agents/agent-servers";
import { AgentPeer } from "../testing/agent-peer";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { baseLabel, defaultDomainOf } from "./default-domain";

// Every service answers on a generated name with no DNS set up: <label>.localhost on the control plane's own
// machine, <label>-<id>.<ip>.sslip.io on a server with a public address, <label>.<SYNTRA_APPS_DOMAIN>.

const id = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";
const service = { id, defaultDomainLabel: "web-shop", defaultDomainEnabled: true };
const server = {
  sameHost: false,
  publicIp: null as string | null,
  privateIp: "10.0.0.7" as string | null,
  proxyHttpPort: 80 as number | null,
  proxyHttpsPort: 443 as number | null,
  proxyTls: true as boolean | null,
};

test("labels are <service>-<project>, one DNS label, long ones shortened with a hash", () => {
  assert.equal(baseLabel("web", "shop"), "web-shop");
  assert.equal(baseLabel("api--v2", "My_Shop"), "api-v2-my-shop");
  const long = baseLabel("a".repeat(40), "b".repeat(40));
  assert.ok(long.length <= 54 && /^[a-z0-9-]+-[0-9a-f]{6}$/.test(long), long);
  assert.notEqual(long, baseLabel("a".repeat(40), `${"b".repeat(39)}c`), "the hash tells long names apart");
});

test("the kind of name and the scheme follow the server, the apps domain and the proxy", () => {
  assert.deepEqual(defaultDomainOf(service, { ...server, publicIp: "198.51.100.20" }, undefined), {
    domain: "web-shop-3f2a9c1e.198-51-100-20.sslip.io",
    url: "https://web-shop-3f2a9c1e.198-51-100-20.sslip.io/",
  });
  assert.deepEqual(defaultDomainOf(service, { ...server, sameHost: true, proxyHttpPort: 8080 }, undefined), {
    domain: "web-shop.localhost",
    url: "http://web-shop.localhost:8080/",
  });
  // A private address: reachable on its network, and no public CA reaches it, so plain HTTP.
  assert.equal(defaultDomainOf(service, server, undefined)?.url, "http://web-shop-3f2a9c1e.10-0-0-7.sslip.io/");
  assert.equal(
    defaultDomainOf(service, { ...server, proxyHttpsPort: 8443 }, "apps.example.com")?.url,
    "https://web-shop.apps.example.com:8443/",
  );
  assert.equal(
    defaultDomainOf(service, { ...server, proxyTls: false }, "apps.example.com")?.url,
    "http://web-shop.apps.example.com/",
  );
  assert.equal(defaultDomainOf({ ...service, defaultDomainEnabled: false }, server, undefined), null);
});

let t: TestApp;
let url: string;
let owner: { cookie: string };
let srv: { id: string; token: string };

before(async () => {
  t = await createTestApp();
  url = await t.agentUrl();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const created = await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "local" } });
  srv = { id: created.body.data.server_id, token: created.body.data.token };
});
after(() => t.close());

async function project(name: string): Promise<string> {
  return (await t.call("POST", "/api/v1/projects", { as: owner, body: { name } })).body.data.id;
}

test("a service on the control plane's machine answers on <service>-<project>.localhost, routed from its first deploy", async () => {
  const machineId = await ownMachineId();
  const { peer } = await AgentPeer.online(url, srv.token, srv.id);
  // The agent says it runs here (same machine id), without a public address, its proxy on 8080 without TLS.
  await peer.close();
  const again = await AgentPeer.connect(url, { token: srv.token });
  await again.hello(srv.id, {
    network: { hostname: "laptop", public_ip: null, private_ip: "192.168.1.20" },
    ...(machineId && { machine_id: machineId }),
    proxy: { http_port: 8080, https_port: 8443, tls: true },
  });
  const shop = await project("Shop");
  const res = await t.call("POST", `/api/v1/projects/${shop}/services`, {
    as: owner,
    body: imageServiceBody("web", srv.id),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const expected = machineId
    ? "web-shop.localhost"
    : `web-shop-${res.body.data.id.replaceAll("-", "").slice(0, 8)}.192-168-1-20.sslip.io`;
  assert.equal(res.body.data.default_domain, expected);
  assert.equal(res.body.data.default_url, `http://${expected}:8080/`, ".localhost has no public certificate: HTTP");
  assert.equal(res.body.data.default_domain_enabled, true);

  await t.call("POST", `/api/v1/services/${res.body.data.id}/deploy`, { as: owner, body: {} });
  const deploy = await again.next("deploy");
  assert.deepEqual(deploy.payload.networking.domains, [expected], "routed with no DNS check");
  await again.close();
});

test("labels are unique, kept through renames, and turning the default domain off and on renames it", async () => {
  const blog = await project("Blog");
  const blogTwo = await project("Blog Two");
  const two = await project("Two");
  const create = (projectId: string, name: string) =>
    t.call("POST", `/api/v1/projects/${projectId}/services`, { as: owner, body: imageServiceBody(name, srv.id) });
  const a = await create(blog, "web");
  // "x" in "blog-two" and "x-blog" in "two" make the same label: the second gets the start of its id.
  const b = await create(blogTwo, "x");
  const c = await create(two, "x-blog");
  assert.equal(b.status, 201, JSON.stringify(b.body));
  const labelOf = (r: { body: { data: { default_domain: string } } }) => r.body.data.default_domain.split(".")[0];
  assert.equal(labelOf(b), "x-blog-two");
  assert.equal(labelOf(c), `x-blog-two-${c.body.data.id.replaceAll("-", "").slice(0, 6)}`);

  const renamed = await t.call("PATCH", `/api/v1/services/${a.body.data.id}`, { as: owner, body: { name: "y" } });
  assert.equal(renamed.body.data.default_domain, a.body.data.default_domain, "a rename keeps the name: links work");
  const off = await t.call("PATCH", `/api/v1/services/${a.body.data.id}`, {
    as: owner,
    body: { default_domain_enabled: false },
  });
  assert.equal(off.body.data.default_url, null);
  assert.equal(off.body.data.default_domain_enabled, false);
  const on = await t.call("PATCH", `/api/v1/services/${a.body.data.id}`, {
    as: owner,
    body: { default_domain_enabled: true },
  });
  assert.equal(labelOf(a), "web-blog");
  assert.equal(labelOf(on), "y-blog", "turned on again, it takes the names of now");
});

test("SYNTRA_APPS_DOMAIN names every default domain under the operator's wildcard, with HTTPS", async () => {
  const withApps = await createTestApp({ SYNTRA_APPS_DOMAIN: "Apps.Example.com." });
  try {
    const boss = await withApps.signup("boss@example.com", { orgName: "Acme" });
    const server = await withApps.call("POST", "/api/v1/servers", { as: boss, body: { name: "edge" } });
    const p = await withApps.call("POST", "/api/v1/projects", { as: boss, body: { name: "Shop" } });
    const res = await withApps.call("POST", `/api/v1/projects/${p.body.data.id}/services`, {
      as: boss,
      body: imageServiceBody("web", server.body.data.server_id),
    });
    assert.equal(res.body.data.default_url, "https://web-shop.apps.example.com/");
  } finally {
    await withApps.close();
  }
  const bad = await createTestApp({ SYNTRA_APPS_DOMAIN: "not a domain" }).then(
    (app) => app.close().then(() => "started"),
    (err: Error) => err.message,
  );
  assert.match(bad, /SYNTRA_APPS_DOMAIN/);
});
