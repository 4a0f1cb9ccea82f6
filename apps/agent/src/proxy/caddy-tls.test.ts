import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { eventually as poll } from "@syntra/testing/eventually";
import { httpGet, httpsGet, startUpstream } from "@syntra/testing/https";
import { type PemPair, selfSignedCertificate } from "@syntra/testing/openssl";
import { startPebble, type TestPebble } from "@syntra/testing/pebble";
import { freePorts } from "@syntra/testing/ports";
import { isAgentError } from "../errors";
import { startTestCaddy, type TestCaddy } from "../testing/caddy";
import { uniqueName } from "../testing/fixtures";
import type { CertificateInfo } from "./types";

// Real Caddy with automatic HTTPS against Debian's pebble on loopback: pebble validates its challenges at the
// test Caddy's HTTP and HTTPS ports, and its DNS server answers 127.0.0.1 for every name unless told otherwise.
let pebble: TestPebble;
let caddy: TestCaddy;
let pebbleRoot: string;
let app: Awaited<ReturnType<typeof startUpstream>>;
const closers: (() => Promise<void>)[] = [];

before(async () => {
  const [httpPort = 0, httpsPort = 0] = await freePorts(2);
  pebble = await startPebble({ httpPort, tlsPort: httpsPort });
  caddy = await startTestCaddy({
    tls: true,
    httpPort,
    httpsPort,
    acme: { directoryUrl: pebble.directoryUrl, caRootPemFile: pebble.caRootPemPath, email: "ops@syntra.test" },
  });
  pebbleRoot = await pebble.issuingRoot();
  app = await startUpstream("hello from the app");
});

after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await app?.close();
  await caddy?.stop();
  await pebble?.stop();
});

/** Polls until `check` gives a value; a timeout shows the end of Caddy's ACME log. */
function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  return poll(check, { what, timeoutMs: 60_000, diagnostic: async () => (await acmeLog()).slice(-3000) });
}

function acmeLog(): Promise<string> {
  return readFile(path.join(caddy.configDir, "acme-events.log"), "utf8").catch(() => "");
}

async function certificateOf(domain: string): Promise<CertificateInfo | undefined> {
  return (await caddy.router.certificates()).find((c) => c.domain === domain);
}

function custom(commonName: string, names: string[]): Promise<PemPair> {
  return selfSignedCertificate({ commonName, names });
}

function cert(pair: PemPair, domains: string[]) {
  return { domains, certPem: pair.certPem, keyPem: pair.keyPem };
}

