import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { imageServiceBody } from "../testing/fixtures";
import { createTestApp, type TestApp } from "../testing/harness";
import { findUnstorableString } from "./validation";

// Strings PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate) and timestamps it cannot read (year 0000) are
// refused at validation with the field's path, on every kind of input, and nothing stored changes.

let t: TestApp;
let owner: { cookie: string };
let serverId: string;
let projectId: string;
before(async () => {
  t = await createTestApp();
  owner = { cookie: (await t.signup("owner@example.com", { orgName: "Acme" })).cookie };
  serverId = (await t.call("POST", "/api/v1/servers", { as: owner, body: { name: "web-1" } })).body.data.server_id;
  projectId = (await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "Shop" } })).body.data.id;
});
after(() => t.close());

const NUL = "a\u0000b";
const LONE = "caf\ud800e";

function assertRefused(
  res: { status: number; body: { error?: { code: string; details?: { path: string }[] } } },
  path: string,
) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error?.code, "VALIDATION_ERROR");
  assert.ok(
    res.body.error?.details?.some((d) => d.path === path),
    `expected an issue at ${path}: ${JSON.stringify(res.body.error?.details)}`,
  );
}

test("names with a NUL or a lone surrogate are refused on every resource, naming the field", async () => {
  for (const bad of [NUL, LONE]) {
    assertRefused(await t.call("POST", "/api/v1/projects", { as: owner, body: { name: bad } }), "body.name");
    assertRefused(
      await t.call("POST", "/api/v1/projects", { as: owner, body: { name: "ok", description: bad } }),
      "body.description",
    );
    assertRefused(await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: bad } }), "body.name");
    assertRefused(await t.call("POST", "/api/v1/servers", { as: owner, body: { name: bad } }), "body.name");
    assertRefused(await t.call("PATCH", "/api/v1/org", { as: owner, body: { name: bad } }), "body.name");
    assertRefused(
      await t.call("POST", "/api/v1/auth/signup", {
        body: { email: "new@example.com", password: "a-long-password", name: bad },
      }),
      "body.name",
    );
  }
});

test("a refused rename of the organization changes nothing and writes no audit entry", async () => {
  const before = await t.call("GET", "/api/v1/org", { as: owner });
  const audits = await t.call("GET", "/api/v1/audit-logs?action=org.update", { as: owner });
  assertRefused(await t.call("PATCH", "/api/v1/org", { as: owner, body: { name: LONE } }), "body.name");
  const afterwards = await t.call("GET", "/api/v1/org", { as: owner });
  assert.equal(afterwards.body.data.name, before.body.data.name);
  const auditsAfter = await t.call("GET", "/api/v1/audit-logs?action=org.update", { as: owner });
  assert.equal(auditsAfter.body.data.length, audits.body.data.length);
});

test("query filters and path parameters with a NUL are refused, not sent to the database", async () => {
  assertRefused(await t.call("GET", "/api/v1/audit-logs?action=a%00b", { as: owner }), "query.action");
  assertRefused(await t.call("GET", "/api/v1/audit-logs?resource_type=%00", { as: owner }), "query.resource_type");
  const svc = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: imageServiceBody("web", serverId),
  });
  assert.equal(svc.status, 201);
  assertRefused(
    await t.call("DELETE", `/api/v1/services/${svc.body.data.id}/domains/a%00b.example.com`, { as: owner }),
    "params.domain",
  );
});

test("strings anywhere in an input are checked, keys too, and a deeply nested body costs no stack", () => {
  assert.deepEqual(findUnstorableString({ a: [1, { b: "ok" }, { c: NUL }] }), ["a", "2", "c"]);
  assert.deepEqual(findUnstorableString({ a: { [NUL]: 1 } }), ["a", "a?b"]);
  assert.equal(findUnstorableString({ a: ["fine", "caf\u00e9 \ud83d\ude00"] }), null);
  let deep: unknown = LONE;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(findUnstorableString(deep)?.length, 200_000);
});

