import { type DeployStatusPayload, type ServiceStatus, serviceStatus } from "@syntra/contracts";
import { type ContainerInfo, LABELS } from "../runtime/types";
import { healthCheckFor, inspectAll, pointRoute, probeUntilHealthy, type WorkloadContext } from "./context";
import type { StateStore } from "./state";

// Containers brought back at start-up get this long to answer their check before being routed anyway.
const RECOVERY_CHECK_MS = 30_000;

/**
 * Puts one service back in the state its file describes, after an agent restart: the current version's
 * containers run and are routed at their present addresses; previous-version containers are stopped; any
 * other container of the service (a deploy the agent died in) is removed, after the route moved off it.
 * Returns the `failed` status (AGENT_RESTARTED) of the interrupted deploy, if there was one.
 */
export async function recoverService(
  ctx: WorkloadContext,
  store: StateStore,
  serviceId: string,
  now: () => Date,
): Promise<DeployStatusPayload | null> {
  const { runtime } = ctx;
  const state = await store.load(serviceId);
  const currentIds = new Set(state.current?.containerIds ?? []);
  const previousIds = new Set(state.previous?.containerIds ?? []);

  if (state.current && !state.stopped) {
    const payload = state.current.deployment;
    const check = healthCheckFor(payload, state.healthCheck);
    for (const c of await inspectAll(runtime, [...currentIds])) {
      if (c.state !== "running") await runtime.restart(c.id, ctx.stopTimeoutSeconds);
    }
    const running = (await inspectAll(runtime, [...currentIds])).filter((c) => c.state === "running");
    const signal = AbortSignal.timeout(RECOVERY_CHECK_MS);
    const results = await Promise.all(
      running.map((c) => probeUntilHealthy(ctx, c, payload.config.port, check, signal)),
    );
    const healthy = running.filter((_, i) => results[i]?.healthy);
    // Nothing healthy: the running containers are still the best there is.
    await pointRoute(ctx, payload, healthy.length > 0 ? healthy : running);
  } else {
    await ctx.router.removeRoute(serviceId);
  }

  for (const c of await runtime.list({ serviceId })) {
    if (currentIds.has(c.id)) continue;
    if (previousIds.has(c.id)) {
      if (c.state === "running") await runtime.stop(c.id, ctx.stopTimeoutSeconds);
      continue;
    }
    ctx.health.forget(c.id);
    await runtime.remove(c.id);
  }

  const marker = state.inProgress;
  if (!marker) return null;
  state.inProgress = null;
  await store.save(state);
  ctx.logger.warn(
    { service_id: serviceId, deployment_id: marker.deploymentId },
    "deploy interrupted by an agent restart",
  );
  return {
    deployment_id: marker.deploymentId,
    service_id: serviceId,
    status: "failed",
    phase: "cleanup",
    progress_percent: 100,
    message: state.current
      ? "The agent restarted during this deploy; its containers were removed and the previous version serves"
      : "The agent restarted during this deploy; its containers were removed",
    started_at: marker.startedAt,
    finished_at: now().toISOString(),
    error: { code: "AGENT_RESTARTED", message: "The agent restarted before the deploy finished" },
  };
}

function statusOf(state: ContainerInfo["state"]): ServiceStatus["status"] {
  switch (state) {
    case "running":
      return "running";
    case "restarting":
      return "restarting";
    case "dead":
      return "error";
    case "created":
    case "exited":
    case "paused":
    case "removing":
      return "stopped";
    default: {
      const unknown: never = state;
      return unknown;
    }
  }
}

// Docker's stats take two samples (about a second) and much longer on a busy engine; a heartbeat must not wait
// for them past this, or it arrives late and the control plane counts the server as gone.
const STATS_WAIT_MS = 1500;
const lastStats = new Map<string, { cpuPercent: number; memoryMb: number }>();

/** A container's stats, or its previous sample (zeros at first) when the engine is slow to answer. */
async function freshOrLastStats(ctx: WorkloadContext, id: string): Promise<{ cpuPercent: number; memoryMb: number }> {
  const previous = lastStats.get(id) ?? { cpuPercent: 0, memoryMb: 0 };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), STATS_WAIT_MS);
  });
  const fresh = ctx.runtime.stats(id).then(
    (s) => {
      lastStats.set(id, s);
      return s;
    },
    () => null,
  );
  const answer = await Promise.race([fresh, late]);
  clearTimeout(timer);
  if (lastStats.size > 5000) lastStats.clear();
  return answer ?? previous;
}

/**
 * Every Syntra container on the host as a heartbeat's `services` entry, with a fresh stats sample each. Labels are
 * whatever the engine holds (a container labelled by hand or by another tool): one that does not fit the contract
 * would make the control plane refuse the whole heartbeat, so such a container is left out, and a deployment label
 * that is no deployment id is not reported.
 */
export async function serviceStatuses(ctx: WorkloadContext): Promise<ServiceStatus[]> {
  const ids = serviceStatus.shape;
  const containers = (await ctx.runtime.list()).filter(
    (c) => ids.service_id.safeParse(c.labels[LABELS.serviceId]).success,
  );
  return Promise.all(
    containers.map(async (c): Promise<ServiceStatus> => {
      const running = c.state === "running";
      const stats = running ? await freshOrLastStats(ctx, c.id) : { cpuPercent: 0, memoryMb: 0 };
      const label = c.labels[LABELS.deploymentId];
      const deploymentId = label && ids.deployment_id.safeParse(label).success ? label : undefined;
      return {
        service_id: c.labels[LABELS.serviceId] ?? "",
        container_id: c.id,
        status: statusOf(c.state),
        health: running ? ctx.health.get(c.id) : "unknown",
        cpu_percent: Math.max(0, stats.cpuPercent),
        memory_mb: Math.max(0, stats.memoryMb),
        restart_count: c.restartCount,
        // Never started: the epoch, as the contract needs a timestamp.
        started_at: new Date(c.startedAt ?? 0).toISOString(),
        ...(deploymentId ? { deployment_id: deploymentId } : {}),
      };
    }),
  );
}
