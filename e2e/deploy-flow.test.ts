import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import { ensureTestImages } from "@syntra/testing/images";
import { get, Hammer } from "@syntra/testing/traffic";
import { CaddyRouter } from "../apps/agent/src/proxy/caddy";
import { AGENT_VERSION } from "../apps/agent/src/version";
import { createWebService, deployAndWait, type Stack, serverStatus, startStack, waitDeployment } from "./stack";

// Six redeploys under traffic, three of each strategy (bench:deploy does twenty of each).
const VERSIONS = Array.from({ length: 7 }, (_, i) => `v${i + 1}`);
const DOMAIN = "shop.e2e.test";
let stack: Stack;
let serviceId: string;
const deployments = new Map<string, string>();

before(async () => {
  await ensureTestImages(...VERSIONS, "broken-1");
  stack = await startStack();
  serviceId = await createWebService(stack, "shop", DOMAIN);
});
after(() => stack?.close());

const served = async () => (await get(stack.caddy.httpPort, DOMAIN)).body.trim();

test("the agent comes online with its host facts, and heartbeats become server metrics", async () => {
  const server = (await stack.t.call("GET", `/api/v1/servers/${stack.serverId}`, { as: stack.owner })).body.data;
  assert.equal(server.status, "online");
  assert.equal(server.runtime, "docker");
  assert.ok(server.cpu_cores > 0 && server.memory_mb > 0 && server.os_name && server.agent_version === AGENT_VERSION);
  await eventually(
    async () => {
      const res = await stack.t.call("GET", `/api/v1/servers/${stack.serverId}/metrics?interval=1m`, {
        as: stack.owner,
      });
      return res.body.data.some((s: { points: unknown[] }) => s.points.length > 0);
    },
    { timeoutMs: 15_000 },
  );
});

test("a first deploy serves the app on its domain through Caddy", async () => {
  const d = await deployAndWait(stack, serviceId, { image_tag: "v1", strategy: "blue_green" });
  assert.equal(d.status, "running", d.error_message ?? "");
  deployments.set("v1", d.id);
  assert.equal(await served(), "v1");
});

test("the service answers on its default domain (<service>-<project>.localhost here) with no DNS set up", async () => {
  const svc = (await stack.t.call("GET", `/api/v1/services/${serviceId}`, { as: stack.owner })).body.data;
  // The agent runs on the control plane's machine and says its proxy listens on this plain HTTP port.
  assert.equal(svc.default_domain, "shop-p-shop.localhost");
  assert.equal(svc.default_url, `http://shop-p-shop.localhost:${stack.caddy.httpPort}/`);
  assert.deepEqual(await get(stack.caddy.httpPort, svc.default_domain), { status: 200, body: "v1" });
});

test("a domain verified while the first deploy is in flight is routed once the deploy ends", async () => {
  const project = await stack.t.call("POST", "/api/v1/projects", { as: stack.owner, body: { name: "late" } });
  const created = await stack.t.call("POST", `/api/v1/projects/${project.body.data.id}/services`, {
    as: stack.owner,
    body: {
      name: "late",
      server_id: stack.serverId,
      source_type: "image",
      source_config: { image: "syntra-test/webapp", tag: "v1" },
      port: 8080,
      domains: ["late.e2e.test"],
      health_check: { type: "http", path: "/healthz", interval_seconds: 1, timeout_seconds: 2, retries: 2 },
    },
  });
  const lateId = created.body.data.id;
  const res = await stack.t.call("POST", `/api/v1/services/${lateId}/deploy`, { as: stack.owner, body: {} });
  await eventually(
    async () => {
      const d = await stack.t.call("GET", `/api/v1/deployments/${res.body.data.id}`, { as: stack.owner });
      return d.body.data.status === "deploying";
    },
    { timeoutMs: 20_000, what: "the late service's deployment deploying" },
  );
  // The DNS check lands while the agent deploys (the deploy command left without the domain).
  const verified = await stack.t.call("POST", `/api/v1/services/${lateId}/domains/late.e2e.test/verify`, {
    as: stack.owner,
  });
  assert.equal(verified.body.data.status, "verified");
  const done = await waitDeployment(stack, res.body.data.id);
  assert.equal(done.status, "running", done.error_message ?? "");
  // The agent's report after the deploy shows the domain missing; the control plane repairs the route.
  await eventually(async () => (await get(stack.caddy.httpPort, "late.e2e.test")).status === 200, {
    timeoutMs: 15_000,
    what: "late.e2e.test routed",
  });
  assert.equal((await get(stack.caddy.httpPort, "late.e2e.test")).body.trim(), "v1");
});

test("six redeploys under constant traffic lose no request, and each new version answers", async () => {
  const hammer = new Hammer(stack.caddy.httpPort, DOMAIN, 240_000);
  try {
    for (const [i, version] of VERSIONS.slice(1).entries()) {
      const strategy = i % 2 === 0 ? "rolling" : "blue_green";
      const d = await deployAndWait(stack, serviceId, { image_tag: version, strategy });
      assert.equal(d.status, "running", `${version}: ${d.error_message}`);
      deployments.set(version, d.id);
      assert.equal(await served(), version, `after deploying ${version}`);
    }
  } finally {
    const report = await hammer.stop();
    console.log(
      `# redeploys: ${report.ok} requests served, ${report.failed} failed, ${report.closedUnderUs} of them on a kept-alive connection the proxy closed`,
    );
    assert.equal(report.failed, 0, `failures: ${report.failures.join("; ")}`);
    assert.ok(report.ok > 100);
  }
});

