import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import dns2 from "dns2";
import { eq } from "drizzle-orm";
import { servers } from "../db/schema";
import { createTestApp, type TestApp } from "../testing/harness";
import { recheckServerDomains, startDomainChecker } from "./domains";
import { normalizeDomain } from "./normalize";

const { Packet } = dns2;
// dns2's types lack RCODE and take only parsed resources as answers.
const NXDOMAIN = 3;
type Answer = { name: string; type: number; class: number; ttl: number; domain?: string; address?: string };
const HOSTNAME = "srv.example.com";
const PUBLIC_IP = "198.51.100.7";

/** The test zone: name -> records. Tests add records while the server runs. */
const zone = new Map<string, { a?: string[]; cname?: string }>([
  ["right-a.test.example", { a: [PUBLIC_IP] }],
  ["chain.test.example", { cname: "hop.test.example" }],
  ["hop.test.example", { cname: HOSTNAME }],
  [HOSTNAME, { a: [PUBLIC_IP] }],
  ["wrong-a.test.example", { a: ["203.0.113.9"] }],
  ["wrong-cname.test.example", { cname: "other.example.net" }],
  ["other.example.net", { a: ["192.0.2.1"] }],
  ["xn--bcher-kva.example", { a: [PUBLIC_IP] }],
]);

const dnsServer = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [question] = request.questions;
    const name = (question?.name ?? "").toLowerCase();
    // A wildcard record answers for any one label under it, as real DNS servers do.
    const entry = zone.get(name) ?? zone.get(`*.${name.split(".").slice(1).join(".")}`);
    const answers = response.answers as unknown as Answer[];
    if (!question || !entry) {
      response.header.rcode = NXDOMAIN;
      send(response);
      return;
    }
    if (question.type === Packet.TYPE.CNAME && entry.cname) {
      answers.push({ name, type: Packet.TYPE.CNAME, class: Packet.CLASS.IN, ttl: 60, domain: entry.cname });
    }
    if (question.type === Packet.TYPE.A) {
      for (const address of entry.a ?? []) {
        answers.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address });
      }
    }
    send(response);
  },
});

let t: TestApp;
let other: TestApp["call"];
let owner: { cookie: string };
let rival: { cookie: string };
let serviceId: string;
let secondServiceId: string;
let rivalServiceId: string;

async function setup(as: { cookie: string }, name: string): Promise<{ serviceId: string; serverId: string }> {
  const project = (await t.call("POST", "/api/v1/projects", { as, body: { name } })).body.data.id;
  const serverId = (await t.call("POST", "/api/v1/servers", { as, body: { name: `${name}-srv` } })).body.data.server_id;
  const svc = await t.call("POST", `/api/v1/projects/${project}/services`, {
    as,
    body: { name: "web", server_id: serverId, source_type: "image", source_config: { image: "nginx" } },
  });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  return { serviceId: svc.body.data.id, serverId };
}

before(async () => {
  await dnsServer.listen({ udp: { port: 0, address: "127.0.0.1" } });
  const port = dnsServer.addresses().udp?.port;
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true", SYNTRA_DNS_RESOLVER: `127.0.0.1:${port}` });
  other = t.call;
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  rival = await t.signup("rival@example.com", { orgName: "Rival" });
  const main = await setup(owner, "shop");
  serviceId = main.serviceId;
  // The agent normally reports these.
  await t.deps.db.update(servers).set({ hostname: HOSTNAME, publicIp: PUBLIC_IP }).where(eq(servers.id, main.serverId));
  const second = await t.call(
    "POST",
    `/api/v1/projects/${(await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner })).body.data.project_id}/services`,
    {
      as: owner,
      body: { name: "api", server_id: main.serverId, source_type: "image", source_config: { image: "nginx" } },
    },
  );
  secondServiceId = second.body.data.id;
  rivalServiceId = (await setup(rival, "rival")).serviceId;
});
after(async () => {
  await t.close();
  await dnsServer.close();
});

const add = (domain: string, id = serviceId, as = owner) =>
  other("POST", `/api/v1/services/${id}/domains`, { as, body: { domain } });
/** The service's custom domains that are routed (verified, with or without a certificate yet). */
const routed = async (id = serviceId): Promise<string[]> =>
  (
    (await t.call("GET", `/api/v1/services/${id}`, { as: owner })).body.data.domain_statuses as {
      domain: string;
      status: string;
    }[]
  )
    .filter((d) => ["verified", "certificate_pending", "active"].includes(d.status))
    .map((d) => d.domain);

test("normalizeDomain lowercases, converts IDNA to punycode, drops the trailing dot", () => {
  assert.equal(normalizeDomain("Bücher.Example", "body.domain"), "xn--bcher-kva.example");
  assert.equal(normalizeDomain("WWW.Example.COM.", "body.domain"), "www.example.com");
  assert.equal(normalizeDomain("*.apps.example.com", "body.domain"), "*.apps.example.com");
});

