import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { hostileDomains, hostileServiceIds, hostileUpstreams } from "@syntra/testing/hostile-values";
import { type PemPair, selfSignedCertificate } from "@syntra/testing/openssl";
import { isAgentError } from "../errors";
import { traefikSchemaErrors } from "../testing/traefik-schema";
import { TraefikRouter } from "./traefik";
import { parseServiceFile } from "./traefik-config";
import type { ServiceRoute } from "./types";

let root: string;
let shopCert: PemPair;
let otherCert: PemPair;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "syntra-traefik-"));
  [shopCert, otherCert] = await Promise.all([
    selfSignedCertificate({ commonName: "Shop Test CA", names: ["*.shop.test", "shop.test"], days: 30 }),
    selfSignedCertificate({ commonName: "Other CA", names: ["other.test"] }),
  ]);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A router over a fresh directory under the test's temp root. */
async function newRouter(options: Partial<ConstructorParameters<typeof TraefikRouter>[0]> = {}) {
  const configDir = path.join(root, randomUUID(), "traefik");
  const router = new TraefikRouter({ configDir, ...options });
  await router.start();
  return { router, configDir };
}

function route(overrides: Partial<ServiceRoute> = {}): ServiceRoute {
  return { serviceId: randomUUID(), domains: ["shop.example.com"], upstreams: ["10.0.0.5:8080"], ...overrides };
}

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe("TraefikRouter", () => {
  test("start creates the directory private to the agent", async () => {
    const { configDir } = await newRouter();
    assert.equal(await mode(configDir), 0o700);
  });

  test("setRoute writes one schema-valid file per service that routes() reads back", async () => {
    const { router, configDir } = await newRouter();
    const a = route({
      domains: ["Shop.Example.com", "www.shop.example.com"],
      upstreams: ["10.0.0.5:8080", "10.0.0.6:8080"],
    });
    const b = route({ domains: ["api.example.com"], upstreams: [] });
    await router.setRoute(a);
    await router.setRoute(b);
    const names = (await readdir(configDir)).sort();
    assert.deepEqual(names, [`syntra-svc-${a.serviceId}.yml`, `syntra-svc-${b.serviceId}.yml`].sort());
    for (const name of names) {
      assert.deepEqual(traefikSchemaErrors(await readFile(path.join(configDir, name), "utf8")), [], name);
    }
    const byId = new Map((await router.routes()).map((r) => [r.serviceId, r]));
    assert.deepEqual(byId.get(a.serviceId), { ...a, domains: ["shop.example.com", "www.shop.example.com"] });
    assert.deepEqual(byId.get(b.serviceId), b);
  });

  test("setRoute replaces the service's file; no domains removes it", async () => {
    const { router, configDir } = await newRouter();
    const r = route();
    await router.setRoute(r);
    await router.setRoute({ ...r, upstreams: ["10.0.0.9:80"] });
    assert.deepEqual(await router.routes(), [{ ...r, upstreams: ["10.0.0.9:80"] }]);
    await router.setRoute({ ...r, domains: [] });
    assert.deepEqual(await readdir(configDir), []);
  });

  test("removeRoute deletes the service's file and certificates and leaves other services alone", async () => {
    const { router, configDir } = await newRouter();
    const keep = route({ domains: ["keep.example.com"] });
    const gone = route({
      domains: ["*.shop.test"],
      certificates: [{ domains: ["*.shop.test"], ...shopCert }],
    });
    const keepWithCert = route({ domains: ["other.test"], certificates: [{ domains: ["other.test"], ...otherCert }] });
    for (const r of [keep, gone, keepWithCert]) await router.setRoute(r);
    await router.removeRoute(gone.serviceId);
    await router.removeRoute(gone.serviceId);
    assert.deepEqual(
      (await router.routes()).map((r) => r.serviceId).sort(),
      [keep.serviceId, keepWithCert.serviceId].sort(),
    );
    assert.deepEqual((await readdir(path.join(configDir, "certs"))).sort(), [keepWithCert.serviceId]);
    assert.equal((await readdir(path.join(configDir, "certs", keepWithCert.serviceId))).length, 2);
  });

  test("user certificates are written 0600 where the file points, replaced ones are removed", async () => {
    const { router, configDir } = await newRouter();
    const r = route({
      domains: ["*.shop.test", "shop.test"],
      certificates: [
        { domains: ["*.shop.test", "shop.test"], ...shopCert },
        // For a domain this service does not route: not written.
        { domains: ["other.test"], ...otherCert },
      ],
    });
    await router.setRoute(r);
    const certDir = path.join(configDir, "certs", r.serviceId);
    assert.equal(await mode(certDir), 0o700);
    assert.equal((await readdir(certDir)).length, 2);
    const text = await readFile(path.join(configDir, `syntra-svc-${r.serviceId}.yml`), "utf8");
    const files = (await parseServiceFile(r.serviceId, text))?.certificateFiles ?? [];
    assert.equal(files.length, 1);
    for (const file of files) {
      assert.equal(await readFile(file.certFile, "utf8"), shopCert.certPem);
      assert.equal(await readFile(file.keyFile, "utf8"), shopCert.keyPem);
      assert.equal(await mode(file.certFile), 0o600);
      assert.equal(await mode(file.keyFile), 0o600);
    }
    const renewed = await selfSignedCertificate({ commonName: "Shop Test CA", names: ["*.shop.test", "shop.test"] });
    await router.setRoute({ ...r, certificates: [{ domains: ["*.shop.test", "shop.test"], ...renewed }] });
    const left = await readdir(certDir);
    assert.equal(left.length, 2);
    for (const name of left) assert.ok(!files.some((f) => f.certFile.endsWith(name) || f.keyFile.endsWith(name)));
  });

  test("routes() ignores files that are not a service's, and skips a broken one of ours", async () => {
    const { router, configDir } = await newRouter();
    const r = route();
    await router.setRoute(r);
    await writeFile(path.join(configDir, "dashboard.yml"), "http:\n  routers: {}\n");
    await writeFile(path.join(configDir, "syntra-svc-not ours.yml"), "x: 1\n");
    await writeFile(path.join(configDir, `.syntra-svc-${r.serviceId}.yml.0a1b2c.tmp`), "http: [half");
    await writeFile(path.join(configDir, `syntra-svc-${randomUUID()}.yml`), "http: [half");
    assert.deepEqual(await router.routes(), [r]);
  });

  test("a reader never sees a partial file while the route is rewritten", async () => {
    const { router, configDir } = await newRouter();
    const r = route({ domains: Array.from({ length: 40 }, (_, i) => `host-${i}.example.com`) });
    const file = path.join(configDir, `syntra-svc-${r.serviceId}.yml`);
    await router.setRoute(r);
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; i < 150; i++) {
          const upstreams = Array.from({ length: 1 + (i % 7) }, (_, n) => `10.0.${i % 250}.${n + 1}:8080`);
          await router.setRoute({ ...r, upstreams });
        }
      } finally {
        writing = false;
      }
    })();
    let reads = 0;
    while (writing) {
      const text = await readFile(file, "utf8");
      const parsed = await parseServiceFile(r.serviceId, text);
      assert.ok(parsed, `read ${reads} was not a whole file:\n${text}`);
      assert.equal(parsed.route.domains.length, 40);
      reads++;
    }
    await writer;
    assert.ok(reads > 10, `only ${reads} reads overlapped the writes`);
    // No temporary file is left behind for Traefik to see.
    assert.deepEqual(await readdir(configDir), [`syntra-svc-${r.serviceId}.yml`]);
  });

  test("hostile values are refused with VALIDATION_ERROR and no file is written", async () => {
    const { router, configDir } = await newRouter();
    const refused = async (r: ServiceRoute) =>
      assert.rejects(router.setRoute(r), (err) => isAgentError(err, "VALIDATION_ERROR"), JSON.stringify(r));
    for (const domain of hostileDomains) await refused(route({ domains: ["fine.example.com", domain] }));
    for (const serviceId of hostileServiceIds) await refused(route({ serviceId }));
    for (const upstream of hostileUpstreams) await refused(route({ upstreams: [upstream] }));
    for (const domain of hostileDomains) {
      await refused(route({ domains: ["shop.test"], certificates: [{ domains: ["shop.test", domain], ...shopCert }] }));
    }
    // A key that is not the certificate's own.
    await refused(
      route({
        domains: ["shop.test"],
        certificates: [{ domains: ["shop.test"], ...shopCert, keyPem: otherCert.keyPem }],
      }),
    );
    for (const serviceId of hostileServiceIds) {
      await assert.rejects(router.removeRoute(serviceId), (err) => isAgentError(err, "VALIDATION_ERROR"));
    }
    assert.deepEqual(await readdir(configDir), []);
  });
});