test("a version failing its health check is rolled back while the old one keeps serving", async () => {
  const hammer = new Hammer(stack.caddy.httpPort, DOMAIN, 120_000);
  const d = await deployAndWait(stack, serviceId, { image_tag: "broken-1", strategy: "rolling" });
  const report = await hammer.stop();
  assert.equal(d.status, "rolled_back");
  assert.match(d.error_message ?? "", /health/i);
  assert.equal(report.failed, 0, report.failures.join("; "));
  assert.deepEqual([...report.bodies.keys()], [VERSIONS.at(-1)], "only the old version answered");
  const detail = await stack.t.call("GET", `/api/v1/deployments/${d.id}`, { as: stack.owner });
  assert.ok(detail.body.data.deploy_log.length >= 3, "the agent's progress is kept as the deploy log");
});

test("rollback to an earlier deployment serves that version again", async () => {
  const target = deployments.get("v3");
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/rollback`, {
    as: stack.owner,
    body: { deployment_id: target },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const d = await waitDeployment(stack, res.body.data.id);
  assert.equal(d.status, "running");
  assert.equal(await served(), "v3");
});

test("exec, logs, scale and restart work through the API", async () => {
  const exec = await stack.t.call("POST", `/api/v1/services/${serviceId}/exec`, {
    as: stack.owner,
    body: { command: ["sh", "-c", "echo $GREETING; cat /www/index.html; echo oops >&2; exit 3"] },
  });
  assert.equal(exec.status, 200, JSON.stringify(exec.body));
  assert.deepEqual(exec.body.data, { exit_code: 3, stdout: "hello\nv3", stderr: "oops\n" });

  await get(stack.caddy.httpPort, DOMAIN, "/no-such-page");
  const logs = await stack.t.call("GET", `/api/v1/services/${serviceId}/logs?limit=50`, { as: stack.owner });
  assert.equal(logs.status, 200, JSON.stringify(logs.body));
  assert.ok(Array.isArray(logs.body.data));

  const scaled = await stack.t.call("POST", `/api/v1/services/${serviceId}/scale`, {
    as: stack.owner,
    body: { replicas: 3 },
  });
  assert.equal(scaled.status, 200, JSON.stringify(scaled.body));
  assert.equal(scaled.body.data.replicas, 3);
  // Read from Caddy itself, as the agent's router reads it back.
  const routes = await new CaddyRouter({ adminUrl: stack.caddy.adminUrl }).routes();
  assert.equal(routes.find((r) => r.serviceId === serviceId)?.upstreams.length, 3);

  const hammer = new Hammer(stack.caddy.httpPort, DOMAIN, 60_000);
  const restarted = await stack.t.call("POST", `/api/v1/services/${serviceId}/restart`, { as: stack.owner });
  const report = await hammer.stop();
  assert.equal(restarted.status, 200, JSON.stringify(restarted.body));
  assert.equal(report.failed, 0, `a rolling restart of 3 replicas drops nothing: ${report.failures.join("; ")}`);
});

test("an agent killed mid-deploy comes back, and the deployment settles", async () => {
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/deploy`, {
    as: stack.owner,
    body: { image_tag: "v5", strategy: "rolling" },
  });
  assert.equal(res.status, 201);
  await eventually(
    async () => {
      const d = await stack.t.call("GET", `/api/v1/deployments/${res.body.data.id}`, { as: stack.owner });
      return d.body.data.status === "deploying";
    },
    { timeoutMs: 20_000 },
  );
  await stack.agent.kill();
  await eventually(async () => (await serverStatus(stack)) === "offline", { timeoutMs: 15_000 });
  assert.equal(await served(), "v3", "the old version keeps serving while the agent is down");

  stack.agent = stack.startAgent();
  await eventually(async () => (await serverStatus(stack)) === "online", {
    timeoutMs: 30_000,
    diagnostic: () => stack.agent.output(),
  });
  const settled = await waitDeployment(stack, res.body.data.id, 60_000);
  assert.ok(["failed", "running", "rolled_back"].includes(settled.status), settled.status);
  const now = await served();
  assert.ok(["v3", "v5"].includes(now), `serves a whole version, not a broken one: ${now}`);
  const after = await deployAndWait(stack, serviceId, { image_tag: "v6", strategy: "blue_green" });
  assert.equal(after.status, "running", "deploys work again after the crash");
  assert.equal(await served(), "v6");
});

test("stop removes the route and the containers", async () => {
  const res = await stack.t.call("POST", `/api/v1/services/${serviceId}/scale`, {
    as: stack.owner,
    body: { replicas: 0 },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const answer = await get(stack.caddy.httpPort, DOMAIN);
  assert.notEqual(answer.status, 200);
});
