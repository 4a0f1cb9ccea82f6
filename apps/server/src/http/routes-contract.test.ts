import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { apiRouteList, apiRoutes, defineApiRoute } from "@syntra/contracts";
import Fastify from "fastify";
import type { AppDeps } from "../deps";
import { allRoutes } from "../routes";
import { createTestApp, type TestApp } from "../testing/harness";
import { implementationProblems, registerRoutes } from "./register-routes";
import { implement, type ServerRoute } from "./route";

// The server registers the contracts' route table, each route once, and nothing beside it: the typed client,
// which is the same table turned into functions, can then never call a route the server does not have.

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  await t.close();
});

const handler = async () => undefined;

test("the server implements every declared route exactly once, and only declared routes", () => {
  assert.deepEqual(implementationProblems(allRoutes), []);
});

test("the app answers on every route of the table with the declared method", () => {
  const missing = apiRouteList()
    .filter(({ route }) => !t.app.hasRoute({ method: route.method, url: route.path }))
    .map(({ name }) => name);
  assert.deepEqual(missing, []);
});

test("a route missing from the contracts, missing from the server, or implemented twice is a start-up error", () => {
  const undeclared = defineApiRoute({
    method: "GET",
    path: "/api/v1/undeclared",
    summary: "Declared here only, not in apiRoutes",
    tag: "test",
    access: { authenticated: true },
  });
  const withoutProjects = allRoutes.filter((r) => r.route !== apiRoutes.projects.list);
  const projectsList = allRoutes.find((r) => r.route === apiRoutes.projects.list) as ServerRoute;
  const cases: [readonly ServerRoute[], RegExp][] = [
    [[...allRoutes, implement(undeclared, { handler })], /GET \/api\/v1\/undeclared is not declared/],
    [withoutProjects, /projects\.list \(GET \/api\/v1\/projects\) is implemented 0 times/],
    [[...allRoutes, projectsList], /projects\.list \(GET \/api\/v1\/projects\) is implemented 2 times/],
  ];
  for (const [routes, problem] of cases) {
    assert.match(implementationProblems(routes).join("\n"), problem);
    // No dependency is touched before the check.
    assert.throws(() => registerRoutes(Fastify(), {} as AppDeps, routes, { validateResponses: false }), problem);
  }
});

test("a mutating route without an audit action is a start-up error", () => {
  const routes = allRoutes.map((r) => (r.route === apiRoutes.projects.create ? { route: r.route, handler } : r));
  assert.throws(
    () => registerRoutes(Fastify(), {} as AppDeps, routes, { validateResponses: false }),
    /POST \/api\/v1\/projects changes state but declares no audit action/,
  );
});
