import type { DeployPayload, ImageReference } from "@syntra/contracts";
import { type ContainerRuntime, type ContainerSpec, LABELS } from "../runtime/types";

type PullAuth = Parameters<ContainerRuntime["ensureImage"]>[1];

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*: anything else becomes "-". */
export function dockerName(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return cleaned === "" ? "x" : cleaned;
}

/** `syn-<service_name>-<first 8 of deployment_id>-<replica>`. */
export function containerName(payload: DeployPayload, replica: number): string {
  return `syn-${dockerName(payload.service_name)}-${payload.deployment_id.slice(0, 8)}-${replica}`;
}

/** The project's network, `syn-<project_name>`: its services reach each other by name on it. */
export function networkName(payload: DeployPayload): string {
  return `syn-${dockerName(payload.project_name)}`;
}

/** What Docker calls the image: Docker Hub images go without their registry, like `docker pull` prints them. */
export function imageRef(image: ImageReference): string {
  const repository = image.registry === "docker.io" ? image.repository : `${image.registry}/${image.repository}`;
  return `${repository}:${image.tag}`;
}

/** Pull credentials; an empty username means an anonymous pull. */
export function pullAuth(payload: DeployPayload): PullAuth | null {
  const { username, password } = payload.registry_auth;
  if (username === "") return null;
  const serveraddress = payload.image.registry === "docker.io" ? "https://index.docker.io/v1/" : payload.image.registry;
  return { username, password, serveraddress };
}

const aliasPattern = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

/** The container of replica `replica` of a deployment. Syntra's labels are applied over the payload's. */
export function containerSpec(payload: DeployPayload, replica: number): ContainerSpec {
  const { config } = payload;
  // The service name is free text; it is an alias only when it is a usable DNS name.
  const aliases = [payload.networking.internal_hostname, payload.service_name].filter((a) => aliasPattern.test(a));
  return {
    name: containerName(payload, replica),
    image: imageRef(payload.image),
    env: config.env_vars,
    labels: {
      ...config.labels,
      [LABELS.serviceId]: payload.service_id,
      [LABELS.deploymentId]: payload.deployment_id,
      [LABELS.replica]: String(replica),
    },
    port: config.port,
    cpuLimit: config.cpu_limit,
    memoryLimit: config.memory_limit,
    volumes: config.volumes,
    network: { name: networkName(payload), aliases: [...new Set(aliases)] },
  };
}
