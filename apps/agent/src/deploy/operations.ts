import type { DeployPayload, HealthCheckConfig } from "@syntra/contracts";
import { AgentError } from "../errors";
import type { ContainerInfo } from "../runtime/types";
import {
  drain,
  healthCheckFor,
  inspectAll,
  pointRoute,
  probeUntilHealthy,
  replicaOf,
  startReplica,
  type WorkloadContext,
} from "./context";
import type { Generation, ServiceState, StateStore } from "./state";

/** Running, reachable and not known to be unhealthy: may receive traffic. */
export function isServing(ctx: WorkloadContext, c: ContainerInfo): boolean {
  return c.state === "running" && c.address !== null && ctx.health.get(c.id) !== "unhealthy";
}

function byReplica(containers: ContainerInfo[]): ContainerInfo[] {
  return [...containers].sort((a, b) => replicaOf(a) - replicaOf(b));
}

function requireCurrent(state: ServiceState): Generation {
  if (!state.current) {
    throw new AgentError("CONTAINER_NOT_FOUND", `Service ${state.serviceId} has no deployment on this agent`);
  }
  return state.current;
}

function freeReplica(used: Iterable<number>): number {
  const taken = new Set(used);
  let replica = 0;
  while (taken.has(replica)) replica++;
  return replica;
}

function unhealthyError(container: ContainerInfo, reason: string | null): AgentError {
  return new AgentError(
    "HEALTH_CHECK_FAILED",
    `${container.name} did not become healthy: ${reason ?? "unknown reason"}`,
  );
}

/**
 * Brings the current deployment to `replicas` serving containers. Up: stopped containers of the deployment
 * start again first, then new replicas are created; each joins the route once healthy (`rolling`: one at a
 * time; `immediate`: all checked together). Down: the highest replicas leave the route, drain, and are removed.
 * Zero replicas leave the domains answering 503. A replica that fails its check is removed and the error
 * (HEALTH_CHECK_FAILED) thrown; the others keep serving.
 */
export async function scaleService(
  ctx: WorkloadContext,
  store: StateStore,
  serviceId: string,
  replicas: number,
  strategy: "immediate" | "rolling",
): Promise<void> {
  const state = await store.load(serviceId);
  const generation = requireCurrent(state);
  const plan: ScalePlan = {
    payload: generation.deployment,
    check: healthCheckFor(generation.deployment, state.healthCheck),
    replicas,
    strategy,
  };
  const containers = byReplica(await inspectAll(ctx.runtime, generation.containerIds));
  const serving = containers.filter((c) => isServing(ctx, c));
  const idle = containers.filter((c) => !isServing(ctx, c));
  // The containers of the deployment that exist, kept up to date as replicas come and go.
  const existing = new Map(containers.map((c) => [c.id, c]));
  try {
    if (serving.length < replicas) await scaleUp(ctx, plan, serving, idle, existing);
    else
      await scaleDown(ctx, plan, serving.slice(0, replicas), [...serving.slice(replicas), ...idle].reverse(), existing);
  } finally {
    // Whatever happened, the state lists the containers that exist now.
    generation.containerIds = [...existing.keys()];
    generation.deployment = { ...plan.payload, config: { ...plan.payload.config, replicas } };
    if (replicas > 0) state.stopped = false;
    await store.save(state);
  }
}

interface ScalePlan {
  payload: DeployPayload;
  check: HealthCheckConfig;
  replicas: number;
  strategy: "immediate" | "rolling";
}

async function scaleUp(
  ctx: WorkloadContext,
  plan: ScalePlan,
  serving: ContainerInfo[],
  idle: ContainerInfo[],
  existing: Map<string, ContainerInfo>,
): Promise<void> {
  const { payload, check } = plan;
  const routed = [...serving];
  const pending: ContainerInfo[] = [];
  const used = [...existing.values()].map(replicaOf);
  const admit = async (batch: ContainerInfo[]) => {
    const results = await Promise.all(batch.map((c) => probeUntilHealthy(ctx, c, payload.config.port, check)));
    const failed = batch.filter((_, i) => !results[i]?.healthy);
    routed.push(...batch.filter((c) => !failed.includes(c)));
    await pointRoute(ctx, payload, routed);
    for (const c of failed) {
      ctx.health.forget(c.id);
      await ctx.runtime.remove(c.id);
      existing.delete(c.id);
    }
    const first = failed[0];
    if (first) throw unhealthyError(first, results[batch.indexOf(first)]?.lastError ?? null);
  };
  const waiting = [...idle];
  while (routed.length + pending.length < plan.replicas) {
    const reuse = waiting.shift();
    let container: ContainerInfo | null;
    if (reuse) {
      await ctx.runtime.restart(reuse.id, ctx.stopTimeoutSeconds);
      container = await ctx.runtime.inspect(reuse.id);
      if (!container) continue;
    } else {
      const replica = freeReplica(used);
      used.push(replica);
      container = await startReplica(ctx, payload, replica);
      existing.set(container.id, container);
    }
    if (plan.strategy === "rolling") await admit([container]);
    else pending.push(container);
  }
  if (pending.length > 0) await admit(pending);
}

