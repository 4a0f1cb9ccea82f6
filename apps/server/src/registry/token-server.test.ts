import assert from "node:assert/strict";
import { verify, X509Certificate } from "node:crypto";
import fs from "node:fs/promises";
import { after, before, test } from "node:test";
import { tamperMac } from "@syntra/testing/hostile-values";
import { AgentPeer } from "../testing/agent-peer";
import { type ApiAnswer, createTestApp, type TestApp } from "../testing/harness";
import { mintPullCredential, pushCredential } from "./credentials";
import { pullAuth } from "./handed-credentials";
import { tokenCertificatePath } from "./signing-key";

// The token realm over HTTP, on a real control plane: who gets a token, what it grants, and who is refused.
// registry-token.test.ts shows the same tokens accepted and refused by Debian's docker-registry.

const REGISTRY = "registry.local:5000";
const TTL = 120;
let t: TestApp;

before(async () => {
  t = await createTestApp({
    SYNTRA_REGISTRY: REGISTRY,
    SYNTRA_REGISTRY_AUTH: "token",
    SYNTRA_REGISTRY_PULL_TTL_SECONDS: String(TTL),
  });
});
after(() => t.close());

const basic = (c: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;

function askToken(authorization: string | null, scopes: string[], service = REGISTRY): Promise<ApiAnswer> {
  const query = new URLSearchParams({ service, account: "whoever", client_id: "docker" });
  for (const s of scopes) query.append("scope", s);
  return t.call("GET", `/api/v1/registry/token?${query}`, {
    headers: authorization === null ? {} : { authorization },
  });
}

/** The token's header and claims, after checking its ES256 signature against the certificate in the data dir. */
async function opened(token: string): Promise<{ header: Record<string, unknown>; claims: Record<string, unknown> }> {
  const [h, c, s] = token.split(".") as [string, string, string];
  const cert = new X509Certificate(await fs.readFile(tokenCertificatePath(t.deps.config.dataDir)));
  const signed = verify(
    "sha256",
    Buffer.from(`${h}.${c}`),
    { key: cert.publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(s, "base64url"),
  );
  assert.ok(signed, "signed by the key of the registry's rootcertbundle");
  const json = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  return { header: json(h), claims: json(c) };
}

function assertRefused(res: ApiAnswer, message: RegExp): void {
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(res.body.error.code, "UNAUTHORIZED");
  assert.match(res.body.error.message, message);
  assert.equal(res.headers["www-authenticate"], 'Basic realm="Syntra registry"');
}

test("the build worker gets push and pull on the repositories it asks for, and nothing it did not ask for", async () => {
  const push = pushCredential(t.deps.keyring);
  const res = await askToken(basic(push), [
    "repository:acme/shop/web:pull,push,delete",
    "repository:acme/shop/api:pull registry:catalog:*",
  ]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.access_token, res.body.token);
  assert.equal(res.body.expires_in, 300);
  const { header, claims } = await opened(res.body.token);
  const cert = new X509Certificate(await fs.readFile(tokenCertificatePath(t.deps.config.dataDir)));
  assert.deepEqual(header, { typ: "JWT", alg: "ES256", x5c: [cert.raw.toString("base64")] });
  const now = Math.floor(t.deps.now().getTime() / 1000);
  assert.equal(claims.iss, "syntra");
  assert.equal(claims.sub, "syntra-build");
  assert.equal(claims.aud, REGISTRY);
  assert.ok(Math.abs((claims.iat as number) - now) <= 2);
  assert.equal(claims.nbf, claims.iat);
  assert.equal(claims.exp, (claims.iat as number) + 300);
  assert.equal(res.body.issued_at, new Date((claims.iat as number) * 1000).toISOString());
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  assert.deepEqual(claims.access, [
    { type: "repository", name: "acme/shop/web", actions: ["pull", "push"] },
    { type: "repository", name: "acme/shop/api", actions: ["pull"] },
  ]);
  const other = await opened((await askToken(basic(push), ["repository:acme/shop/web:pull"])).body.token);
  assert.notEqual(other.claims.jti, claims.jti, "every token has its own id");
  const login = await askToken(basic(push), []);
  assert.equal(login.status, 200, "no scope (a login check): a token granting nothing");
  assert.deepEqual((await opened(login.body.token)).claims.access, []);
});

test("a pull credential gets pull on its repository only, for no longer than the credential lives", async () => {
  const cred = pullAuth(
    t.deps.config.builds.registry,
    t.deps.keyring,
    `${REGISTRY}/acme/shop/web:abc123`,
    t.deps.now(),
  );
  assert.ok(cred);
  assert.equal(cred.username, "syntra-pull");
  const res = await askToken(basic(cred), ["repository:acme/shop/web:pull,push"]);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.expires_in <= TTL && res.body.expires_in >= TTL - 2, `expires_in ${res.body.expires_in}`);
  const { claims } = await opened(res.body.token);
  assert.equal(claims.sub, "syntra-pull");
  assert.deepEqual(claims.access, [{ type: "repository", name: "acme/shop/web", actions: ["pull"] }]);

  for (const scopes of [
    ["repository:acme/shop/db:pull"],
    ["repository:acme/shop/web:pull", "repository:acme/shop/db:pull"],
    ["repository:acme/shop/web/extra:pull"],
    ["registry:catalog:*"],
  ]) {
    assertRefused(await askToken(basic(cred), scopes), /do not reach that repository/);
  }
});

test("a pull credential stops working at its expiry", async () => {
  const cred = mintPullCredential(t.deps.keyring, "acme/shop/web", new Date(t.deps.now().getTime() + TTL * 1000));
  t.advanceClock((TTL - 1) * 1000);
  try {
    const last = await askToken(basic(cred), ["repository:acme/shop/web:pull"]);
    assert.equal(last.status, 200, JSON.stringify(last.body));
    assert.equal(last.body.expires_in, 1, "the token ends with the credential");
    t.advanceClock(1000);
    assertRefused(await askToken(basic(cred), ["repository:acme/shop/web:pull"]), /expired/);
  } finally {
    t.advanceClock(-TTL * 1000);
  }
});

test("tampered, foreign or missing credentials get no token, and the logs keep them out", async () => {
  const cred = mintPullCredential(t.deps.keyring, "acme/shop/web", new Date(t.deps.now().getTime() + 60_000));
  const [id, , mac] = cred.password.split(".") as [string, string, string];
  const otherRepo = Buffer.from(JSON.stringify({ r: "acme/shop/db", e: 4_000_000_000 })).toString("base64url");
  const push = pushCredential(t.deps.keyring);
  const foreign = await createTestApp({ SYNTRA_REGISTRY: REGISTRY, SYNTRA_REGISTRY_AUTH: "token" });
  const foreignPush = pushCredential(foreign.deps.keyring);
  await foreign.close();
  const attempts: [string | null, string][] = [
    [basic({ username: cred.username, password: `${id}.${otherRepo}.${mac}` }), "repository:acme/shop/db:pull"],
    [basic({ username: cred.username, password: tamperMac(cred.password) }), "repository:acme/shop/web:pull"],
    [basic({ username: push.username, password: tamperMac(push.password) }), "repository:acme/shop/web:push"],
    [basic(foreignPush), "repository:acme/shop/web:push"],
    [basic({ username: "syntra", password: "hunter2-registry" }), "repository:acme/shop/web:pull"],
    [null, "repository:acme/shop/web:pull"],
    [`Bearer ${push.password}`, "repository:acme/shop/web:pull"],
    ["Basic !!!", "repository:acme/shop/web:pull"],
  ];
  for (const [authorization, scope] of attempts) {
    assertRefused(await askToken(authorization, [scope]), /credentials|Authorization: Basic/);
  }
  const logs = t.logs.join("");
  assert.match(logs, /registry token refused/);
  assert.match(logs, /bad signature/);
  for (const secret of [cred.password, mac, push.password, foreignPush.password, "hunter2-registry"]) {
    assert.ok(!logs.includes(secret), "no credential in the logs");
  }
});

test("bad requests get clear errors: another service, a malformed scope, an unknown parameter", async () => {
  const push = basic(pushCredential(t.deps.keyring));
  const wrongService = await askToken(push, ["repository:acme/web:pull"], "other-registry:5000");
  assert.equal(wrongService.status, 400);
  assert.match(wrongService.body.error.message, /Unknown service.*registry\.local:5000/);
  for (const scope of ["repository:acme/web", "repository::pull", "acme/web:pull:"]) {
    const res = await askToken(push, [scope]);
    assert.equal(res.status, 400, scope);
    assert.equal(res.body.error.details[0].path, "query.scope");
  }
  const extra = await t.call("GET", `/api/v1/registry/token?service=${REGISTRY}&sneaky=1`, {
    headers: { authorization: push },
  });
  assert.equal(extra.status, 400);
  assert.match(extra.body.error.message, /sneaky/);
});

test("a deploy command for an image in Syntra's registry carries a fresh pull credential for that repository", async () => {
  const owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const srv = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } })).body.data;
  const projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  const make = async (name: string, image: string) =>
    (
      await t.call("POST", `/api/v1/projects/${projectId}/services`, {
        as: owner,
        body: { name, server_id: srv.server_id, source_type: "image", source_config: { image, tag: "v1" }, port: 80 },
      })
    ).body.data.id;
  const ours = await make("web", `${REGISTRY}/acme/shop/web`);
  const theirs = await make("cache", "docker.io/library/redis");
  const peer = (await AgentPeer.online(await t.agentUrl(), srv.token, srv.server_id)).peer;
  try {
    await t.call("POST", `/api/v1/services/${ours}/deploy`, { as: owner, body: {} });
    const cmd = await peer.next("deploy");
    assert.equal(cmd.payload.registry_auth.username, "syntra-pull");
    const res = await askToken(basic(cmd.payload.registry_auth), ["repository:acme/shop/web:pull"]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.expires_in >= TTL - 2, "its lifetime starts when the command is sent");
    assertRefused(await askToken(basic(cmd.payload.registry_auth), ["repository:library/redis:pull"]), /reach/);

    await t.call("POST", `/api/v1/services/${theirs}/deploy`, { as: owner, body: {} });
    const other = await peer.next("deploy", (m) => m.payload.service_id === theirs);
    assert.deepEqual(other.payload.registry_auth, { username: "", password: "" }, "other registries: anonymous");
    assert.deepEqual(peer.invalid, []);
  } finally {
    await peer.close();
  }
});

test("in basic mode there is no token realm, and deploys carry the registry's own credentials", async () => {
  const basicApp = await createTestApp({
    SYNTRA_REGISTRY: REGISTRY,
    SYNTRA_REGISTRY_USERNAME: "syntra",
    SYNTRA_REGISTRY_PASSWORD: "static-secret",
  });
  try {
    const res = await basicApp.call("GET", `/api/v1/registry/token?service=${REGISTRY}`, {
      headers: { authorization: basic({ username: "syntra", password: "static-secret" }) },
    });
    assert.equal(res.status, 404);
    assert.match(res.body.error.message, /SYNTRA_REGISTRY_AUTH=token/);
    const { config } = basicApp.deps;
    assert.deepEqual(pullAuth(config.builds.registry, basicApp.deps.keyring, `${REGISTRY}/acme/web:v1`, new Date()), {
      username: "syntra",
      password: "static-secret",
    });
    assert.equal(
      pullAuth(config.builds.registry, basicApp.deps.keyring, "docker.io/library/redis:7", new Date()),
      undefined,
    );
  } finally {
    await basicApp.close();
  }
});
