import type { DeployLogEntry, DeployStrategy, Permission, ServiceVolume, VolumeMount } from "@syntra/contracts";
import { AppError } from "../errors";

/** The settings of a service that decide how its volumes may be shared. */
interface VolumeSettings {
  type: string | null;
  volumes: ServiceVolume[];
}

/**
 * The Docker volume behind a service's named volume: namespaced by the service id, so two services (of any
 * project) with a volume of the same name never share data, and stable across deploys, rollbacks and renames.
 */
export function dockerVolumeName(serviceId: string, name: string): string {
  return `syntra-${serviceId}-${name}`;
}

/** The volumes of a deploy command: named volumes under their Docker name, bind mounts as they are. */
export function volumeMounts(serviceId: string, volumes: ServiceVolume[]): VolumeMount[] {
  return volumes.map((v) =>
    v.host_path === undefined
      ? { name: dockerVolumeName(serviceId, v.name), container_path: v.container_path, read_only: v.read_only }
      : { name: v.name, host_path: v.host_path, container_path: v.container_path, read_only: v.read_only },
  );
}

/**
 * Refuses bind mounts from a caller who may not manage servers: a host path gives the container the server's
 * own files (the Docker socket, /etc), which is an owner's or admin's call. Sending the list again with an
 * existing bind mount counts as setting it.
 */
export function assertMayBindMount(permissions: ReadonlySet<Permission>, volumes: ServiceVolume[] | undefined): void {
  if (permissions.has("servers:write")) return;
  const index = volumes?.findIndex((v) => v.host_path !== undefined) ?? -1;
  if (index === -1) return;
  const message = "Only an owner or admin can set a host_path: a bind mount gives the container the server's own files";
  throw new AppError("FORBIDDEN", message, [{ path: `body.volumes.${index}.host_path`, message }]);
}

/** A database with volumes: two of its containers must never run on the same data. */
export function isSingleWriter(service: VolumeSettings): boolean {
  return service.type === "database" && service.volumes.length > 0;
}

/** Refuses more than one replica of a single-writer service; `path` names the field at fault. */
export function assertSingleWriterReplicas(service: VolumeSettings & { replicas: number }, path: string): void {
  if (!isSingleWriter(service) || service.replicas <= 1) return;
  const message = "a database service with volumes runs one container: two would write the same data";
  throw new AppError("UNPROCESSABLE", `replicas: ${message}`, [{ path, message }]);
}

/**
 * The strategy a deployment runs with. A single-writer service always goes `instant` (the old container stops
 * before the new one starts); rolling and blue-green would run both on the same data for a while.
 */
export function deployStrategyFor(service: VolumeSettings, asked: DeployStrategy): DeployStrategy {
  return isSingleWriter(service) ? "instant" : asked;
}

/** The deploy_log entry that says why the strategy asked for was replaced, or none when it was not. */
export function strategyNotes(service: VolumeSettings, asked: DeployStrategy, now: Date): DeployLogEntry[] {
  if (deployStrategyFor(service, asked) === asked) return [];
  return [
    {
      timestamp: now.toISOString(),
      status: "pending",
      phase: "stop_old",
      progress_percent: 0,
      message: `Deploying with the instant strategy instead of ${asked}: a database with volumes never runs two containers on the same data (expect a short downtime)`,
    },
  ];
}