async function scaleDown(
  ctx: WorkloadContext,
  plan: ScalePlan,
  survivors: ContainerInfo[],
  victims: ContainerInfo[],
  existing: Map<string, ContainerInfo>,
): Promise<void> {
  const leave = async (batch: ContainerInfo[], remaining: ContainerInfo[]) => {
    await pointRoute(ctx, plan.payload, remaining);
    if (batch.some((c) => c.state === "running")) await drain(ctx);
    for (const c of batch) {
      ctx.health.forget(c.id);
      await ctx.runtime.remove(c.id);
      existing.delete(c.id);
    }
  };
  if (plan.strategy === "immediate") {
    await leave(victims, survivors);
    return;
  }
  const remaining = [...survivors, ...victims];
  for (const victim of victims) {
    remaining.splice(remaining.indexOf(victim), 1);
    await leave([victim], remaining);
  }
}

/**
 * Restarts the current containers one at a time: each leaves the route (when others serve), drains, restarts,
 * is checked, and comes back in at its new address. With one replica the service is down while it restarts.
 */
export async function restartService(
  ctx: WorkloadContext,
  store: StateStore,
  serviceId: string,
  timeoutSeconds: number,
): Promise<void> {
  const state = await store.load(serviceId);
  const generation = requireCurrent(state);
  const payload = generation.deployment;
  const check = healthCheckFor(payload, state.healthCheck);
  const containers = byReplica(await inspectAll(ctx.runtime, generation.containerIds));
  if (containers.length === 0) throw new AgentError("CONTAINER_NOT_FOUND", `Service ${serviceId} has no containers`);
  state.stopped = false;
  await store.save(state);
  const now = new Map(containers.map((c) => [c.id, c]));
  for (const container of containers) {
    const others = [...now.values()].filter((c) => c.id !== container.id && isServing(ctx, c));
    if (others.length > 0) {
      await pointRoute(ctx, payload, others);
      await drain(ctx);
    }
    await ctx.runtime.restart(container.id, timeoutSeconds);
    const restarted = await ctx.runtime.inspect(container.id);
    if (!restarted) throw new AgentError("CONTAINER_NOT_FOUND", `${container.name} vanished during its restart`);
    now.set(container.id, restarted);
    const result = await probeUntilHealthy(ctx, restarted, payload.config.port, check);
    if (!result.healthy) {
      ctx.health.record(restarted.id, false, 0);
      await pointRoute(ctx, payload, others.length > 0 ? others : [restarted]);
      throw unhealthyError(restarted, result.lastError);
    }
    await pointRoute(
      ctx,
      payload,
      [...now.values()].filter((c) => isServing(ctx, c)),
    );
  }
}

/**
 * Takes the service's route away, lets requests drain, then stops its containers (kept, state remembered) or
 * removes every container of the service and forgets it.
 */
export async function stopService(
  ctx: WorkloadContext,
  store: StateStore,
  serviceId: string,
  timeoutSeconds: number,
  removeContainers: boolean,
): Promise<void> {
  await ctx.router.removeRoute(serviceId);
  const containers = await ctx.runtime.list({ serviceId });
  if (containers.some((c) => c.state === "running")) await drain(ctx);
  if (removeContainers) {
    await Promise.all(
      containers.map(async (c) => {
        ctx.health.forget(c.id);
        // A graceful stop first: remove() alone would SIGKILL.
        if (c.state === "running") await ctx.runtime.stop(c.id, timeoutSeconds);
        await ctx.runtime.remove(c.id);
      }),
    );
    await store.remove(serviceId);
    return;
  }
  await Promise.all(containers.filter((c) => c.state === "running").map((c) => ctx.runtime.stop(c.id, timeoutSeconds)));
  const state = await store.load(serviceId);
  state.stopped = true;
  await store.save(state);
}
