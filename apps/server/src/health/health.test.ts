import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createTestApp, type TestApp } from "../testing/harness";
import { testStore } from "../testing/test-database";

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test("healthz answers while the process is up", async () => {
  const res = await t.call("GET", "/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: "ok" });
});

test("readyz reports the store it reached", async () => {
  const res = await t.call("GET", "/readyz");
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: "ready", database: testStore });
});

test("readyz answers 503 with the error envelope once the store is gone", async () => {
  const lone = await createTestApp();
  await lone.deps.database.close();
  const res = await lone.call("GET", "/readyz");
  assert.equal(res.status, 503);
  assert.equal(res.body.error.code, "SERVICE_UNAVAILABLE");
  assert.match(res.body.error.request_id, /^req_/);
  // All of it: on PostgreSQL the cluster bus's listening connection would keep the test process alive.
  await lone.close();
});

test("unknown routes answer the NOT_FOUND envelope with a request id header", async () => {
  const res = await t.call("GET", "/api/v1/nope?secret=x");
  assert.equal(res.status, 404);
  assert.equal(res.body.success, false);
  assert.equal(res.body.error.code, "NOT_FOUND");
  assert.equal(res.headers["x-request-id"], res.body.error.request_id);
  assert.doesNotMatch(res.body.error.message, /secret=x/);
});