test("hostile names are refused with the field path before anything is stored", async () => {
  const hostile = [
    "a b.example.com",
    "a b",
    " ",
    "example.com/evil",
    "../etc/passwd",
    "../../x.example.com",
    "{}.example.com",
    'a".example.com',
    "`id`.example.com",
    "a\nb.example.com",
    "evil.example.com\n}",
    "localhost",
    "10.0.0.1",
    "198.51.100.7",
    "::1",
    "[::1]",
    `${"a".repeat(64)}.example.com`,
    `${"a.".repeat(126)}ab`,
    "-bad.example.com",
    "bad-.example.com",
    "a..example.com",
    "*.*.example.com",
    "ex_ample.com",
  ];
  assert.equal(`${"a.".repeat(126)}ab`.length, 254);
  for (const domain of hostile) {
    const res = await add(domain);
    assert.equal(res.status, 400, `${JSON.stringify(domain)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, "VALIDATION_ERROR");
    assert.equal(res.body.error.details[0].path, "body.domain", JSON.stringify(domain));
  }
  assert.equal(normalizeDomain(`${"a".repeat(63)}.example.com`, "x"), `${"a".repeat(63)}.example.com`);
  const list = await t.call("GET", `/api/v1/services/${serviceId}/domains`, { as: owner });
  assert.deepEqual(list.body.data, []);
});

test("a correct A record verifies at once and the domain is routed", async () => {
  const res = await add("Right-A.test.example");
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const d = res.body.data;
  assert.equal(d.domain, "right-a.test.example");
  assert.equal(d.status, "verified");
  assert.equal(d.status_reason, null);
  assert.ok(d.verified_at);
  assert.deepEqual(d.dns_records, [
    { type: "CNAME", name: "right-a.test.example", value: HOSTNAME },
    { type: "A", name: "right-a.test.example", value: PUBLIC_IP },
  ]);
  assert.ok((await routed()).includes("right-a.test.example"));
});

test("a CNAME chain ending at the server's hostname verifies; IDNA names are checked in punycode", async () => {
  assert.equal((await add("chain.test.example")).body.data.status, "verified");
  const idn = await add("bücher.example");
  assert.equal(idn.status, 201, JSON.stringify(idn.body));
  assert.equal(idn.body.data.domain, "xn--bcher-kva.example");
  assert.equal(idn.body.data.status, "verified");
});

test("wrong or missing records stay pending with a reason a person can act on, and are not routed", async () => {
  const wrongA = (await add("wrong-a.test.example")).body.data;
  assert.equal(wrongA.status, "pending_dns");
  assert.equal(wrongA.status_reason, `wrong-a.test.example points to 203.0.113.9, this server is ${PUBLIC_IP}`);
  const wrongCname = (await add("wrong-cname.test.example")).body.data;
  assert.equal(wrongCname.status_reason, `CNAME points to other.example.net, expected ${HOSTNAME}`);
  const missing = (await add("missing.test.example")).body.data;
  assert.equal(missing.status, "pending_dns");
  assert.equal(missing.status_reason, "no record found for missing.test.example");
  assert.ok(missing.last_checked_at);
  const wildcard = await add("*.wild.test.example");
  assert.equal(wildcard.status, 201);
  assert.equal(wildcard.body.data.status, "pending_dns");
  const now = await routed();
  for (const d of ["wrong-a.test.example", "wrong-cname.test.example", "missing.test.example", "*.wild.test.example"]) {
    assert.ok(!now.includes(d), d);
  }
});

test("a domain belongs to one service anywhere: 409 across services and organizations", async () => {
  assert.equal((await add("right-a.test.example", secondServiceId)).status, 409);
  const cross = await add("RIGHT-A.test.example.", rivalServiceId, rival);
  assert.equal(cross.status, 409);
  assert.equal(cross.body.error.code, "CONFLICT");
  // Through the service API too, on create and on PATCH.
  const patch = await t.call("PATCH", `/api/v1/services/${secondServiceId}`, {
    as: owner,
    body: { domains: ["chain.test.example"] },
  });
  assert.equal(patch.status, 409, JSON.stringify(patch.body));
  const svc = await t.call("GET", `/api/v1/services/${rivalServiceId}`, { as: rival });
  const created = await t.call("POST", `/api/v1/projects/${svc.body.data.project_id}/services`, {
    as: rival,
    body: {
      name: "stolen",
      server_id: svc.body.data.server_id,
      source_type: "image",
      source_config: { image: "nginx" },
      domains: ["missing.test.example"],
    },
  });
  assert.equal(created.status, 409, JSON.stringify(created.body));
});

test("another organization's service is not found", async () => {
  assert.equal((await add("fresh.test.example", rivalServiceId)).status, 404);
  assert.equal((await t.call("GET", `/api/v1/services/${rivalServiceId}/domains`, { as: owner })).status, 404);
  assert.equal(
    (await t.call("DELETE", `/api/v1/services/${serviceId}/domains/right-a.test.example`, { as: rival })).status,
    404,
  );
});

test("PATCH domains adds pending rows, keeps verified ones routed, removes the rest", async () => {
  const res = await t.call("PATCH", `/api/v1/services/${secondServiceId}`, {
    as: owner,
    body: { domains: ["api-new.test.example"] },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // What was sent comes back, pending until its DNS is verified.
  assert.deepEqual(res.body.data.domains, ["api-new.test.example"]);
  assert.deepEqual(res.body.data.domain_statuses[0].status, "pending_dns");
  const list = await t.call("GET", `/api/v1/services/${secondServiceId}/domains`, { as: owner });
  assert.deepEqual(
    list.body.data.map((d: { domain: string; status: string }) => [d.domain, d.status]),
    [["api-new.test.example", "pending_dns"]],
  );
  const cleared = await t.call("PATCH", `/api/v1/services/${secondServiceId}`, { as: owner, body: { domains: [] } });
  assert.equal(cleared.status, 200);
  assert.deepEqual((await t.call("GET", `/api/v1/services/${secondServiceId}/domains`, { as: owner })).body.data, []);
});

test("verify re-checks on demand; the periodic checker verifies once the record appears; delete unroutes", async () => {
  const before = await t.call("POST", `/api/v1/services/${serviceId}/domains/missing.test.example/verify`, {
    as: owner,
  });
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.equal(before.body.data.status, "pending_dns");

  zone.set("missing.test.example", { cname: HOSTNAME });
  const now = await t.call("POST", `/api/v1/services/${serviceId}/domains/missing.test.example/verify`, { as: owner });
  assert.equal(now.body.data.status, "verified");
  assert.ok((await routed()).includes("missing.test.example"));

  zone.set("wrong-a.test.example", { a: [PUBLIC_IP] });
  const checker = startDomainChecker(t.deps, 20);
  try {
    await eventually(async () => (await routed()).includes("wrong-a.test.example"));
  } finally {
    checker.stop();
  }

  const del = await t.call("DELETE", `/api/v1/services/${serviceId}/domains/wrong-a.test.example`, { as: owner });
  assert.equal(del.status, 204);
  assert.ok(!(await routed()).includes("wrong-a.test.example"));
  const gone = await t.call("DELETE", `/api/v1/services/${serviceId}/domains/wrong-a.test.example`, { as: owner });
  assert.equal(gone.status, 404);
});

test("when a server comes back with a new address its domains are checked again: still routed, with a reason", async () => {
  zone.set("moving.test.example", { a: [PUBLIC_IP] });
  const verified = await add("moving.test.example", secondServiceId);
  assert.equal(verified.body.data.status, "verified");
  const serverId = (await t.call("GET", `/api/v1/services/${secondServiceId}`, { as: owner })).body.data.server_id;
  // The server's agent reconnects from another address (the record still leads to the old one).
  await t.deps.db.update(servers).set({ hostname: null, publicIp: "203.0.113.50" }).where(eq(servers.id, serverId));
  await recheckServerDomains(t.deps, serverId);
  const list = await t.call("GET", `/api/v1/services/${secondServiceId}/domains`, { as: owner });
  const moving = list.body.data.find((d: { domain: string }) => d.domain === "moving.test.example");
  assert.equal(moving.status, "verified", "a DNS change never takes a site down by itself");
  assert.match(moving.status_reason, /203\.0\.113\.50/);
  await t.deps.db.update(servers).set({ hostname: HOSTNAME, publicIp: PUBLIC_IP }).where(eq(servers.id, serverId));
});

test("a wildcard domain verifies through a wildcard record only", async () => {
  zone.set("*.tenants.test.example", { a: [PUBLIC_IP] });
  const wild = await add("*.tenants.test.example", serviceId);
  assert.equal(wild.body.data.status, "verified", JSON.stringify(wild.body));
  // One subdomain's record does not make the whole wildcard point here.
  zone.set("one.only.test.example", { a: [PUBLIC_IP] });
  const partial = await add("*.only.test.example", serviceId);
  assert.equal(partial.body.data.status, "pending_dns");
  assert.match(partial.body.data.status_reason, /wildcard record \*\.only\.test\.example is missing/);
  assert.ok(!partial.body.data.status_reason.includes("syntra-probe"), "the reason names no internal probe");
});
