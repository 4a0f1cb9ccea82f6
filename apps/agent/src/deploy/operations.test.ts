import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type DeployPayload, deployStatusPayload, serviceStatus } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { BASE_IMAGE, ensureTestImages } from "@syntra/testing/images";
import { get, Hammer } from "@syntra/testing/traffic";
import { isAgentError } from "../errors";
import { DockerRuntime } from "../runtime/docker";
import { LABELS } from "../runtime/types";
import { startTestCaddy, type TestCaddy } from "../testing/caddy";
import {
  nextDeployment,
  removeService,
  tempStateDir,
  testLogger,
  uniqueName,
  webappPayload,
} from "../testing/fixtures";
import { Deployer } from "./deployer";
import { containerSpec, networkName } from "./naming";
import { StateStore } from "./state";

const runtime = new DockerRuntime();
const cleanups: (() => Promise<void>)[] = [];
let caddy: TestCaddy;
let stateDir: string;
let deployer: Deployer;

function newDeployer(): Deployer {
  return new Deployer({ runtime, router: caddy.router, stateDir, logger: testLogger(), drainSeconds: 0.5 });
}

before(async () => {
  await ensureTestImages("v1", "v2");
  caddy = await startTestCaddy();
  const state = await tempStateDir();
  stateDir = state.dir;
  cleanups.push(state.remove);
  deployer = newDeployer();
});

after(async () => {
  deployer?.close();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await caddy?.stop();
});

/** Deploys a new service of this test (cleaned up at the end) and checks it runs. */
async function running(name: string, overrides: Parameters<typeof webappPayload>[1] = {}): Promise<DeployPayload> {
  const payload = webappPayload(uniqueName(name), overrides);
  cleanups.push(() => removeService(runtime.docker, payload.service_id, networkName(payload)));
  const final = await deployer.deploy(payload, () => undefined);
  assert.equal(final.status, "running", final.message);
  return payload;
}

const domainOf = (p: DeployPayload) => p.networking.domains[0] ?? "";
const routeOf = async (p: DeployPayload) => (await caddy.router.routes()).find((r) => r.serviceId === p.service_id);
const runningOf = async (p: DeployPayload) =>
  (await runtime.list({ serviceId: p.service_id })).filter((c) => c.state === "running");

