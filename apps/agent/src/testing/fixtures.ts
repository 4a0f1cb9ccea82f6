import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type DeployPayload, deployPayload } from "@syntra/contracts";
import type Dockerode from "dockerode";
import { pino } from "pino";
import { LABELS } from "../runtime/types";

/** A deploy payload of the test web app that passes the contract; `name` keeps names unique per test. */
export function webappPayload(
  name: string,
  overrides: { tag?: string; replicas?: number; strategy?: DeployPayload["strategy"] } & Partial<DeployPayload> = {},
): DeployPayload {
  const { tag = "v1", replicas = 1, strategy = "blue_green", ...rest } = overrides;
  return deployPayload.parse({
    request_id: randomUUID(),
    deployment_id: randomUUID(),
    service_id: randomUUID(),
    service_name: name,
    project_name: `syntra-test-${name}`,
    image: { registry: "docker.io", repository: "syntra-test/webapp", tag },
    registry_auth: { username: "", password: "" },
    config: {
      port: 8080,
      replicas,
      env_vars: { APP_NAME: name },
      labels: { "dev.syntra.test": "true" },
      health_check: { type: "http", path: "/healthz", interval_seconds: 1, timeout_seconds: 2, retries: 2 },
    },
    networking: { domains: [`${name}.syntra.test`], internal_hostname: `${name}.internal`, expose_port: false },
    strategy,
    rollback_on_failure: true,
    timeout_seconds: 60,
    ...rest,
  });
}

/** The next deployment of the same service: new deployment id, another image tag. */
export function nextDeployment(
  previous: DeployPayload,
  tag: string,
  changes: Partial<DeployPayload> = {},
): DeployPayload {
  return deployPayload.parse({
    ...previous,
    request_id: randomUUID(),
    deployment_id: randomUUID(),
    image: { ...previous.image, tag },
    ...changes,
  });
}

/** Removes every container of a service and the project network, whatever state the test left them in. */
export async function removeService(docker: Dockerode, serviceId: string, network?: string): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.serviceId}=${serviceId}`] },
  });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  if (network)
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
}

/** A temporary state directory, removed by the returned function. */
export async function tempStateDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "syntra-agent-state-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A quiet logger for tests (warnings and errors only, on stderr). */
export function testLogger() {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? "warn" }, pino.destination(2));
}

/** A short random name for containers, networks and domains of one test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 6)}`;
}
