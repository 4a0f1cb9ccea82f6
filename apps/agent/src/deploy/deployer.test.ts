import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type DeployPayload, type DeployStatusPayload, deployStatusPayload } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { BASE_IMAGE, ensureTestImages } from "@syntra/testing/images";
import { get, Hammer } from "@syntra/testing/traffic";
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
import { networkName } from "./naming";

const runtime = new DockerRuntime();
const cleanups: (() => Promise<void>)[] = [];
let caddy: TestCaddy;
let deployer: Deployer;
let stateDir: string;

before(async () => {
  await ensureTestImages("v1", "v2", "broken-1");
  caddy = await startTestCaddy();
  const state = await tempStateDir();
  stateDir = state.dir;
  cleanups.push(state.remove);
  deployer = new Deployer({ runtime, router: caddy.router, stateDir, logger: testLogger(), drainSeconds: 1 });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await caddy?.stop();
});

/** A service of this test: its containers and network go at the end, whatever happens. */
function service(name: string, overrides: Parameters<typeof webappPayload>[1] = {}): DeployPayload {
  const payload = webappPayload(uniqueName(name), overrides);
  cleanups.push(() => removeService(runtime.docker, payload.service_id, networkName(payload)));
  return payload;
}

/** Deploys, checking every status against the contract; returns the final status and all of them. */
async function deploy(
  payload: DeployPayload,
): Promise<{ final: DeployStatusPayload; statuses: DeployStatusPayload[] }> {
  const statuses: DeployStatusPayload[] = [];
  const started = Date.now();
  const final = await deployer.deploy(payload, (s) => statuses.push(deployStatusPayload.parse(s)));
  const ms = Date.now() - started;
  console.log(
    `# ${payload.strategy} deploy of ${payload.image.tag} x${payload.config.replicas}: ${final.status} in ${ms} ms`,
  );
  return { final, statuses };
}

function domainOf(payload: DeployPayload): string {
  return payload.networking.domains[0] ?? "";
}

/** Records the start and die events of a service's containers, in the engine's order, until stopped. */
async function containerEvents(serviceId: string): Promise<{ stop(): Promise<{ action: string; id: string }[]> }> {
  const seen: { action: string; id: string }[] = [];
  const marker = `dev.syntra.test.marker-${serviceId}`;
  let markerDied = false;
  const stream = await runtime.docker.getEvents({ filters: { type: ["container"], event: ["start", "die"] } });
  let buffered = "";
  stream.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
      const event = JSON.parse(buffered.slice(0, nl)) as {
        Action: string;
        Actor: { ID: string; Attributes?: Record<string, string> };
      };
      const labels = event.Actor.Attributes ?? {};
      if (labels[LABELS.serviceId] === serviceId) seen.push({ action: event.Action, id: event.Actor.ID });
      if (labels[marker] === "true" && event.Action === "die") markerDied = true;
      buffered = buffered.slice(nl + 1);
    }
  });
  return {
    stop: async () => {
      // The engine reports events in order: once a marker container started now has died, every earlier
      // event of the service has arrived.
      const container = await runtime.docker.createContainer({
        Image: BASE_IMAGE,
        Cmd: ["true"],
        Labels: { [marker]: "true" },
      });
      await container.start();
      await eventually(() => markerDied, { what: "the marker container's die event" });
      await container.remove({ force: true });
      (stream as unknown as { destroy(): void }).destroy();
      return seen;
    },
  };
}

/** v1, then v2 with a client hammering the domain through Caddy the whole time: not one request may fail. */
async function zeroDowntime(strategy: DeployPayload["strategy"], replicas: number): Promise<void> {
  const v1 = service(`zd-${strategy.replace("_", "-")}`, { strategy, replicas });
  assert.equal((await deploy(v1)).final.status, "running");
  assert.deepEqual(await get(caddy.httpPort, domainOf(v1)), { status: 200, body: "v1" });

  const hammer = new Hammer(caddy.httpPort, domainOf(v1));
  await hammer.served(10);
  const { final } = await deploy(nextDeployment(v1, "v2"));
  await hammer.served(10);
  const report = await hammer.stop();
  console.log(
    `# ${strategy} x${replicas}: ${report.ok} ok, ${report.failed} failed, ${report.closedUnderUs} of them on a closed kept-alive connection in ${report.durationMs} ms`,
    Object.fromEntries(report.bodies),
  );
  assert.equal(final.status, "running", final.message);
  assert.equal(report.failed, 0, report.failures.join("\n"));
  assert.ok(report.ok > 20, `only ${report.ok} requests`);
  assert.deepEqual([...report.bodies.keys()], ["v1", "v2"], "v1 until the switch, v2 after, nothing else");
  assert.deepEqual(await get(caddy.httpPort, domainOf(v1)), { status: 200, body: "v2" });

  const containers = await runtime.list({ serviceId: v1.service_id });
  const byImage = (tag: string) => containers.filter((c) => c.image.endsWith(`:${tag}`));
  assert.equal(byImage("v2").filter((c) => c.state === "running").length, replicas);
  assert.equal(byImage("v1").length, replicas, "the previous version is kept for rollback...");
  assert.ok(
    byImage("v1").every((c) => c.state === "exited"),
    "...stopped",
  );
}