test("timestamps of year 0000, impossible dates and instants before year 1 are refused", async () => {
  for (const expires of ["0000-01-01T00:00:00Z", "2030-02-30T00:00:00Z", "0001-01-01T00:00:00+01:00"]) {
    assertRefused(
      await t.call("POST", "/api/v1/tokens", { as: owner, body: { name: "ci", expires_at: expires } }),
      "body.expires_at",
    );
  }
  assertRefused(await t.call("GET", "/api/v1/audit-logs?cursor=0000-06-01T00:00:00Z", { as: owner }), "query.cursor");
  const ok = await t.call("POST", "/api/v1/tokens", {
    as: owner,
    body: { name: "ci", expires_at: "9999-12-31T23:59:59Z" },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

test("timestamps of the first century are stored and answered as sent, not read back as 19xx or a 500", async () => {
  const body = { kind: "silence", comment: "", starts_at: "0020-02-29T00:00:00Z", ends_at: "0050-03-01T12:00:00Z" };
  const created = await t.call("POST", "/api/v1/alert-silences", { as: owner, body });
  // The answer is the row as stored and read back (INSERT ... RETURNING).
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.data.starts_at, "0020-02-29T00:00:00.000Z");
  assert.equal(created.body.data.ends_at, "0050-03-01T12:00:00.000Z");
});

test("env var values and keys that cannot survive storage or a deploy are refused, never accepted and lost", async () => {
  const svc = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: imageServiceBody("worker", serverId),
  });
  const id = svc.body.data.id;
  assertRefused(
    await t.call("PUT", `/api/v1/services/${id}/env`, {
      as: owner,
      body: { variables: [{ key: "__proto__", value: "x" }] },
    }),
    "body.variables.0.key",
  );
  assertRefused(
    await t.call("PUT", `/api/v1/services/${id}/env`, { as: owner, body: { variables: [{ key: "A", value: NUL }] } }),
    "body.variables.0.value",
  );
  const listed = await t.call("GET", `/api/v1/services/${id}/env`, { as: owner });
  assert.deepEqual(listed.body.data, []);
  // On create, a JSON body with a __proto__ key is refused as a whole (prototype poisoning), never half-kept.
  const created = await t.app.inject({
    method: "POST",
    url: `/api/v1/projects/${projectId}/services`,
    headers: { cookie: `syntra_session=${owner.cookie}`, "content-type": "application/json" },
    payload: `{"name":"proto","server_id":"${serverId}","source_type":"image","source_config":{"image":"nginx"},"env_vars":{"__proto__":"x","A":"1"}}`,
  });
  assert.equal(created.statusCode, 400, created.body);
  assert.equal(created.json().success, false);
});

test("a git token with a line break is refused before it can reach git's credential helper", async () => {
  const svc = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: {
      name: "built",
      server_id: serverId,
      source_type: "dockerfile",
      source_config: { repo_url: "https://git.example.com/acme/shop.git" },
    },
  });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  for (const token of ["ghp_abc\r\nusername=evil", "ghp_abc\nx", "ghp abc"]) {
    assertRefused(
      await t.call("PUT", `/api/v1/services/${svc.body.data.id}/git/credentials`, {
        as: owner,
        body: { kind: "token", token },
      }),
      "body.token",
    );
  }
  const ok = await t.call("PUT", `/api/v1/services/${svc.body.data.id}/git/credentials`, {
    as: owner,
    body: { kind: "token", token: "ghp_0123456789abcdef" },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test("time-range bounds outside what the telemetry store holds (1900 to 2299) are refused, not a 500", async () => {
  const svc = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: imageServiceBody("ranged", serverId),
  });
  for (const what of ["logs", "traces"]) {
    assertRefused(
      await t.call("GET", `/api/v1/services/${svc.body.data.id}/${what}?from=0020-02-29T00:00:00Z`, { as: owner }),
      "query.from",
    );
    assertRefused(
      await t.call("GET", `/api/v1/services/${svc.body.data.id}/${what}?to=2300-01-01T00:00:00Z`, { as: owner }),
      "query.to",
    );
    const ok = await t.call("GET", `/api/v1/services/${svc.body.data.id}/${what}?from=1900-01-01T00:00:00Z`, {
      as: owner,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  }
});

test("numeric filters are bounded too: a trace duration of 1e308 ms is refused, not a 500", async () => {
  const svc = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: imageServiceBody("durations", serverId),
  });
  assertRefused(
    await t.call("GET", `/api/v1/services/${svc.body.data.id}/traces?min_duration_ms=1.4532336894624342e%2B308`, {
      as: owner,
    }),
    "query.min_duration_ms",
  );
  const ok = await t.call("GET", `/api/v1/services/${svc.body.data.id}/traces?min_duration_ms=604800000`, {
    as: owner,
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});
