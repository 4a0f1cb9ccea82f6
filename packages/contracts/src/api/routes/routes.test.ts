import assert from "node:assert/strict";
import { test } from "node:test";
import { objectKeys, pathParamNames } from "../route";
import { apiRouteList, apiRoutes } from "./index";

// The route table is what the server registers and the client calls; these are the rules that let both derive
// everything from it without a second declaration.

const routes = apiRouteList();

test("every route has a name fit for client.<group>.<name>, and one method + path of its own", () => {
  const seen = new Map<string, string>();
  for (const { name, route } of routes) {
    assert.match(name, /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/, name);
    const key = `${route.method} ${route.path}`;
    assert.equal(seen.get(key), undefined, `${name} and ${seen.get(key)} are both ${key}`);
    seen.set(key, name);
  }
  assert.ok(routes.length >= 60, `only ${routes.length} routes in the table`);
});

test("a route's params schema names exactly the :parameters of its path", () => {
  for (const { name, route } of routes) {
    const inPath = pathParamNames(route.path).sort();
    const declared = route.params ? objectKeys(route.params)?.sort() : [];
    assert.deepEqual(declared, inPath, `${name}: ${route.path}`);
  }
});

test("query and body are objects whose fields a flat client input can tell apart from the path's", () => {
  for (const { name, route } of routes) {
    const params = new Set(pathParamNames(route.path));
    const query = route.query ? objectKeys(route.query) : [];
    const body = route.body ? objectKeys(route.body) : [];
    assert.ok(query, `${name}: the query is not an object schema`);
    assert.ok(body, `${name}: the body is not an object schema`);
    for (const key of [...query, ...body]) assert.ok(!params.has(key), `${name}: '${key}' is a path parameter too`);
    for (const key of query) assert.ok(!body.includes(key), `${name}: '${key}' is in the query and the body`);
    if (route.body) assert.notEqual(route.method, "GET", `${name}: a GET with a body`);
  }
});

test("each answer kind carries what a client needs to read it", () => {
  for (const { name, route } of routes) {
    const answer = route.answer ?? "envelope";
    if (route.status === 204) assert.equal(route.response, undefined, `${name}: 204 answers have no body`);
    if (answer === "stream") {
      assert.ok(route.events, `${name}: a stream declares its events`);
      assert.equal(route.produces, "text/event-stream", name);
    } else if (answer === "socket") {
      assert.ok(route.events && route.sends, `${name}: a socket declares the frames of both sides`);
      assert.equal(route.method, "GET", `${name}: a WebSocket opens with a GET`);
    } else {
      assert.equal(route.events, undefined, `${name}: only streams and sockets have events`);
    }
    if (answer !== "socket") assert.equal(route.sends, undefined, `${name}: only sockets have client frames`);
    if (answer === "file") assert.ok(route.produces, `${name}: a file declares its content type`);
    if (answer === "json") assert.ok(route.response, `${name}: a bare JSON answer declares its schema`);
    if (answer === "redirect" || answer === "file" || answer === "stream" || answer === "socket") {
      assert.equal(route.response, undefined, `${name}: ${answer} answers have no JSON schema`);
    }
  }
});

test("the table's groups are the client's: services.get is GET /api/v1/services/:serviceId", () => {
  assert.equal(apiRoutes.services.get.method, "GET");
  assert.equal(apiRoutes.services.get.path, "/api/v1/services/:serviceId");
  assert.deepEqual(
    routes.filter((r) => r.route === apiRoutes.services.get).map((r) => r.name),
    ["services.get"],
  );
});
