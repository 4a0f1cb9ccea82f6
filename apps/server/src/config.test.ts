import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, loadConfig } from "./config";

test("defaults start the control plane on 127.0.0.1:3000 with PGlite under ./.syntra", () => {
  const c = loadConfig({});
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 3000);
  assert.equal(c.dataDir, path.resolve(".syntra"));
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.publicUrl, "http://127.0.0.1:3000");
  assert.equal(c.openSignup, false);
  assert.equal(c.github, undefined);
});

test("values are parsed and the public URL loses its trailing slash", () => {
  const c = loadConfig({
    SYNTRA_PORT: "8080",
    SYNTRA_OPEN_SIGNUP: "yes",
    SYNTRA_PUBLIC_URL: "https://syntra.example.com/",
    DATABASE_URL: "postgresql://u:p@db:5432/syntra",
    SYNTRA_MASTER_KEY_PREVIOUS: " a , b ,",
    GITHUB_CLIENT_ID: "id",
    GITHUB_CLIENT_SECRET: "secret",
  });
  assert.equal(c.port, 8080);
  assert.equal(c.openSignup, true);
  assert.equal(c.publicUrl, "https://syntra.example.com");
  assert.deepEqual(c.previousMasterKeys, ["a", "b"]);
  assert.equal(c.github?.oauthUrl, "https://github.com");
});

test("a bad value stops start-up with a message naming each bad variable", () => {
  assert.throws(
    () => loadConfig({ SYNTRA_PORT: "eighty", DATABASE_URL: "mysql://x", SYNTRA_LOG_LEVEL: "loud" }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ["SYNTRA_PORT", "DATABASE_URL", "SYNTRA_LOG_LEVEL"])
        assert.match(err.message, new RegExp(name));
      return true;
    },
  );
  assert.throws(() => loadConfig({ SYNTRA_PORT: "70000" }), /SYNTRA_PORT/);
  assert.throws(() => loadConfig({ SYNTRA_PUBLIC_URL: "ftp://x" }), /SYNTRA_PUBLIC_URL/);
  assert.throws(() => loadConfig({ GITHUB_CLIENT_ID: "only-id" }), /GITHUB_CLIENT_SECRET/);
});

test("an empty variable counts as unset", () => {
  assert.equal(loadConfig({ SYNTRA_PORT: "", DATABASE_URL: "" }).port, 3000);
});

test("the registry authenticates with its own credentials by default, or with tokens this control plane issues", () => {
  assert.deepEqual(
    loadConfig({
      SYNTRA_REGISTRY: "reg.example.com:5000",
      SYNTRA_REGISTRY_USERNAME: "u",
      SYNTRA_REGISTRY_PASSWORD: "p",
    }).builds.registry,
    { host: "reg.example.com:5000", auth: { mode: "basic", username: "u", password: "p" } },
  );
  assert.deepEqual(loadConfig({ SYNTRA_REGISTRY: "reg.example.com", SYNTRA_REGISTRY_AUTH: "token" }).builds.registry, {
    host: "reg.example.com",
    auth: { mode: "token", service: "reg.example.com", pullTtlSeconds: 900 },
  });
  const custom = loadConfig({
    SYNTRA_REGISTRY: "reg.example.com",
    SYNTRA_REGISTRY_AUTH: "token",
    SYNTRA_REGISTRY_SERVICE: "Syntra registry",
    SYNTRA_REGISTRY_PULL_TTL_SECONDS: "60",
  }).builds.registry?.auth;
  assert.deepEqual(custom, { mode: "token", service: "Syntra registry", pullTtlSeconds: 60 });
  assert.throws(
    () => loadConfig({ SYNTRA_REGISTRY_AUTH: "token" }),
    /SYNTRA_REGISTRY_AUTH=token needs SYNTRA_REGISTRY/,
  );
  assert.throws(() => loadConfig({ SYNTRA_REGISTRY: "r", SYNTRA_REGISTRY_AUTH: "oauth" }), /SYNTRA_REGISTRY_AUTH/);
  assert.throws(
    () =>
      loadConfig({
        SYNTRA_REGISTRY: "r",
        SYNTRA_REGISTRY_AUTH: "token",
        SYNTRA_REGISTRY_USERNAME: "u",
        SYNTRA_REGISTRY_PASSWORD: "p",
      }),
    /SYNTRA_REGISTRY_USERNAME.*basic/,
  );
  assert.throws(() => loadConfig({ SYNTRA_REGISTRY_PULL_TTL_SECONDS: "0" }), /SYNTRA_REGISTRY_PULL_TTL_SECONDS/);
});

test("HTTP timeouts have bounded defaults, and the headers' cannot exceed the whole request's", () => {
  assert.deepEqual(loadConfig({}).http, {
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
    keepAliveTimeoutMs: 72_000,
    idleTimeoutMs: 3_900_000,
  });
  const c = loadConfig({ SYNTRA_REQUEST_TIMEOUT_SECONDS: "5", SYNTRA_HEADERS_TIMEOUT_SECONDS: "5" });
  assert.equal(c.http.requestTimeoutMs, 5000);
  assert.throws(
    () => loadConfig({ SYNTRA_REQUEST_TIMEOUT_SECONDS: "5", SYNTRA_HEADERS_TIMEOUT_SECONDS: "6" }),
    (err: Error) => err instanceof ConfigError && /SYNTRA_HEADERS_TIMEOUT_SECONDS/.test(err.message),
  );
  assert.throws(() => loadConfig({ SYNTRA_REQUEST_TIMEOUT_SECONDS: "0" }), ConfigError);
});

test("replicas share PostgreSQL unless SYNTRA_CLUSTER=off; a bad setting names its variable", () => {
  assert.deepEqual(loadConfig({}).cluster, { enabled: true, presenceMs: 2000 });
  assert.deepEqual(loadConfig({ SYNTRA_CLUSTER: "off", SYNTRA_CLUSTER_PRESENCE_SECONDS: "0.5" }).cluster, {
    enabled: false,
    presenceMs: 500,
  });
  assert.throws(
    () => loadConfig({ SYNTRA_CLUSTER: "on", SYNTRA_CLUSTER_PRESENCE_SECONDS: "0" }),
    (err: unknown) =>
      err instanceof ConfigError &&
      /SYNTRA_CLUSTER\b/.test(err.message) &&
      /SYNTRA_CLUSTER_PRESENCE_SECONDS/.test(err.message),
  );
});
