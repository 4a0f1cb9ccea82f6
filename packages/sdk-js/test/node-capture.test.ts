import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Syntra } from "../src/node/index";
import { type ControlPlane, newService, startControlPlane } from "./control-plane";
import { chargeCard, loadInventory } from "./fixtures/checkout";

// The Node SDK in this process, reporting to a real control plane: handled errors with their frames, source lines,
// breadcrumbs, user, tags and extras; messages; scopes that follow async work.

// Modules are named from the app's root, the working directory.
const fixtureModule = path.relative(process.cwd(), fileURLToPath(new URL("fixtures/checkout", import.meta.url)));

let cp: ControlPlane;
let other: http.Server;
let otherUrl: string;

before(async () => {
  cp = await startControlPlane();
  other = http.createServer((req, res) => {
    res.statusCode = req.url === "/missing" ? 404 : 200;
    res.end("ok");
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});
after(async () => {
  await Syntra.close();
  other.close();
  await cp.close();
});

test("a handled error arrives with in-app frames, source lines, breadcrumbs, user, tags and extra", async () => {
  const s = await newService(cp, "node-capture@example.com");
  Syntra.init({ dsn: s.dsn, release: "shop@1.4.2", environment: "staging", tracing: false, logs: false });
  Syntra.setUser({ id: "user-42", email: "ana@example.com" });
  Syntra.setTag("region", "eu-west");
  Syntra.setExtra("cart", { items: 3, coupon: null });
  console.log("cart loaded with %d items", 3);
  await fetch(`${otherUrl}/prices?token=secret-value`);
  await new Promise<void>((resolve) => http.get(`${otherUrl}/missing`, (res) => res.resume().on("end", resolve)));
  for (const id of [17, 18, 19]) {
    try {
      chargeCard({ id, total: 250 });
    } catch (err) {
      Syntra.captureException(err);
    }
  }
  Syntra.captureMessage("Payment provider slow for order 17", "warning");
  assert.equal(await Syntra.flush(30_000), true);

  const issues = await s.issues();
  const declined = issues.find((i) => i.exception_type === "TypeError");
  assert.ok(declined, JSON.stringify(issues.map((i) => i.title)));
  assert.equal(declined.event_count, 3, "the same error three times is one issue");
  assert.equal(declined.culprit, `chargeCard (${fixtureModule})`);
  const message = issues.find((i) => i.exception_type === "message");
  assert.equal(message?.title, "Payment provider slow for order 17");

  const [event] = await s.events(declined.id);
  const innermost = event.stack_trace.at(-1);
  assert.equal(innermost.function, "chargeCard");
  assert.equal(innermost.in_app, true);
  assert.equal(innermost.module, fixtureModule);
  assert.match(innermost.filename, /test\/fixtures\/checkout\.ts$/);
  assert.match(innermost.context_line, /throw new TypeError\(`card declined/);
  assert.equal(innermost.pre_context.at(-1).trim(), "if (order.total > 100) {");
  assert.ok(
    event.stack_trace.some((f: { in_app: boolean }) => !f.in_app),
    "node:internal frames are not in-app",
  );
  assert.equal(event.release, "shop@1.4.2");
  assert.equal(event.environment, "staging");
  assert.equal(event.handled, true);
  assert.deepEqual(event.context.user, { id: "user-42", email: "ana@example.com" });
  assert.equal(event.context.tags.region, "eu-west");
  assert.equal(event.context.tags.runtime, `node ${process.versions.node}`);
  assert.deepEqual(event.context.extra.cart, { items: 3, coupon: null });
  const crumbs = event.breadcrumbs as { type: string; message?: string; data?: Record<string, unknown> }[];
  assert.ok(crumbs.some((b) => b.type === "console" && b.message === "cart loaded with 3 items"));
  const fetchCrumb = crumbs.find((b) => b.type === "http" && b.message?.includes("/prices"));
  assert.equal(fetchCrumb?.message, `GET ${otherUrl}/prices [200]`, "fetch, without its query string");
  const httpCrumb = crumbs.find((b) => b.type === "http" && b.message?.includes("/missing"));
  assert.equal(httpCrumb?.data?.status_code, 404);
  assert.ok(!crumbs.some((b) => String(b.message).includes("/v1/errors")), "the SDK's own requests are not crumbs");
});

test("scopes follow async work: concurrent tasks keep their own user and tags", async () => {
  const s = await newService(cp, "node-scopes@example.com");
  Syntra.init({ dsn: s.dsn, tracing: false, logs: false });
  Syntra.getCurrentScope().clear();
  Syntra.setTag("global", "yes");
  await Promise.all(
    ["a", "b", "c"].map((name) =>
      Syntra.withScope(async () => {
        Syntra.setUser({ id: `user-${name}` });
        Syntra.setTag("task", name);
        Syntra.addBreadcrumb({ category: "task", message: `task ${name} started` });
        // Tasks interleave here: each resumes in its own scope.
        await new Promise((resolve) => setTimeout(resolve, 5));
        await loadInventory(`sku-${name}`).catch((err) => Syntra.captureException(err));
      }),
    ),
  );
  Syntra.captureMessage("outside any task");
  assert.equal(await Syntra.flush(30_000), true);

  const events = await s.allEvents();
  for (const name of ["a", "b", "c"]) {
    const e = events.find((ev) => ev.message === `sku sku-${name} is not stocked`);
    assert.ok(e, `task ${name}'s error arrived`);
    assert.equal(e.context.user.id, `user-${name}`);
    assert.equal(e.context.tags.task, name);
    assert.equal(e.context.tags.global, "yes");
    const taskCrumbs = e.breadcrumbs.filter((b: { category: string }) => b.category === "task");
    assert.deepEqual(
      taskCrumbs.map((b: { message: string }) => b.message),
      [`task ${name} started`],
    );
    assert.equal(e.stack_trace.at(-1).function, "loadInventory");
  }
  const outside = events.find((ev) => ev.message === "outside any task");
  assert.equal(outside.context.user, undefined, "the tasks' users stayed in their scopes");
  assert.equal(outside.context.tags.task, undefined);
});
