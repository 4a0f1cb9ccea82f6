import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
let owner: { cookie: string };
before(async () => {
  t = await createTestApp({ SYNTRA_BODY_LIMIT_BYTES: "4096" });
  owner = await t.signup("owner@example.com");
});
after(() => t.close());

test("a body over the configured limit answers 413 PAYLOAD_TOO_LARGE", async () => {
  const res = await t.call("POST", "/api/v1/projects", {
    as: owner,
    body: { name: "x", description: "y".repeat(5000) },
  });
  assert.equal(res.status, 413);
  assert.equal(res.body.error.code, "PAYLOAD_TOO_LARGE");
  assert.match(res.body.error.request_id, /^req_/);
});

test("a body that is not JSON answers 415; broken JSON answers 400 BAD_REQUEST", async () => {
  const form = await t.app.inject({
    method: "POST",
    url: "/api/v1/projects",
    headers: { cookie: `syntra_session=${owner.cookie}`, "content-type": "application/x-www-form-urlencoded" },
    payload: "name=x",
  });
  assert.equal(form.statusCode, 415);
  assert.equal(form.json().error.code, "UNSUPPORTED_MEDIA_TYPE");
  const broken = await t.app.inject({
    method: "POST",
    url: "/api/v1/projects",
    headers: { cookie: `syntra_session=${owner.cookie}`, "content-type": "application/json" },
    payload: '{"name": ',
  });
  assert.equal(broken.statusCode, 400);
  assert.equal(broken.json().error.code, "BAD_REQUEST");
  assert.equal(broken.json().success, false);
});

test("a missing body on a route that needs one is a validation error, not a crash", async () => {
  const res = await t.call("POST", "/api/v1/projects", { as: owner });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, "VALIDATION_ERROR");
});

test("unknown fields are rejected everywhere with their names", async () => {
  const res = await t.call("POST", "/api/v1/auth/login", {
    body: { email: "owner@example.com", password: "x", remember_me: true },
  });
  assert.equal(res.status, 400);
  assert.deepEqual(res.body.error.details, [{ path: "body", message: "unknown field(s): remember_me" }]);
});

test("a malformed Authorization header is 401, not anonymous access", async () => {
  for (const value of ["Basic abc", "Bearer", "Bearer syn_usr_short", `Bearer syn_agt_${"a".repeat(40)}`]) {
    const res = await t.call("GET", "/api/v1/projects", { headers: { authorization: value } });
    assert.equal(res.status, 401, value);
    assert.equal(res.body.error.code, "UNAUTHORIZED");
  }
});
