import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { after, before, test } from "node:test";
import type { AlertPayload } from "@syntra/contracts";
import { alertPayload } from "@syntra/contracts";
import { BASE_IMAGE } from "@syntra/testing/images";
import Dockerode from "dockerode";
import { OomWatcher } from "./oom-watcher";
import { LABELS } from "./runtime/types";
import { removeService, testLogger } from "./testing/fixtures";

// The kernel's OOM killer against a real Docker engine: a container with a 16 MB limit made to hold 200 MB.

const docker = new Dockerode();
const serverId = `srv_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
const mine = randomUUID();
const others = randomUUID();
const alerts: AlertPayload[] = [];
const sent = new EventEmitter();
const watcher = new OomWatcher({
  docker,
  serverId,
  logger: testLogger(),
  owns: (serviceId) => serviceId === mine,
  // The containers below die right after their OOM kill: their `die` must be what reports it, not the quiet timer
  // for a container that lives on (its 2 s elapsed before the die on a loaded machine once, with no exit code).
  quietMs: 60_000,
  send: (alert) => {
    alerts.push(alert);
    sent.emit("alert", alert);
  },
});

before(() => watcher.start());
after(async () => {
  watcher.stop();
  await Promise.all([removeService(docker, mine), removeService(docker, others)]);
});

/** Runs a container of `serviceId` with a 16 MB memory limit to its end; resolves with its exit code. */
async function runToEnd(serviceId: string, script: string): Promise<number> {
  const container = await docker.createContainer({
    Image: BASE_IMAGE,
    Cmd: ["sh", "-c", script],
    Labels: { [LABELS.managed]: "true", [LABELS.serviceId]: serviceId, [LABELS.deploymentId]: "dep-1" },
    HostConfig: { Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024 },
  });
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  return StatusCode;
}

// busybox tail keeps its input until a newline comes: /dev/zero never sends one.
const EXHAUST_MEMORY = "head -c 200m /dev/zero | tail > /dev/null";

test("an OOM kill in one of this agent's services is one container_crash alert flagged oom_killed; other exits and others' services are not", async () => {
  // Ordered before the kill below: a plain failure, and another agent's service killed the same way.
  assert.equal(await runToEnd(mine, "exit 3"), 3);
  await runToEnd(others, EXHAUST_MEMORY);
  const next = once(sent, "alert");
  const exit = await runToEnd(mine, EXHAUST_MEMORY);
  const [alert] = (await next) as [AlertPayload];
  assert.ok(alertPayload.safeParse(alert).success, "the alert passes the protocol's schema");
  assert.equal(alert.service_id, mine);
  assert.equal(alert.server_id, serverId);
  assert.equal(alert.type, "container_crash");
  assert.equal(alert.severity, "critical");
  assert.equal(alert.metadata.oom_killed, true);
  assert.equal(alert.metadata.deployment_id, "dep-1");
  assert.match(alert.title, /out of memory/);
  // The shell lives on after its child was killed and exits with the child's status (128 + SIGKILL).
  assert.equal(exit, 137);
  assert.equal(alert.metadata.exit_code, 137);
  assert.equal(alerts.length, 1, "several oom events of one kill and the other exits made no other alert");
});