describe("Deployer operations", () => {
  test("scale up and down, rolling and immediate: the route follows the healthy replicas", async () => {
    const payload = await running("scale");
    await deployer.scale(payload.service_id, 3, "rolling");
    assert.equal((await runningOf(payload)).length, 3);
    assert.equal((await routeOf(payload))?.upstreams.length, 3);
    assert.deepEqual(await get(caddy.httpPort, domainOf(payload)), { status: 200, body: "v1" });

    await deployer.scale(payload.service_id, 1, "immediate");
    const left = await runningOf(payload);
    assert.equal(left.length, 1);
    assert.deepEqual((await routeOf(payload))?.upstreams, [left[0]?.address]);
    assert.equal((await runtime.list({ serviceId: payload.service_id })).length, 1, "scaled-down replicas are removed");

    await deployer.scale(payload.service_id, 2, "immediate");
    assert.equal((await routeOf(payload))?.upstreams.length, 2);
    assert.equal((await deployer.containersOf(payload.service_id)).length, 2);

    await deployer.scale(payload.service_id, 0, "rolling");
    assert.equal((await get(caddy.httpPort, domainOf(payload))).status, 503, "scaled to zero answers 503");
    await deployer.scale(payload.service_id, 1, "rolling");
    assert.equal((await get(caddy.httpPort, domainOf(payload))).body, "v1");
  });

  test("a rolling restart with 2 replicas keeps serving", async () => {
    const payload = await running("restart", { replicas: 2 });
    const before = await runningOf(payload);
    const hammer = new Hammer(caddy.httpPort, domainOf(payload));
    await deployer.restart(payload.service_id, 5);
    const report = await hammer.stop();
    console.log(
      `# rolling restart x2: ${report.ok} ok, ${report.failed} failed, ${report.closedUnderUs} of them on a closed kept-alive connection in ${report.durationMs} ms`,
    );
    assert.equal(report.failed, 0, report.failures.join("\n"));
    const after = await runningOf(payload);
    assert.deepEqual(after.map((c) => c.id).sort(), before.map((c) => c.id).sort(), "same containers");
    assert.ok(after.every((c) => c.restartCount === 0 && c.startedAt !== before.find((b) => b.id === c.id)?.startedAt));
    assert.deepEqual((await routeOf(payload))?.upstreams.sort(), after.map((c) => c.address).sort());
  });

  test("stop removes the route and stops the containers; with remove, they are gone", async () => {
    const payload = await running("stop", { replicas: 2 });
    await deployer.stop(payload.service_id, 5, false);
    assert.equal(await routeOf(payload), undefined);
    assert.equal((await get(caddy.httpPort, domainOf(payload))).status, 404);
    const stopped = await runtime.list({ serviceId: payload.service_id });
    assert.deepEqual(
      stopped.map((c) => c.state),
      ["exited", "exited"],
    );

    await deployer.restart(payload.service_id, 5);
    assert.equal((await get(caddy.httpPort, domainOf(payload))).body, "v1", "restart brings a stopped service back");

    await deployer.stop(payload.service_id, 5, true);
    assert.deepEqual(await runtime.list({ serviceId: payload.service_id }), []);
    await assert.rejects(deployer.scale(payload.service_id, 1, "rolling"), (err: unknown) =>
      isAgentError(err, "CONTAINER_NOT_FOUND"),
    );
  });

  test("recover() after a crash mid-deploy removes the new containers and keeps v1 serving", async () => {
    const v1 = await running("recover", { replicas: 2 });
    const v1Ids = (await runningOf(v1)).map((c) => c.id).sort();
    // Simulate an agent that died during a rolling deploy of v2: marker written, one new container started,
    // one old container already stopped, Caddy still routing the stopped one's old address.
    const v2 = nextDeployment(v1, "v2", { strategy: "rolling" });
    const store = new StateStore(stateDir);
    const state = await store.load(v1.service_id);
    state.inProgress = { deploymentId: v2.deployment_id, startedAt: new Date().toISOString(), strategy: "rolling" };
    await store.save(state);
    const orphan = await runtime.run(containerSpec(v2, 0));
    await runtime.stop(v1Ids[0] ?? "", 1);
    const stale = (await routeOf(v1))?.upstreams ?? [];
    await caddy.router.setRoute({
      serviceId: v1.service_id,
      domains: v1.networking.domains,
      upstreams: [...stale, orphan.address ?? ""],
    });

    const restarted = newDeployer();
    const statuses = await restarted.recover();
    const mine = statuses.filter((s) => s.service_id === v1.service_id);
    assert.equal(mine.length, 1);
    const status = deployStatusPayload.parse(mine[0]);
    assert.equal(status.deployment_id, v2.deployment_id);
    assert.equal(status.status, "failed");
    assert.equal(status.error?.code, "AGENT_RESTARTED");

    assert.equal(await runtime.inspect(orphan.id), null, "the interrupted deploy's container is removed");
    const now = await runningOf(v1);
    assert.deepEqual(now.map((c) => c.id).sort(), v1Ids, "both v1 containers run again");
    assert.deepEqual((await routeOf(v1))?.upstreams.sort(), now.map((c) => c.address).sort());
    for (let i = 0; i < 5; i++) assert.deepEqual(await get(caddy.httpPort, domainOf(v1)), { status: 200, body: "v1" });
    // Read as the next agent process would: a store keeps the files' text it read or wrote (one per process).
    assert.equal((await new StateStore(stateDir).load(v1.service_id)).inProgress, null);
    assert.deepEqual(
      (await restarted.recover()).filter((s) => s.service_id === v1.service_id),
      [],
      "only once",
    );
  });

  test("serviceStatuses describes each container for the heartbeat", async () => {
    const payload = await running("status");
    const statuses = (await deployer.serviceStatuses()).filter((s) => s.service_id === payload.service_id);
    assert.equal(statuses.length, 1);
    const status = serviceStatus.parse(statuses[0]);
    assert.equal(status.status, "running");
    assert.equal(status.health, "healthy");
    assert.equal(status.deployment_id, payload.deployment_id);
    // A busy engine answers stats late: that beat carries the previous sample, a later one the fresh one.
    const memory =
      status.memory_mb ||
      (await eventually(
        async () =>
          (await deployer.serviceStatuses()).find((s) => s.service_id === payload.service_id)?.memory_mb || undefined,
        { what: "the container's memory reported" },
      ));
    assert.ok(memory > 0, "the container's memory is reported");
  });

  test("serviceStatuses leaves out containers whose labels do not fit the contract, so the heartbeat stays valid", async () => {
    // Labelled by hand, as a user or another tool might: the control plane would refuse a heartbeat carrying them.
    const serviceId = randomUUID();
    const labelled = async (labels: Record<string, string>) => {
      const c = await runtime.docker.createContainer({ Image: BASE_IMAGE, Cmd: ["true"], Labels: labels });
      cleanups.push(() => c.remove({ force: true }));
    };
    await labelled({ [LABELS.managed]: "true", [LABELS.serviceId]: "shop" });
    await labelled({ [LABELS.managed]: "true", [LABELS.serviceId]: serviceId, [LABELS.deploymentId]: "dep-1" });
    const statuses = await deployer.serviceStatuses();
    for (const status of statuses) serviceStatus.parse(status);
    assert.ok(!statuses.some((s) => s.service_id === "shop"));
    const mine = statuses.filter((s) => s.service_id === serviceId);
    assert.equal(mine.length, 1, "a valid service id with a deployment label that is no id is still reported");
    assert.equal(mine[0]?.deployment_id, undefined);
  });

  test("the monitor re-routes a container that came back at a new address, with the configured check", async () => {
    const payload = await running("monitor", { replicas: 2 });
    await deployer.configureHealthCheck(payload.service_id, {
      type: "tcp",
      interval_seconds: 1,
      timeout_seconds: 1,
      retries: 0,
      start_period_seconds: 0,
    });
    const [victim] = await runningOf(payload);
    assert.ok(victim);
    // Down long enough for another container of the project to get its address: it comes back at another one.
    await runtime.docker.getContainer(victim.id).stop({ t: 0 });
    const squatter = await runtime.run({
      ...containerSpec(webappPayload(uniqueName("squatter")), 0),
      network: { name: networkName(payload), aliases: [] },
    });
    cleanups.push(() => runtime.remove(squatter.id));
    await runtime.docker.getContainer(victim.id).start();
    const moved = await runtime.inspect(victim.id);
    assert.equal(squatter.address, victim.address);
    assert.notEqual(moved?.address, victim.address);
    deployer.startMonitor(200);
    await eventually(async () => (await routeOf(payload))?.upstreams.includes(moved?.address ?? ""), {
      what: "the route following the restarted container",
      timeoutMs: 15_000,
    }).catch(() => undefined);
    deployer.close();
    const upstreams = (await routeOf(payload))?.upstreams ?? [];
    assert.ok(upstreams.includes(moved?.address ?? ""), `route ${upstreams} lacks ${moved?.address}`);
    assert.ok(!upstreams.includes(victim.address ?? ""));
    const labels = (await runtime.inspect(victim.id))?.labels ?? {};
    assert.equal(labels[LABELS.serviceId], payload.service_id);
  });
});