describe("TraefikRouter.certificates", () => {
  test("custom certificates from their PEM, ACME domains pending, uncovered wildcards failed", async () => {
    const { router } = await newRouter();
    const r = route({
      domains: ["shop.test", "*.shop.test", "www.example.com", "*.open.test", "other.test"],
      // Names other.test, but the file holds a certificate for *.shop.test only.
      certificates: [
        { domains: ["shop.test", "*.shop.test"], ...shopCert },
        { domains: ["other.test"], certPem: shopCert.certPem, keyPem: shopCert.keyPem },
      ],
    });
    await router.setRoute(r);
    const states = new Map((await router.certificates()).map((c) => [c.domain, c]));
    assert.equal(states.size, 5);
    for (const domain of ["shop.test", "*.shop.test"]) {
      const state = states.get(domain);
      assert.equal(state?.source, "custom");
      assert.equal(state?.status, "active", JSON.stringify(state));
      assert.equal(state?.issuer, "CN=Shop Test CA");
      assert.ok(state?.notBefore && state.notAfter);
      const days = (Date.parse(state.notAfter) - Date.parse(state.notBefore)) / 86_400_000;
      assert.ok(Math.abs(days - 30) < 1, `valid for ${days} days`);
    }
    assert.deepEqual(states.get("www.example.com"), { domain: "www.example.com", source: "acme", status: "pending" });
    assert.equal(states.get("*.open.test")?.status, "failed");
    assert.match(states.get("*.open.test")?.error?.message ?? "", /needs an uploaded certificate/);
    assert.equal(states.get("other.test")?.status, "failed");
    assert.match(states.get("other.test")?.error?.message ?? "", /does not cover other\.test/);
  });

  test("an expired custom certificate is reported failed", async () => {
    const later = new Date(Date.now() + 60 * 86_400_000);
    const { router } = await newRouter({ now: () => later });
    await router.setRoute(
      route({ domains: ["other.test"], certificates: [{ domains: ["other.test"], ...otherCert }] }),
    );
    const [state] = await router.certificates();
    assert.equal(state?.status, "failed");
    assert.match(state?.error?.message ?? "", /expired on/);
  });

  test("issued ACME certificates are read from Traefik's acme.json, keys untouched", async () => {
    const acmeStorage = path.join(root, `${randomUUID()}-acme.json`);
    const issued = await selfSignedCertificate({ commonName: "Pebble Intermediate CA", names: ["shop.example.com"] });
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    await writeFile(
      acmeStorage,
      JSON.stringify({
        other: { Certificates: [{ domain: { main: "www.example.com" }, certificate: b64(issued.certPem), key: "x" }] },
        syntra: {
          Account: { Email: "", PrivateKey: "secret" },
          Certificates: [
            {
              domain: { main: "shop.example.com", sans: null },
              certificate: b64(issued.certPem),
              key: b64(issued.keyPem),
            },
          ],
        },
      }),
    );
    const { router } = await newRouter({ acmeStorage });
    await router.setRoute(route({ domains: ["shop.example.com", "www.example.com"] }));
    const states = new Map((await router.certificates()).map((c) => [c.domain, c]));
    assert.equal(states.get("shop.example.com")?.status, "active");
    assert.equal(states.get("shop.example.com")?.issuer, "CN=Pebble Intermediate CA");
    // Issued for another resolver: not ours.
    assert.equal(states.get("www.example.com")?.status, "pending");
  });

  test("with TLS off there is nothing to report", async () => {
    const { router } = await newRouter({ tls: false });
    await router.setRoute(route());
    assert.deepEqual(await router.certificates(), []);
  });
});
