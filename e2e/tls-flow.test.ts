import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { httpGet, httpsGet } from "@syntra/testing/https";
import { ensureTestImages } from "@syntra/testing/images";
import { selfSignedCertificate } from "@syntra/testing/openssl";
import { startPebble, type TestPebble } from "@syntra/testing/pebble";
import { freePorts } from "@syntra/testing/ports";
import { createWebService, deployAndWait, type Stack, startStack } from "./stack";

// Issue 4's check, end to end: a service with a domain whose DNS record the local DNS server serves, verified
// by the control plane, a certificate issued by Debian's pebble through the agent's Caddy, HTTPS answered with
// pebble's root as the only trust anchor, and the certificate's issuer and expiry shown by the API.

const DOMAIN = "secure.e2e.test";
let pebble: TestPebble;
let stack: Stack;
let serviceId: string;

interface DomainView {
  domain: string;
  status: string;
  status_reason: string | null;
  certificate: {
    source: string;
    status: string;
    issuer: string | null;
    not_after: string | null;
    error_code: string | null;
  };
}

async function domainsOf(): Promise<DomainView[]> {
  return (await stack.t.call("GET", `/api/v1/services/${serviceId}/domains`, { as: stack.owner })).body.data;
}
async function domainView(name: string): Promise<DomainView | undefined> {
  return (await domainsOf()).find((d) => d.domain === name);
}

before(async () => {
  await ensureTestImages("v1");
  const [httpPort = 0, httpsPort = 0] = await freePorts(2);
  pebble = await startPebble({ httpPort, tlsPort: httpsPort });
  stack = await startStack({}, { tls: { ...pebble, httpPort, httpsPort } });
  serviceId = await createWebService(stack, "secure", DOMAIN, 1);
  const d = await deployAndWait(stack, serviceId, { image_tag: "v1" });
  assert.equal(d.status, "running", d.error_message ?? "");
});
after(async () => {
  await stack?.close();
  await pebble?.stop();
});

test("a verified domain becomes active with a pebble certificate, served over HTTPS; HTTP redirects", async () => {
  await eventually(async () => (await domainView(DOMAIN))?.status === "active", {
    timeoutMs: 60_000,
    diagnostic: () => stack.agent.output(),
  });
  const view = await domainView(DOMAIN);
  assert.equal(view?.certificate.source, "acme");
  assert.equal(view?.certificate.status, "active");
  assert.match(view?.certificate.issuer ?? "", /Pebble/);
  assert.ok(Date.parse(view?.certificate.not_after ?? "") > Date.now(), "expiry in the future");

  const root = await pebble.issuingRoot();
  const answer = await httpsGet(stack.caddy.httpsPort, DOMAIN, root);
  assert.equal(answer.status, 200);
  assert.equal(answer.body.trim(), "v1");
  assert.ok(answer.certificate?.subjectAltName?.includes(`DNS:${DOMAIN}`));
  const plain = await httpGet(stack.caddy.httpPort, DOMAIN);
  assert.equal(plain.status, 308);
  // Caddy names the HTTPS port only when it is not 443; in production it is 443.
  assert.match(plain.headers.location ?? "", /^https:\/\/secure\.e2e\.test(:\d+)?\/$/);
});

test("an uploaded certificate is served for its domain instead of ACME, with no redeploy", async () => {
  const name = "custom.e2e.test";
  const added = await stack.t.call("POST", `/api/v1/services/${serviceId}/domains`, {
    as: stack.owner,
    body: { domain: name },
  });
  assert.equal(added.body.data.status, "verified", JSON.stringify(added.body));
  const pem = await selfSignedCertificate({ commonName: "Acme Internal CA", names: [name] });
  const up = await stack.t.call("PUT", `/api/v1/services/${serviceId}/domains/${name}/certificate`, {
    as: stack.owner,
    body: { certificate_pem: pem.certPem, private_key_pem: pem.keyPem },
  });
  assert.equal(up.status, 200, JSON.stringify(up.body));
  await eventually(
    async () => {
      const res = await httpsGet(stack.caddy.httpsPort, name, pem.certPem).catch(() => null);
      return res?.body.trim() === "v1";
    },
    { timeoutMs: 30_000 },
  );
  await eventually(async () => (await domainView(name))?.status === "active", { timeoutMs: 30_000 });
  assert.equal((await domainView(name))?.certificate.source, "custom");
});

test("a domain whose challenge cannot reach this server is reported failed with the reason", async () => {
  const name = "unreachable.e2e.test";
  // pebble's DNS sends the CA to an address where nothing listens: the HTTP-01 challenge cannot connect.
  await pebble.setDnsRecord(name, ["127.0.0.9"]);
  const added = await stack.t.call("POST", `/api/v1/services/${serviceId}/domains`, {
    as: stack.owner,
    body: { domain: name },
  });
  assert.equal(added.body.data.status, "verified");
  await eventually(async () => (await domainView(name))?.status === "failed", {
    timeoutMs: 90_000,
    diagnostic: async () => `${JSON.stringify(await domainsOf())}\n${stack.agent.output()}`,
  });
  const view = await domainView(name);
  assert.equal(view?.certificate.error_code, "port_80_unreachable");
  assert.ok(view?.status_reason && view.status_reason.length > 10, "the CA's own words are kept");
  assert.equal((await domainView(DOMAIN))?.status, "active", "the other domains keep their certificates");
});
