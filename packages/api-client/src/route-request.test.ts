import assert from "node:assert/strict";
import { test } from "node:test";
import { apiRoutes, defineApiRoute } from "@syntra/contracts";
import { z } from "zod";
import { routeRequest } from "./route-request";

const serviceId = "3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d";

test("path parameters are substituted and percent-encoded, so a value never changes the path's shape", () => {
  assert.deepEqual(routeRequest(apiRoutes.services.get, { serviceId }), { path: `/api/v1/services/${serviceId}` });
  const { path } = routeRequest(apiRoutes.domains.remove, { serviceId, domain: "../../x?y=1#z" });
  assert.equal(path, `/api/v1/services/${serviceId}/domains/..%2F..%2Fx%3Fy%3D1%23z`);
  assert.throws(
    () => routeRequest(apiRoutes.services.get, {}),
    /GET \/api\/v1\/services\/:serviceId needs 'serviceId'/,
  );
  assert.throws(() => routeRequest(apiRoutes.services.get, { serviceId: "" }), /needs 'serviceId'/);
});

test("the rest of the input is the query of a route with a query, as text, lists repeated, undefined left out", () => {
  assert.deepEqual(routeRequest(apiRoutes.live.serviceLogs, { serviceId, follow: false, tail: 10, x: undefined }), {
    path: `/api/v1/services/${serviceId}/logs/stream?follow=false&tail=10`,
  });
  assert.deepEqual(routeRequest(apiRoutes.registry.token, { service: "r", scope: ["repository:a:pull", "b c"] }), {
    path: "/api/v1/registry/token?service=r&scope=repository%3Aa%3Apull&scope=b+c",
  });
  assert.deepEqual(routeRequest(apiRoutes.servers.list), { path: "/api/v1/servers" });
});

test("the rest of the input is the body of a route with a body, sent even when empty", () => {
  assert.deepEqual(routeRequest(apiRoutes.services.scale, { serviceId, replicas: 2 }), {
    path: `/api/v1/services/${serviceId}/scale`,
    body: { replicas: 2 },
  });
  assert.deepEqual(routeRequest(apiRoutes.services.deploy, { serviceId }), {
    path: `/api/v1/services/${serviceId}/deploy`,
    body: {},
  });
  assert.deepEqual(routeRequest(apiRoutes.services.restart, { serviceId }), {
    path: `/api/v1/services/${serviceId}/restart`,
  });
});

test("a route with both a query and a body tells them apart by the query schema's fields", () => {
  const both = defineApiRoute({
    method: "POST",
    path: "/api/v1/things/:thingId",
    summary: "A route with a query and a body",
    tag: "test",
    access: { authenticated: true },
    params: z.strictObject({ thingId: z.string() }),
    query: z.strictObject({ dry_run: z.enum(["true", "false"]).optional() }),
    body: z.strictObject({ name: z.string() }),
  });
  assert.deepEqual(routeRequest(both, { thingId: "a b", dry_run: "true", name: "x" }), {
    path: "/api/v1/things/a%20b?dry_run=true",
    body: { name: "x" },
  });
});
