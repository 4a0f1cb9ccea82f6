import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { services } from "../db/schema";
import { isStale } from "../secrets/cipher";
import { loadKeyring } from "../secrets/keyring";
import { createTestApp, type TestApp } from "../testing/harness";

const SECRET = "pg-pass-Zx81!vQ";
let t: TestApp;
let owner: { cookie: string };
let serviceId: string;
before(async () => {
  t = await createTestApp();
  owner = await t.signup("owner@example.com", { orgName: "Acme" });
  const projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
  const serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s1" } })).body.data.server_id;
  serviceId = (
    await t.call("POST", `/api/v1/projects/${projectId}/services`, {
      as: owner,
      body: { name: "api", server_id: serverId, source_type: "nixpacks", env_vars: { DATABASE_URL: "postgres://x" } },
    })
  ).body.data.id;
});
after(() => t.close());

const envUrl = () => `/api/v1/services/${serviceId}/env`;
const storedBlob = async () =>
  (await t.deps.db.select({ b: services.envVarsEncrypted }).from(services).where(eq(services.id, serviceId)))[0]?.b;

test("variables are set, listed with secrets masked, revealed on request, and deleted", async () => {
  const put = await t.call("PUT", envUrl(), {
    as: owner,
    body: {
      variables: [
        { key: "DB_PASSWORD", value: SECRET },
        { key: "LOG_LEVEL", value: "debug", is_secret: false },
      ],
    },
  });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.data, { updated: ["DB_PASSWORD", "LOG_LEVEL"] });

  const list = await t.call("GET", envUrl(), { as: owner });
  assert.deepEqual(list.body.data, [
    { key: "DATABASE_URL", value: "********", is_secret: true, masked: true, is_build_time: false },
    { key: "DB_PASSWORD", value: "********", is_secret: true, masked: true, is_build_time: false },
    { key: "LOG_LEVEL", value: "debug", is_secret: false, masked: false, is_build_time: false },
  ]);
  const revealed = await t.call("GET", `${envUrl()}?reveal=true`, { as: owner });
  assert.equal(revealed.body.data[1].value, SECRET);

  // Changing a value keeps the secret and build-time flags unless told otherwise.
  const flag = { variables: [{ key: "LOG_LEVEL", value: "debug", is_build_time: true }] };
  await t.call("PUT", envUrl(), { as: owner, body: flag });
  await t.call("PUT", envUrl(), { as: owner, body: { variables: [{ key: "LOG_LEVEL", value: "info" }] } });
  const after = await t.call("GET", envUrl(), { as: owner });
  assert.equal(after.body.data[2].value, "info");
  assert.equal(after.body.data[2].is_build_time, true);
  assert.equal(after.body.data[2].is_secret, false);

  // Flags change on their own, without the value (which a secret's caller may not even see).
  const flagged = await t.call("PATCH", `${envUrl()}/DB_PASSWORD`, { as: owner, body: { is_build_time: true } });
  assert.equal(flagged.status, 200, JSON.stringify(flagged.body));
  assert.deepEqual(flagged.body.data, {
    key: "DB_PASSWORD",
    value: "********",
    is_secret: true,
    masked: true,
    is_build_time: true,
  });
  const kept = await t.call("GET", `${envUrl()}?reveal=true`, { as: owner });
  assert.equal(kept.body.data[1].value, SECRET, "the value is untouched");
  const empty = await t.call("PATCH", `${envUrl()}/DB_PASSWORD`, { as: owner, body: {} });
  assert.equal(empty.status, 400);
  const missingVar = await t.call("PATCH", `${envUrl()}/NOPE`, { as: owner, body: { is_secret: false } });
  assert.equal(missingVar.status, 404);

  assert.equal((await t.call("DELETE", `${envUrl()}/LOG_LEVEL`, { as: owner })).status, 204);
  const missing = await t.call("DELETE", `${envUrl()}/LOG_LEVEL`, { as: owner });
  assert.equal(missing.status, 404);
  const svc = await t.call("GET", `/api/v1/services/${serviceId}`, { as: owner });
  assert.equal(svc.body.data.env_var_count, 2);
});

test("bad variable input is refused and stores nothing", async () => {
  const before = await storedBlob();
  const cases: unknown[] = [
    { variables: [] },
    { variables: [{ key: "9LIVES", value: "x" }] },
    {
      variables: [
        { key: "A", value: "1" },
        { key: "A", value: "2" },
      ],
    },
    { variables: [{ key: "A", value: "x".repeat(40_000) }] },
    { variables: [{ key: "A", value: 5 }] },
  ];
  for (const body of cases) {
    const res = await t.call("PUT", envUrl(), { as: owner, body });
    assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
  }
  assert.ok(before?.equals((await storedBlob()) ?? Buffer.alloc(0)));
});