describe("Deployer.deploy", () => {
  test("blue_green from v1 to v2 under load: zero failed requests", () => zeroDowntime("blue_green", 2));

  test("rolling from v1 to v2 under load: zero failed requests", () => zeroDowntime("rolling", 2));

  test("statuses walk the phases with growing progress and end running with the first container", async () => {
    const payload = service("phases", { strategy: "blue_green" });
    const { final, statuses } = await deploy(payload);
    assert.deepEqual(
      statuses.map((s) => `${s.status}/${s.phase}/${s.progress_percent}`),
      [
        "pending/pull_image/0",
        "pulling/pull_image/10",
        "creating/create_container/30",
        "starting/start_container/50",
        "health_checking/health_check/70",
        "starting/configure_network/85",
        "starting/cleanup/95",
        "running/cleanup/100",
      ],
    );
    assert.deepEqual(final, statuses.at(-1));
    assert.ok(final.finished_at);
    const [first] = await deployer.containersOf(payload.service_id);
    assert.equal(final.container_id, first?.id);
    assert.ok(statuses.every((s) => s.started_at === final.started_at));
  });

  test("deploys() names this agent's services: not before its first deploy here, from then on", async () => {
    const payload = service("owned", { strategy: "instant" });
    assert.equal(await deployer.deploys(payload.service_id), false);
    assert.equal((await deploy(payload)).final.status, "running");
    assert.equal(await deployer.deploys(payload.service_id), true);
    assert.equal(await deployer.deploys("../not-an-id"), false);
  });

  test("instant replaces v1 with v2 (downtime allowed)", async () => {
    const v1 = service("instant", { strategy: "instant" });
    assert.equal((await deploy(v1)).final.status, "running");
    const hammer = new Hammer(caddy.httpPort, domainOf(v1));
    const { final, statuses } = await deploy(nextDeployment(v1, "v2"));
    const report = await hammer.stop();
    console.log(`# instant: ${report.ok} ok, ${report.failed} failed (downtime allowed)`, report.failures.slice(0, 2));
    assert.equal(final.status, "running");
    assert.ok(statuses.some((s) => s.phase === "stop_old"));
    assert.equal((await get(caddy.httpPort, domainOf(v1))).body, "v2");
  });

  test("a failed instant deploy stops the new container before the old one starts again: never both", async () => {
    const v1 = service("instant-back", { strategy: "instant" });
    assert.equal((await deploy(v1)).final.status, "running");
    const [old] = await deployer.containersOf(v1.service_id);
    assert.ok(old);
    const events = await containerEvents(v1.service_id);
    const { final } = await deploy(nextDeployment(v1, "broken-1"));
    const seen = await events.stop();
    assert.equal(final.status, "rolled_back", final.message);
    const running = new Set<string>();
    for (const e of seen) {
      if (e.action === "start") running.add(e.id);
      if (e.action === "die") running.delete(e.id);
      // Two containers on the same data (a database's volume) at once is what instant exists to prevent.
      assert.ok(running.size <= 1, `both ran at once: ${JSON.stringify(seen)}`);
    }
    assert.ok(
      seen.some((e) => e.action === "start" && e.id === old.id),
      "the old container came back",
    );
    assert.equal((await get(caddy.httpPort, domainOf(v1))).body, "v1");
  });

  test("a broken version is rolled back with HEALTH_CHECK_FAILED while v1 keeps answering", async () => {
    const v1 = service("broken", { strategy: "rolling", replicas: 2 });
    assert.equal((await deploy(v1)).final.status, "running");
    const before = (await deployer.containersOf(v1.service_id)).map((c) => c.id).sort();

    const hammer = new Hammer(caddy.httpPort, domainOf(v1));
    const { final } = await deploy(nextDeployment(v1, "broken-1"));
    const report = await hammer.stop();
    console.log(
      `# broken rolling: ${report.ok} ok, ${report.failed} failed, ${report.closedUnderUs} of them on a closed kept-alive connection`,
      Object.fromEntries(report.bodies),
    );

    assert.equal(final.status, "rolled_back");
    assert.equal(final.error?.code, "HEALTH_CHECK_FAILED");
    assert.match(final.message, /previous version keeps serving/);
    assert.ok(
      final.logs?.some((l) => l.includes("webapp broken-1 starting")),
      "the failed container's output is kept",
    );
    assert.equal(report.failed, 0, report.failures.join("\n"));
    assert.deepEqual([...report.bodies.keys()], ["v1"]);
    const after = await runtime.list({ serviceId: v1.service_id });
    assert.deepEqual(after.map((c) => c.id).sort(), before, "the broken containers are gone, v1's untouched");
  });

  test("a failed first deploy is `failed` and leaves nothing behind", async () => {
    const payload = service("first-broken", { tag: "broken-1", rollback_on_failure: true });
    const { final } = await deploy(payload);
    assert.equal(final.status, "failed");
    assert.equal(final.error?.code, "HEALTH_CHECK_FAILED");
    assert.deepEqual(await runtime.list({ serviceId: payload.service_id }), []);
    assert.equal(
      (await caddy.router.routes()).some((r) => r.serviceId === payload.service_id),
      false,
    );
  });

  test("the deploy timeout ends a deploy still waiting for health: TIMEOUT", async () => {
    const payload = service("timeout", { tag: "broken-1", timeout_seconds: 2 });
    const check = {
      type: "http" as const,
      path: "/healthz",
      interval_seconds: 1,
      timeout_seconds: 1,
      retries: 30,
      start_period_seconds: 0,
    };
    const { final } = await deploy({ ...payload, config: { ...payload.config, health_check: check } });
    assert.equal(final.status, "failed");
    assert.equal(final.error?.code, "TIMEOUT");
    assert.deepEqual(await runtime.list({ serviceId: payload.service_id }), []);
  });

  test("an image that cannot be pulled is PULL_FAILED and the old version keeps serving", async () => {
    const v1 = service("pull");
    assert.equal((await deploy(v1)).final.status, "running");
    const missing = nextDeployment(v1, "v1", {
      image: { registry: "127.0.0.1:9", repository: "syntra-test/absent", tag: "v9" },
    });
    const { final } = await deploy(missing);
    assert.equal(final.status, "rolled_back");
    assert.equal(final.error?.code, "PULL_FAILED");
    assert.equal((await get(caddy.httpPort, domainOf(v1))).body, "v1");
  });

  test("the same deployment sent again runs once (restarting dead containers); state is 0600 with the env", async () => {
    const payload = service("replay");
    assert.equal((await deploy(payload)).final.status, "running");
    const ids = (await runtime.list({ serviceId: payload.service_id })).map((c) => c.id);
    const again = await deploy(payload);
    assert.equal(again.final.status, "running");
    assert.match(again.final.message, /already running/);
    assert.deepEqual(
      (await runtime.list({ serviceId: payload.service_id })).map((c) => c.id),
      ids,
    );

    const file = path.join(stateDir, "services", `${payload.service_id}.json`);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const raw = await import("node:fs/promises").then((fs) => fs.readFile(file, "utf8"));
    assert.equal(JSON.parse(raw).current.deployment.config.env_vars.APP_NAME, payload.service_name);
  });

  test("a third deploy removes the first version's containers and keeps the second's stopped", async () => {
    const v1 = service("generations");
    await deploy(v1);
    const v2 = nextDeployment(v1, "v2");
    await deploy(v2);
    await deploy(nextDeployment(v2, "v1"));
    const containers = await runtime.list({ serviceId: v1.service_id });
    const deployments = new Set(containers.map((c) => c.labels["dev.syntra.deployment_id"]));
    assert.equal(deployments.size, 2);
    assert.equal(deployments.has(v1.deployment_id), false);
    assert.equal((await get(caddy.httpPort, domainOf(v1))).body, "v1");
  });
});
