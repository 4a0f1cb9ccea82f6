import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { LogEntry } from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import { ensureTestImages } from "@syntra/testing/images";
import { DockerRuntime } from "../runtime/docker";
import { type ContainerInfo, LABELS } from "../runtime/types";
import { removeService, tempStateDir, testLogger, uniqueName } from "../testing/fixtures";
import { ContainerLogCollector } from "./container-logs";

const runtime = new DockerRuntime();
const network = uniqueName("syn-logs");
const ours = randomUUID();
const foreign = randomUUID();
let state: Awaited<ReturnType<typeof tempStateDir>>;

function run(serviceId: string): Promise<ContainerInfo> {
  return runtime.run({
    name: uniqueName("syn-logs"),
    image: "syntra-test/webapp:v1",
    env: {},
    labels: { [LABELS.serviceId]: serviceId, [LABELS.deploymentId]: randomUUID() },
    port: 8080,
    network: { name: network, aliases: [] },
  });
}

before(async () => {
  await ensureTestImages("v1");
  await runtime.ensureNetwork(network);
  state = await tempStateDir();
});

after(async () => {
  await removeService(runtime.docker, ours);
  await removeService(runtime.docker, foreign, network);
  await state.remove();
});

test("only the containers of services this agent deploys are followed, at start and when they start later", async () => {
  const foreignBefore = await run(foreign);
  const oursBefore = await run(ours);
  const accepted: LogEntry[] = [];
  const collector = new ContainerLogCollector({
    docker: runtime.docker,
    runtime,
    owns: async (serviceId) => serviceId === ours,
    accept: async (logs) => {
      accepted.push(...logs);
    },
    dir: state.dir,
    logger: testLogger(),
  });
  await collector.start();
  try {
    assert.ok(collector.followedContainers().includes(oursBefore.id));
    assert.ok(!collector.followedContainers().includes(foreignBefore.id), "another agent's container is followed");

    // Start events are handled in the engine's order: once the later container of ours is followed, the foreign
    // one started before it has been looked at and left alone.
    const foreignLater = await run(foreign);
    const oursLater = await run(ours);
    await eventually(async () => collector.followedContainers().includes(oursLater.id), {
      diagnostic: () => `followed: ${collector.followedContainers().join(", ")}`,
    });
    assert.ok(!collector.followedContainers().includes(foreignLater.id), "another agent's container is followed");

    await eventually(async () => accepted.filter((l) => l.message === "webapp v1 starting").length === 2, {
      diagnostic: () => JSON.stringify(accepted.map((l) => [l.service_id, l.message])),
    });
    assert.deepEqual(
      accepted.filter((l) => l.service_id !== ours),
      [],
      "lines of another agent's service were collected",
    );
  } finally {
    await collector.stop();
  }
});