test("values are encrypted at rest with AES-256-GCM bound to the service", async () => {
  const blob = await storedBlob();
  assert.ok(blob && blob.length > 0);
  assert.ok(!blob.toString("latin1").includes(SECRET));
  assert.ok(!blob.toString("latin1").includes("DB_PASSWORD"), "even the key names are encrypted");
  // Copying the ciphertext onto another service's row must not make it readable there.
  const [row] = await t.deps.db.select().from(services).where(eq(services.id, serviceId));
  assert.ok(row);
  const twin = await t.call("POST", `/api/v1/projects/${row.projectId}/services`, {
    as: owner,
    body: { name: "twin", server_id: row.serverId, source_type: "nixpacks" },
  });
  await t.deps.db.update(services).set({ envVarsEncrypted: blob }).where(eq(services.id, twin.body.data.id));
  const stolen = await t.call("GET", `/api/v1/services/${twin.body.data.id}/env?reveal=true`, { as: owner });
  assert.equal(stolen.status, 500);
  assert.ok(!JSON.stringify(stolen.body).includes(SECRET));
  // The project's service list still answers, marking the unreadable one.
  const list = await t.call("GET", `/api/v1/projects/${row.projectId}/services`, { as: owner });
  assert.equal(list.status, 200);
  assert.equal(list.body.data.find((x: { name: string }) => x.name === "twin").env_var_count, null);
});

test("after a master key rotation old ciphertexts are read and re-encrypted on the next write", async () => {
  const oldKeyring = t.deps.keyring;
  const newKey = randomBytes(32).toString("base64");
  // The generated key file stays readable as a previous key once SYNTRA_MASTER_KEY is set.
  t.deps.keyring = await loadKeyring({ masterKey: newKey, previousMasterKeys: [], dataDir: t.deps.config.dataDir });
  assert.ok(!t.deps.keyring.primary.id.equals(oldKeyring.primary.id));
  const read = await t.call("GET", `${envUrl()}?reveal=true`, { as: owner });
  assert.equal(read.status, 200);
  assert.equal(read.body.data.find((v: { key: string }) => v.key === "DB_PASSWORD").value, SECRET);
  assert.ok(isStale(t.deps.keyring, (await storedBlob()) ?? Buffer.alloc(0)));

  await t.call("PUT", envUrl(), { as: owner, body: { variables: [{ key: "NEW", value: "1" }] } });
  assert.ok(!isStale(t.deps.keyring, (await storedBlob()) ?? Buffer.alloc(0)), "write re-encrypted under the new key");

  // With only the new key, everything still reads.
  t.deps.keyring = await loadKeyring({ masterKey: newKey, previousMasterKeys: [], dataDir: "/nonexistent-dir" });
  const again = await t.call("GET", `${envUrl()}?reveal=true`, { as: owner });
  assert.equal(again.body.data.find((v: { key: string }) => v.key === "DB_PASSWORD").value, SECRET);

  // A server that lost the key says so, without leaking anything.
  t.deps.keyring = await loadKeyring({
    masterKey: randomBytes(32).toString("base64"),
    previousMasterKeys: [],
    dataDir: "/nonexistent-dir",
  });
  const lost = await t.call("GET", envUrl(), { as: owner });
  assert.equal(lost.status, 500);
  assert.match(lost.body.error.message, /SYNTRA_MASTER_KEY_PREVIOUS/);
  t.deps.keyring = oldKeyring;
});

test("no secret value ever appears in logs or error bodies", async () => {
  t.deps.keyring = await loadKeyring({ masterKey: undefined, previousMasterKeys: [], dataDir: t.deps.config.dataDir });
  const errors: string[] = [];
  // A failing write with the secret in it, a validation error echoing input, a 404 with it in the URL.
  for (const res of [
    await t.call("PUT", envUrl(), { as: owner, body: { variables: [{ key: "X", value: SECRET, bogus: SECRET }] } }),
    await t.call("PUT", envUrl(), { as: owner, body: { variables: [{ key: SECRET, value: SECRET }] } }),
    await t.call("GET", `/api/v1/nothing?token=${SECRET}`, { as: owner }),
    await t.call("POST", "/api/v1/auth/login", { body: { email: "owner@example.com", password: SECRET } }),
  ]) {
    assert.ok(res.status >= 400);
    errors.push(JSON.stringify(res.body));
  }
  for (const body of errors) assert.ok(!body.includes(SECRET), `error body leaks the secret: ${body}`);
  const logText = t.logs.join("");
  assert.ok(logText.length > 0);
  assert.ok(!logText.includes(SECRET), "a log line contains a secret value");
  assert.ok(!logText.includes(owner.cookie), "a log line contains a session cookie");
});

test("every way in is capped at 500 variables, and lists count them once per stored version", async () => {
  const projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Capped" } })).body.data.id;
  const serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "s2" } })).body.data.server_id;
  const vars = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`V${i}`, "x".repeat(100)]));
  const body = (name: string, n: number) => ({ name, server_id: serverId, source_type: "nixpacks", env_vars: vars(n) });
  const tooMany = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: body("many", 501),
  });
  assert.equal(tooMany.status, 400, JSON.stringify(tooMany.body).slice(0, 300));
  assert.equal(tooMany.body.error.details[0].path, "body.env_vars");
  const full = await t.call("POST", `/api/v1/projects/${projectId}/services`, { as: owner, body: body("full", 500) });
  assert.equal(full.status, 201);
  assert.equal(full.body.data.env_var_count, 500);
  const listed = async () =>
    (await t.call("GET", `/api/v1/projects/${projectId}/services`, { as: owner })).body.data[0].env_var_count;
  assert.equal(await listed(), 500);
  assert.equal(await listed(), 500, "the remembered count");
  // A change writes a new ciphertext, so the count follows it.
  const removed = await t.call("DELETE", `/api/v1/services/${full.body.data.id}/env/V0`, { as: owner });
  assert.equal(removed.status, 204);
  assert.equal(await listed(), 499);
});