describe("CaddyRouter with TLS", () => {
  test("a routed domain gets a certificate from the ACME CA, trusted with its root alone; HTTP redirects; an upload replaces it", async () => {
    const serviceId = randomUUID();
    const domain = `${uniqueName("shop")}.test`;
    await caddy.router.setRoute({ serviceId, domains: [domain], upstreams: [app.address] });

    const res = await eventually(
      () => httpsGet(caddy.httpsPort, domain, pebbleRoot, "/cart"),
      `an HTTPS answer for ${domain}`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.body, "hello from the app");
    assert.match(res.certificate?.issuer ?? "", /Pebble Intermediate CA/);

    const redirect = await httpGet(caddy.httpPort, domain, "/cart?x=1");
    assert.equal(redirect.status, 308);
    assert.match(
      redirect.headers.location ?? "",
      new RegExp(`^https://${domain.replace(/\./g, "\\.")}(:\\d+)?/cart\\?x=1$`),
    );

    const info = await eventually(async () => {
      const c = await certificateOf(domain);
      return c?.status === "active" ? c : undefined;
    }, "an active certificate status");
    assert.equal(info.source, "acme");
    assert.match(info.issuer ?? "", /^CN=Pebble Intermediate CA/);
    assert.ok(Date.parse(info.notAfter ?? "") > Date.now(), `notAfter ${info.notAfter} is in the future`);
    assert.ok(Date.parse(info.notBefore ?? "") <= Date.now());

    // An uploaded certificate takes over from ACME, and ACME's comes back when it is removed.
    const uploaded = await custom("Syntra Test Upload", [domain]);
    await caddy.router.setRoute({
      serviceId,
      domains: [domain],
      upstreams: [app.address],
      certificates: [cert(uploaded, [domain])],
    });
    const trustBoth = [pebbleRoot, uploaded.certPem];
    assert.equal((await httpsGet(caddy.httpsPort, domain, trustBoth)).certificate?.issuer, "CN=Syntra Test Upload");
    assert.deepEqual(
      [(await certificateOf(domain))?.source, (await certificateOf(domain))?.issuer],
      ["custom", "CN=Syntra Test Upload"],
    );
    await caddy.router.setRoute({ serviceId, domains: [domain], upstreams: [app.address] });
    // Caddy loads the ACME certificate back from its storage in the background.
    const back = await eventually(() => httpsGet(caddy.httpsPort, domain, pebbleRoot), "the ACME certificate back");
    assert.match(back.certificate?.issuer ?? "", /Pebble Intermediate/);
    assert.equal((await certificateOf(domain))?.source, "acme");

    await caddy.router.removeRoute(serviceId);
    assert.equal(await certificateOf(domain), undefined);
  });

  test("uploaded certificates are served for their domains, wildcard included, and kept out of ACME", async () => {
    const zone = `${uniqueName("zone")}.test`;
    const [a, b] = [randomUUID(), randomUUID()];
    const bDomain = `${uniqueName("other")}.test`;
    const certA = await custom("Syntra Test Custom A", [`*.${zone}`, zone]);
    const certB = await custom("Syntra Test Custom B", [bDomain]);
    await caddy.router.setRoute({
      serviceId: a,
      domains: [`*.${zone}`, zone],
      upstreams: [app.address],
      certificates: [cert(certA, [`*.${zone}`, zone])],
    });
    await caddy.router.setRoute({
      serviceId: b,
      domains: [bDomain],
      upstreams: [app.address],
      certificates: [cert(certB, [bDomain])],
    });

    for (const host of [`www.${zone}`, zone]) {
      const res = await httpsGet(caddy.httpsPort, host, certA.certPem);
      assert.deepEqual([res.status, res.body], [200, "hello from the app"], host);
    }
    assert.equal((await httpsGet(caddy.httpsPort, bDomain, certB.certPem)).status, 200);
    const statuses = await caddy.router.certificates();
    for (const [domain, issuer] of [
      [`*.${zone}`, "CN=Syntra Test Custom A"],
      [zone, "CN=Syntra Test Custom A"],
      [bDomain, "CN=Syntra Test Custom B"],
    ]) {
      const info = statuses.find((c) => c.domain === domain);
      assert.equal(info?.source, "custom", domain);
      assert.equal(info?.status, "active", domain);
      assert.equal(info?.issuer, issuer);
      assert.ok(Date.parse(info?.notAfter ?? "") > Date.now());
    }
    assert.equal((await caddy.router.routes()).find((r) => r.serviceId === a)?.certificates, undefined);

    // A's certificate is replaced: A serves the new one, B's is untouched.
    const certA2 = await custom("Syntra Test Custom A2", [`*.${zone}`, zone]);
    await caddy.router.setRoute({
      serviceId: a,
      domains: [`*.${zone}`, zone],
      upstreams: [app.address],
      certificates: [cert(certA2, [`*.${zone}`, zone])],
    });
    assert.equal(
      (await httpsGet(caddy.httpsPort, `api.${zone}`, certA2.certPem)).certificate?.issuer,
      "CN=Syntra Test Custom A2",
    );
    await assert.rejects(httpsGet(caddy.httpsPort, `api.${zone}`, certA.certPem), /self[- ]signed|unable to verify/i);
    assert.equal((await httpsGet(caddy.httpsPort, bDomain, certB.certPem)).status, 200);
    assert.equal((await certificateOf(zone))?.issuer, "CN=Syntra Test Custom A2");

    // A's route goes, and its certificate with it; B's stays.
    await caddy.router.removeRoute(a);
    const loaded = (await adminGet("/config/apps/tls/certificates/load_pem")) as { tags: string[] }[];
    assert.deepEqual(
      loaded.map((p) => p.tags[0]),
      [`syntra-svc-${b}`],
    );
    assert.equal((await httpsGet(caddy.httpsPort, bDomain, certB.certPem)).status, 200);

    const log = await acmeLog();
    for (const domain of [zone, `*.${zone}`, bDomain]) {
      assert.equal(log.includes(`"identifier":"${domain}"`), false, `no ACME attempt for ${domain}`);
    }
    await caddy.router.removeRoute(b);
  });

  test("a wildcard without a certificate is served over HTTP only and reported failed", async () => {
    const serviceId = randomUUID();
    const zone = `${uniqueName("plain")}.test`;
    await caddy.router.setRoute({ serviceId, domains: [`*.${zone}`], upstreams: [app.address] });
    const res = await httpGet(caddy.httpPort, `www.${zone}`);
    assert.deepEqual([res.status, res.body], [200, "hello from the app"]);
    const info = await certificateOf(`*.${zone}`);
    assert.equal(info?.status, "failed");
    assert.match(info?.error?.message ?? "", /HTTP only.*needs an uploaded certificate/);
    // Other hosts still go to HTTPS.
    assert.equal((await httpGet(caddy.httpPort, `${uniqueName("x")}.test`)).status, 308);
    assert.equal((await acmeLog()).includes(zone), false, "no ACME attempt for the wildcard");

    await caddy.router.removeRoute(serviceId);
    assert.equal((await httpGet(caddy.httpPort, `www.${zone}`)).status, 308);
    assert.equal(await adminGet("/config/apps/http/servers/syntra-plain"), null);
  });

  test("a domain whose DNS points at a closed port is failed: port_80_unreachable with the CA's reason", async () => {
    const serviceId = randomUUID();
    const domain = `${uniqueName("closed")}.test`;
    await pebble.setDnsRecord(domain, ["127.0.0.3"]);
    await caddy.router.setRoute({ serviceId, domains: [domain], upstreams: [app.address] });
    assert.equal((await certificateOf(domain))?.status, "pending");
    const info = await eventually(async () => {
      const c = await certificateOf(domain);
      return c?.status === "failed" ? c : undefined;
    }, `a failed status for ${domain}`);
    assert.equal(info.source, "acme");
    assert.equal(info.error?.code, "port_80_unreachable");
    assert.match(info.error?.message ?? "", /127\.0\.0\.3:\d+.*connection refused/);
    await caddy.router.removeRoute(serviceId);
  });

  test("a domain whose DNS points at another server is failed: challenge_failed with the CA's reason", async () => {
    // Another web server at the address DNS gives: it answers, but knows nothing of the challenges.
    const elsewhere = await startElsewhere("127.0.0.2", caddy.httpPort, caddy.httpsPort);
    closers.push(elsewhere);
    const serviceId = randomUUID();
    const domain = `${uniqueName("moved")}.test`;
    await pebble.setDnsRecord(domain, ["127.0.0.2"]);
    await caddy.router.setRoute({ serviceId, domains: [domain], upstreams: [app.address] });
    const info = await eventually(async () => {
      const c = await certificateOf(domain);
      return c?.status === "failed" ? c : undefined;
    }, `a failed status for ${domain}`);
    assert.equal(info.error?.code, "challenge_failed");
    assert.match(info.error?.message ?? "", /Non-200 status code|Cannot negotiate ALPN/);
    await caddy.router.removeRoute(serviceId);
  });

  test("an uploaded certificate that is not one, or whose key is another's, is refused before Caddy sees it", async () => {
    const domain = `${uniqueName("bad")}.test`;
    const mine = await custom("Mine", [domain]);
    const theirs = await custom("Theirs", [domain]);
    const before = await adminGet("/config/");
    const cases = [
      { certPem: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----", keyPem: mine.keyPem },
      { certPem: mine.certPem, keyPem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" },
      { certPem: mine.certPem, keyPem: theirs.keyPem },
    ];
    for (const c of cases) {
      await assert.rejects(
        caddy.router.setRoute({
          serviceId: randomUUID(),
          domains: [domain],
          upstreams: [app.address],
          certificates: [{ domains: [domain], ...c }],
        }),
        (err: unknown) =>
          isAgentError(err, "VALIDATION_ERROR") && err.message.includes(domain) && !err.message.includes("PRIVATE"),
      );
    }
    assert.deepEqual(await adminGet("/config/"), before);
  });
});

async function adminGet(pathname: string): Promise<unknown> {
  const res = await fetch(`${caddy.adminUrl}${pathname}`);
  const text = await res.text();
  assert.ok(res.ok, `${pathname}: ${res.status} ${text}`);
  return text.trim() ? JSON.parse(text) : null;
}

/** An HTTP server answering 404 and a TLS server without ACME's TLS-ALPN protocol, at `host`. */
async function startElsewhere(host: string, httpPort: number, httpsPort: number): Promise<() => Promise<void>> {
  const pair = await selfSignedCertificate({ commonName: "Elsewhere", names: ["elsewhere.test"] });
  const plain = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end("not here\n");
  });
  const secure = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => res.end("elsewhere"));
  await Promise.all([
    new Promise<void>((resolve) => plain.listen(httpPort, host, resolve)),
    new Promise<void>((resolve) => secure.listen(httpsPort, host, resolve)),
  ]);
  return async () => {
    await Promise.all([
      new Promise((resolve) => plain.close(resolve)),
      new Promise((resolve) => secure.close(resolve)),
    ]);
  };
}
