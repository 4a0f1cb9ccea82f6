import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import express from "express";
import { Syntra } from "../src/node/index";
import { type ControlPlane, newService, startControlPlane, type TestService } from "./control-plane";
import { chargeCard } from "./fixtures/checkout";

// A real Express 5 app with the SDK's error handler, served over HTTP, reporting to a real control plane.

let cp: ControlPlane;
let s: TestService;
let server: Server;
let appUrl: string;

before(async () => {
  cp = await startControlPlane();
  s = await newService(cp, "express@example.com");
  Syntra.init({ dsn: s.dsn, release: "api@2.0.0", logs: false });
  const app = express();
  app.get("/orders/:id/charge", (req, res) => {
    Syntra.setUser({ id: `customer-${req.params.id}` });
    console.info("charging order %s", req.params.id);
    chargeCard({ id: Number(req.params.id), total: 500 });
    res.send("charged");
  });
  app.get("/async/:sku", async (req) => {
    await new Promise((resolve) => setImmediate(resolve));
    throw new RangeError(`no stock for ${req.params.sku}`);
  });
  app.get("/teapot", () => {
    throw Object.assign(new Error("I'm a teapot"), { status: 418 });
  });
  app.get("/ok", (_req, res) => {
    res.send("ok");
  });
  Syntra.setupExpressErrorHandler(app);
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.close();
  await Syntra.close();
  await cp.close();
});

test("an error in a route arrives with the request, the route, its breadcrumbs, its user and the trace", async () => {
  // The caller's span: fetch's client span is its child and carries the trace to the app in traceparent.
  const [status, traceId] = await Syntra.startSpan("checkout page", async (span) => {
    const res = await fetch(`${appUrl}/orders/17/charge?coupon=SPRING&token=hunter2`, {
      headers: { cookie: "session=abc", "x-request-id": "r-1" },
    });
    return [res.status, span.spanContext().traceId] as const;
  });
  assert.equal(status, 500, "Express still answers the error");
  await fetch(`${appUrl}/async/sku-9`);
  const teapot = await fetch(`${appUrl}/teapot`);
  assert.equal(teapot.status, 418);
  assert.equal((await fetch(`${appUrl}/ok`)).status, 200);
  assert.equal(await Syntra.flush(30_000), true);

  const issues = await s.issues();
  assert.deepEqual(
    issues.map((i) => i.exception_type).sort(),
    ["RangeError", "TypeError"],
    "4xx errors are not reported",
  );
  const declined = issues.find((i) => i.exception_type === "TypeError");
  const [event] = await s.events(declined.id);
  assert.equal(event.handled, false);
  assert.equal(event.trace_id, traceId, "the error carries the trace the request came with");
  assert.match(event.span_id, /^[0-9a-f]{16}$/);
  assert.equal(event.context.tags.mechanism, "express");
  assert.equal(event.context.tags.transaction, "GET /orders/:id/charge");
  assert.equal(event.context.tags.url, `${appUrl}/orders/17/charge`);
  const request = event.context.extra.request;
  assert.equal(request.method, "GET");
  assert.equal(request.query_string, "coupon=SPRING&token=%5BFiltered%5D");
  assert.equal(request.headers["x-request-id"], "r-1");
  assert.equal(request.headers.cookie, undefined, "cookies are not sent without sendDefaultPii");
  assert.equal(event.context.user.id, "customer-17");
  const crumbs = event.breadcrumbs.map((b: { message?: string }) => b.message);
  assert.ok(crumbs.includes("charging order 17"), JSON.stringify(crumbs));
  assert.equal(event.stack_trace.at(-1).function, "chargeCard");

  const rejected = issues.find((i) => i.exception_type === "RangeError");
  const [asyncEvent] = await s.events(rejected.id);
  assert.equal(asyncEvent.context.tags.transaction, "GET /async/:sku");
  assert.equal(asyncEvent.context.user, undefined, "another request's user does not leak into this one");
  assert.ok(!asyncEvent.breadcrumbs.some((b: { message?: string }) => b.message === "charging order 17"));
});
