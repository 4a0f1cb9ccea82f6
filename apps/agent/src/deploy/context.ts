import type { DeployPayload, HealthCheckConfig } from "@syntra/contracts";
import type { Logger } from "pino";
import { AgentError, isAgentError } from "../errors";
import { defaultHealthCheck, probeTarget, type WaitResult, waitHealthy } from "../health/probes";
import type { Router } from "../proxy/types";
import { type ContainerInfo, type ContainerRuntime, LABELS } from "../runtime/types";
import { containerSpec } from "./naming";

/** What the deploy layer's operations share. */
export interface WorkloadContext {
  runtime: ContainerRuntime;
  router: Router;
  logger: Logger;
  /** Wait after traffic moved off containers before stopping them. */
  drainMs: number;
  /** Grace period given to old containers' SIGTERM before SIGKILL. */
  stopTimeoutSeconds: number;
  health: HealthRegistry;
}

/** The last known health of each container, from deploy checks and the periodic monitor. */
export class HealthRegistry {
  private readonly states = new Map<string, { healthy: boolean | null; failures: number }>();

  /** Records a probe: healthy at once on success, unhealthy after `retries + 1` failures in a row. */
  record(containerId: string, healthy: boolean, retries: number): void {
    if (healthy) {
      this.markHealthy(containerId);
      return;
    }
    const previous = this.states.get(containerId) ?? { healthy: null, failures: 0 };
    const failures = previous.failures + 1;
    this.states.set(containerId, { healthy: failures > retries ? false : previous.healthy, failures });
  }

  markHealthy(containerId: string): void {
    this.states.set(containerId, { healthy: true, failures: 0 });
  }

  get(containerId: string): "healthy" | "unhealthy" | "unknown" {
    const healthy = this.states.get(containerId)?.healthy ?? null;
    if (healthy === null) return "unknown";
    return healthy ? "healthy" : "unhealthy";
  }

  forget(containerId: string): void {
    this.states.delete(containerId);
  }
}

/** The check a deployment uses: its own, else the one configured for the service, else TCP on the port. */
export function healthCheckFor(payload: DeployPayload, stored: HealthCheckConfig | null): HealthCheckConfig {
  return payload.config.health_check ?? stored ?? defaultHealthCheck(payload.config.port);
}

/** Creates and starts one replica; Docker's refusals become CONTAINER_START_FAILED. */
export async function startReplica(
  ctx: WorkloadContext,
  payload: DeployPayload,
  replica: number,
): Promise<ContainerInfo> {
  try {
    return await ctx.runtime.run(containerSpec(payload, replica));
  } catch (err) {
    if (isAgentError(err)) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new AgentError("CONTAINER_START_FAILED", `Replica ${replica} did not start: ${reason}`, { cause: err });
  }
}

/** Probes a container until healthy; records the outcome. */
export async function probeUntilHealthy(
  ctx: WorkloadContext,
  container: ContainerInfo,
  servicePort: number,
  check: HealthCheckConfig,
  signal?: AbortSignal,
): Promise<WaitResult> {
  const result = await waitHealthy(check, probeTarget(check, container, servicePort), ctx.runtime, signal);
  if (result.healthy) ctx.health.markHealthy(container.id);
  return result;
}

/** Sends the service's domains to these containers, with its uploaded certificates (no domains: no route). */
export async function pointRoute(
  ctx: WorkloadContext,
  payload: DeployPayload,
  containers: ContainerInfo[],
): Promise<void> {
  const serviceId = payload.service_id;
  const { domains, certificates } = payload.networking;
  if (domains.length === 0) {
    await ctx.router.removeRoute(serviceId);
    return;
  }
  const upstreams = containers.map((c) => c.address).filter((a): a is string => a !== null);
  await ctx.router.setRoute({
    serviceId,
    domains,
    upstreams,
    certificates: (certificates ?? []).map((c) => ({ domains: c.domains, certPem: c.cert_pem, keyPem: c.key_pem })),
  });
}

/** Lets requests already sent to containers just taken out of the route finish. */
export function drain(ctx: WorkloadContext): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ctx.drainMs));
}

/** Containers by id as they are now (addresses change on restart); gone ones are left out. */
export async function inspectAll(runtime: ContainerRuntime, ids: string[]): Promise<ContainerInfo[]> {
  const infos = await Promise.all(ids.map((id) => runtime.inspect(id)));
  return infos.filter((c): c is ContainerInfo => c !== null);
}

/** The last lines a container printed, for the status of a failed deploy; empty if they cannot be read. */
export async function recentLogs(runtime: ContainerRuntime, containerId: string, lines: number): Promise<string[]> {
  const out: string[] = [];
  try {
    await runtime.logs(
      containerId,
      { follow: false, tail: lines },
      (line) => out.push(`[${line.stream}] ${line.message}`),
      AbortSignal.timeout(3000),
    );
  } catch {
    // Only a diagnostic: the deploy's own error says what went wrong.
  }
  return out;
}

/** The replica number Syntra labelled a container with. */
export function replicaOf(container: ContainerInfo): number {
  return Number(container.labels[LABELS.replica] ?? "0");
}
