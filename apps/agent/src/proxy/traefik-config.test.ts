import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { hostileDomains, hostileServiceIds, hostileUpstreams } from "@syntra/testing/hostile-values";
import { type PemPair, selfSignedCertificate } from "@syntra/testing/openssl";
import YAML from "yaml";
import { isAgentError } from "../errors";
import { traefikSchemaErrors } from "../testing/traefik-schema";
import {
  buildServiceConfig,
  type CertificateFiles,
  parseServiceFile,
  renderServiceFile,
  type TraefikSettings,
} from "./traefik-config";
import type { ServiceRoute } from "./types";

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata/traefik");
const settings: TraefikSettings = {
  httpEntryPoint: "web",
  httpsEntryPoint: "websecure",
  certResolver: "syntra",
  tls: true,
  httpsPort: 443,
};
const certDir = "/var/lib/syntra-agent/traefik/certs/7c9e6679-7425-40de-944b-e07fc1f90ae7";
const wildcardFiles: CertificateFiles = {
  certFile: `${certDir}/0123456789abcdef.crt`,
  keyFile: `${certDir}/0123456789abcdef.key`,
};
let wildcardCert: PemPair;

before(async () => {
  wildcardCert = await selfSignedCertificate({ commonName: "Shop CA", names: ["*.shop.test", "shop.test"] });
});

/** Compares with the committed golden file; UPDATE_GOLDEN=1 writes it instead (read it before committing). */
async function assertGolden(name: string, text: string): Promise<void> {
  const file = path.join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === "1") await writeFile(file, text);
  assert.equal(text, await readFile(file, "utf8"), `${name} differs from the golden file`);
}

function render(route: ServiceRoute, s: TraefikSettings = settings, files?: CertificateFiles): Promise<string> {
  return renderServiceFile(route.serviceId, buildServiceConfig(route, s, files && (() => files)));
}

const goldens: { name: string; route: () => ServiceRoute; settings?: TraefikSettings; files?: CertificateFiles }[] = [
  {
    name: "one-domain.yml",
    route: () => ({
      serviceId: "3f2b8c4e-1d7a-4e9b-9c2d-5a6b7c8d9e0f",
      domains: ["Shop.Example.com"],
      upstreams: ["10.0.3.7:8080"],
    }),
  },
  {
    name: "several-domains.yml",
    route: () => ({
      serviceId: "9b1d4a2c-6e3f-4a8b-b7c5-2d1e0f9a8b7c",
      domains: ["example.com", "www.example.com", "api.example.com"],
      upstreams: ["10.0.3.7:8080", "10.0.3.8:8080", "[fd00::12]:3000"],
    }),
    settings: { ...settings, httpsPort: 8443 },
  },
  {
    name: "wildcard-custom-cert.yml",
    route: () => ({
      serviceId: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
      domains: ["*.shop.test", "shop.test", "status.example.com"],
      upstreams: ["172.18.0.5:80"],
      certificates: [{ domains: ["*.shop.test", "shop.test"], ...wildcardCert }],
    }),
    files: wildcardFiles,
  },
  {
    name: "no-upstreams.yml",
    route: () => ({ serviceId: "0e8f6d2a-3b4c-4d5e-8f7a-9b0c1d2e3f4a", domains: ["down.example.com"], upstreams: [] }),
  },
  {
    name: "tls-off.yml",
    route: () => ({
      serviceId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
      domains: ["app.internal.test", "*.preview.internal.test"],
      upstreams: ["10.0.9.2:8080"],
    }),
    settings: { ...settings, tls: false },
  },
];

