import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { EventEmitter, once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
const deploymentId = randomUUID();
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
    Labels: { [LABELS.managed]: "true", [LABELS.serviceId]: serviceId, [LABELS.deploymentId]: deploymentId },
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
  assert.equal(alert.metadata.deployment_id, deploymentId);
  assert.match(alert.title, /out of memory/);
  // The shell lives on after its child was killed and exits with the child's status (128 + SIGKILL).
  assert.equal(exit, 137);
  assert.equal(alert.metadata.exit_code, 137);
  assert.equal(alerts.length, 1, "several oom events of one kill and the other exits made no other alert");
});

test("the engine's events in any order: an oom after its container's die is reported at once with the exit code, once per life of the container", async (t) => {
  // A local server speaking the Docker engine's `/events` wire format (JSON lines, chunked), because a real engine
  // delivers the die before the oom only when loaded: CI saw it once.
  const container = "c0ffee".padEnd(64, "0");
  const attributes = { [LABELS.managed]: "true", [LABELS.serviceId]: mine, [LABELS.deploymentId]: "dep-2" };
  const event = (Action: string, extra: Record<string, string> = {}) =>
    `${JSON.stringify({ Type: "container", Action, Actor: { ID: container, Attributes: { ...attributes, ...extra } } })}\n`;
  const requested = new EventEmitter();
  const engine = createServer((req, res) => {
    assert.match(req.url ?? "", /\/events\?/);
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    requested.emit("stream", res);
  });
  engine.listen(0, "127.0.0.1");
  await once(engine, "listening");
  t.after(() => engine.close());
  const seen: AlertPayload[] = [];
  const delivered = new EventEmitter();
  const ordered = new OomWatcher({
    docker: new Dockerode({ host: "127.0.0.1", port: (engine.address() as AddressInfo).port, protocol: "http" }),
    serverId,
    logger: testLogger(),
    quietMs: 60_000,
    send: (alert) => {
      seen.push(alert);
      delivered.emit("alert", alert);
    },
  });
  const stream = once(requested, "stream");
  await ordered.start();
  t.after(() => ordered.stop());
  const [res] = (await stream) as [NodeJS.WritableStream];

  // The first life: the die first, then cgroup v1's several oom events of the one kill.
  let next = once(delivered, "alert");
  res.write(event("die", { exitCode: "137" }) + event("oom"));
  const [first] = (await next) as [AlertPayload];
  assert.equal(first.metadata.exit_code, 137);
  assert.equal(first.metadata.deployment_id, "dep-2");
  assert.match(first.title, /Container killed: out of memory/);
  // The second life after a restart, in the usual order; the first life's late oom made no alert of its own.
  next = once(delivered, "alert");
  res.write(event("oom") + event("start") + event("oom") + event("oom") + event("die", { exitCode: "137" }));
  await next;
  assert.equal(seen.length, 2, "one alert per kill");
  assert.equal(seen[1]?.metadata.exit_code, 137);
  // A plain exit is no alert; after the next restart, the next kill is one alert again.
  res.write(event("die", { exitCode: "1" }));
  next = once(delivered, "alert");
  res.write(event("start") + event("oom") + event("die", { exitCode: "137" }));
  await next;
  assert.equal(seen.length, 3);
});
