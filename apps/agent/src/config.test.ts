import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { AgentConfigError, loadAgentConfig } from "./config";

const required = {
  SYNTRA_URL: "https://syntra.example.com",
  SYNTRA_TOKEN: `syn_agt_${"a".repeat(40)}`,
  SYNTRA_SERVER_ID: "0b6f8a8e-6c1d-4f7e-9a55-3f2d1c0b9a87",
  SYNTRA_AGENT_STATE_DIR: "/var/lib/syntra-agent",
};

describe("agent configuration: the edge proxy", () => {
  test("Caddy by default; Traefik settings default under the state directory", () => {
    const config = loadAgentConfig(required);
    assert.equal(config.proxy, "caddy");
    assert.equal(config.traefikDir, "/var/lib/syntra-agent/traefik");
    assert.equal(config.traefikCertResolver, "syntra");
    assert.equal(config.traefikAcmeStorage, undefined);
  });

  test("SYNTRA_PROXY=traefik with its directory, resolver and ACME storage", () => {
    const config = loadAgentConfig({
      ...required,
      SYNTRA_PROXY: "traefik",
      SYNTRA_TRAEFIK_DIR: "/etc/traefik/dynamic",
      SYNTRA_TRAEFIK_CERT_RESOLVER: "letsencrypt",
      SYNTRA_TRAEFIK_ACME_STORAGE: "/etc/traefik/acme.json",
    });
    assert.equal(config.proxy, "traefik");
    assert.equal(config.traefikDir, "/etc/traefik/dynamic");
    assert.equal(config.traefikCertResolver, "letsencrypt");
    assert.equal(config.traefikAcmeStorage, "/etc/traefik/acme.json");
  });

  test("the proxy's ports are bound to every interface unless one address is named (IPv6 bracketed)", () => {
    assert.equal(loadAgentConfig(required).proxyListenHost, undefined);
    assert.equal(loadAgentConfig({ ...required, SYNTRA_PROXY_LISTEN_HOST: "10.0.0.5" }).proxyListenHost, "10.0.0.5");
    assert.equal(loadAgentConfig({ ...required, SYNTRA_PROXY_LISTEN_HOST: "::1" }).proxyListenHost, "[::1]");
    assert.throws(
      () => loadAgentConfig({ ...required, SYNTRA_PROXY_LISTEN_HOST: "0.0.0.0:80" }),
      (err: unknown) => err instanceof AgentConfigError && /SYNTRA_PROXY_LISTEN_HOST/.test(err.message),
    );
  });

  test("bad values stop start-up with a message naming the variable", () => {
    for (const [name, value] of [
      ["SYNTRA_PROXY", "nginx"],
      ["SYNTRA_TRAEFIK_CERT_RESOLVER", "le`\nx"],
    ] as const) {
      assert.throws(
        () => loadAgentConfig({ ...required, [name]: value }),
        (err) => err instanceof AgentConfigError && err.message.includes(name),
        name,
      );
    }
  });
});

describe("agent configuration: ACME", () => {
  test("Let's Encrypt by default, a certificate check every minute", () => {
    const config = loadAgentConfig(required);
    assert.deepEqual(config.acme, { directoryUrl: "https://acme-v02.api.letsencrypt.org/directory" });
    assert.equal(config.certCheckSeconds, 60);
  });

  test("a private CA: its directory, the root of its own HTTPS, an account email", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "syntra-acme-root-"));
    try {
      const root = path.join(dir, "root.pem");
      await writeFile(root, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
      const config = loadAgentConfig({
        ...required,
        SYNTRA_ACME_DIRECTORY_URL: "https://127.0.0.1:14000/dir",
        SYNTRA_ACME_CA_ROOT: root,
        SYNTRA_ACME_EMAIL: "ops@example.com",
        SYNTRA_CERT_CHECK_SECONDS: "5",
      });
      assert.deepEqual(config.acme, {
        directoryUrl: "https://127.0.0.1:14000/dir",
        caRootPemFile: root,
        email: "ops@example.com",
      });
      assert.equal(config.certCheckSeconds, 5);
      for (const [name, value] of [
        ["SYNTRA_ACME_CA_ROOT", path.join(dir, "missing.pem")],
        ["SYNTRA_ACME_CA_ROOT", dir],
        ["SYNTRA_ACME_DIRECTORY_URL", "ftp://ca.example.com/dir"],
        ["SYNTRA_ACME_EMAIL", "not an email"],
        ["SYNTRA_CERT_CHECK_SECONDS", "0"],
      ] as const) {
        assert.throws(
          () => loadAgentConfig({ ...required, [name]: value }),
          (err) => err instanceof AgentConfigError && err.message.includes(name),
          `${name}=${value}`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