describe("Traefik dynamic configuration", () => {
  for (const golden of goldens) {
    test(`${golden.name}: matches the golden file, validates against Traefik's schema, reads back`, async () => {
      const route = golden.route();
      const text = await render(route, golden.settings, golden.files);
      await assertGolden(golden.name, text);
      assert.deepEqual(traefikSchemaErrors(text), []);
      const parsed = await parseServiceFile(route.serviceId, text);
      assert.ok(parsed, "the file parses back");
      // Read back without certificates (keys are never read back); domains come back lowercased.
      assert.deepEqual(
        { ...parsed.route, domains: [...parsed.route.domains].sort() },
        {
          serviceId: route.serviceId,
          domains: route.domains.map((d) => d.toLowerCase()).sort(),
          upstreams: route.upstreams,
        },
      );
    });
  }

  test("exact domains get an ACME certificate each, HTTP redirects to HTTPS", () => {
    const config = buildServiceConfig(goldens[1]?.route() as ServiceRoute, settings);
    const base = "syntra-svc-9b1d4a2c-6e3f-4a8b-b7c5-2d1e0f9a8b7c";
    const https = config.http.routers[`${base}-acme`];
    assert.deepEqual(https?.entryPoints, ["websecure"]);
    assert.equal(https?.rule, "Host(`example.com`) || Host(`www.example.com`) || Host(`api.example.com`)");
    assert.deepEqual(https?.tls, {
      certResolver: "syntra",
      domains: [{ main: "example.com" }, { main: "www.example.com" }, { main: "api.example.com" }],
    });
    const redirect = config.http.routers[`${base}-redirect`];
    assert.deepEqual(redirect?.entryPoints, ["web"]);
    assert.deepEqual(redirect?.middlewares, [`${base}-redirect`]);
    assert.deepEqual(config.http.middlewares[`${base}-redirect`], {
      redirectScheme: { scheme: "https", permanent: true },
    });
  });

  test("a wildcard matches exactly one label under its domain, and ranks below exact hosts", () => {
    const config = buildServiceConfig(goldens[2]?.route() as ServiceRoute, settings, () => wildcardFiles);
    const router = config.http.routers["syntra-svc-7c9e6679-7425-40de-944b-e07fc1f90ae7-wildcard"];
    assert.ok(router);
    assert.equal(router.priority, 1);
    assert.deepEqual(router.tls, {}, "served with the uploaded certificate, no certResolver");
    const pattern = /^HostRegexp\(`(.*)`\)$/.exec(router.rule)?.[1];
    assert.ok(pattern, router.rule);
    // Go's RE2 and JavaScript agree on this subset (classes, counted repetition, escapes, anchors).
    const re = new RegExp(pattern);
    for (const host of ["a.shop.test", "preview-42.shop.test", "x1.shop.test"]) assert.ok(re.test(host), host);
    for (const host of [
      "shop.test",
      "a.b.shop.test",
      "ashop.test",
      "a.shopxtest",
      "a.shop.test.evil.com",
      "-a.shop.test",
    ]) {
      assert.ok(!re.test(host), host);
    }
    assert.deepEqual(config.tls, { certificates: [wildcardFiles] });
  });

  test("without a user certificate a wildcard domain is served over plain HTTP only", () => {
    const id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    const config = buildServiceConfig(
      { serviceId: id, domains: ["*.open.test"], upstreams: ["10.0.0.2:80"] },
      settings,
    );
    assert.deepEqual(Object.keys(config.http.routers), [`syntra-svc-${id}-httpwildcard`]);
    assert.deepEqual(config.http.routers[`syntra-svc-${id}-httpwildcard`]?.entryPoints, ["web"]);
    assert.equal(config.tls, undefined);
  });

  test("a default domain no public CA issues for (.localhost, a private sslip.io address) stays on plain HTTP", async () => {
    const id = "2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d";
    const local = "web-shop.localhost";
    const lan = "web-shop-2b3c4d5e.10-0-0-7.sslip.io";
    const config = buildServiceConfig(
      { serviceId: id, domains: [local, lan, "shop.example.com"], upstreams: ["10.0.0.2:80"] },
      settings,
    );
    const plain = config.http.routers[`syntra-svc-${id}-http`];
    assert.deepEqual(plain?.entryPoints, ["web"]);
    assert.equal(plain?.rule, `Host(\`${local}\`) || Host(\`${lan}\`)`);
    const redirect = config.http.routers[`syntra-svc-${id}-redirect`];
    assert.equal(redirect?.rule, "Host(`shop.example.com`)", "only the public name is redirected to HTTPS");
    assert.deepEqual(traefikSchemaErrors(await renderServiceFile(id, config)), []);
  });

  test("with TLS off there are only web routers, no redirect and no certificates", async () => {
    const text = await render(goldens[4]?.route() as ServiceRoute, { ...settings, tls: false });
    const config = YAML.parse(text);
    for (const router of Object.values(config.http.routers) as { entryPoints: string[]; tls?: unknown }[]) {
      assert.deepEqual(router.entryPoints, ["web"]);
      assert.equal(router.tls, undefined);
    }
    assert.ok(!text.includes("redirectScheme"));
  });

  test("no upstreams: a service without servers, which Traefik answers with 503", () => {
    const config = buildServiceConfig(goldens[3]?.route() as ServiceRoute, settings);
    assert.deepEqual(config.http.services["syntra-svc-0e8f6d2a-3b4c-4d5e-8f7a-9b0c1d2e3f4a"], {
      weighted: { services: [] },
    });
  });

  test("files that are not a service's own read back as null", async () => {
    const text = await render(goldens[0]?.route() as ServiceRoute);
    assert.equal(await parseServiceFile("another-service", text), null);
    assert.equal(await parseServiceFile("x", "http: [unclosed"), null);
    assert.equal(await parseServiceFile("x", "tcp:\n  routers: {}\n"), null);
    const tampered = text.replace("Host(`shop.example.com`)", "Host(`shop.example.com`) || PathPrefix(`/`)");
    assert.equal(await parseServiceFile("3f2b8c4e-1d7a-4e9b-9c2d-5a6b7c8d9e0f", tampered), null);
  });
});

describe("hostile values never reach the configuration", () => {
  const ok: ServiceRoute = { serviceId: "svc", domains: ["shop.example.com"], upstreams: ["10.0.0.1:80"] };
  const rejects = (route: ServiceRoute) =>
    assert.throws(
      () => buildServiceConfig(route, settings),
      (err) => isAgentError(err, "VALIDATION_ERROR"),
      JSON.stringify(route),
    );

  test("domains", () => {
    for (const domain of hostileDomains) rejects({ ...ok, domains: [domain] });
  });

  test("service ids", () => {
    for (const serviceId of hostileServiceIds) rejects({ ...ok, serviceId });
  });

  test("upstreams", () => {
    for (const upstream of hostileUpstreams) rejects({ ...ok, upstreams: [upstream] });
  });

  test("certificates: their domains, and anything that is not PEM", () => {
    for (const domain of hostileDomains) rejects({ ...ok, certificates: [{ domains: [domain], ...wildcardCert }] });
    rejects({
      ...ok,
      certificates: [{ domains: ["shop.example.com"], certPem: "not a cert", keyPem: wildcardCert.keyPem }],
    });
    rejects({
      ...ok,
      certificates: [{ domains: ["shop.example.com"], certPem: wildcardCert.certPem, keyPem: "nope" }],
    });
  });

  test("the error names the bad value but never a certificate's key", () => {
    try {
      buildServiceConfig(
        { ...ok, certificates: [{ domains: ["shop.example.com"], certPem: "x", keyPem: wildcardCert.keyPem }] },
        settings,
      );
      assert.fail("expected a validation error");
    } catch (err) {
      assert.ok(isAgentError(err, "VALIDATION_ERROR"));
      assert.ok(!err.message.includes(wildcardCert.keyPem.split("\n")[1] ?? "-"), err.message);
    }
  });
});
