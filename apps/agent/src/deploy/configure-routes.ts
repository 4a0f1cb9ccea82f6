import type { ConfigureRoutesPayload, DeployPayload } from "@syntra/contracts";
import { AgentError } from "../errors";
import { inspectAll, pointRoute, type WorkloadContext } from "./context";
import { isServing } from "./operations";
import type { StateStore } from "./state";

/** What configure_routes changes: the service's public domains and its uploaded certificates. */
export type RouteSettings = Pick<ConfigureRoutesPayload, "domains" | "certificates">;

/**
 * Gives a running service new domains and certificates without a redeploy: its route is pointed at the
 * containers serving now with the new settings, then the stored deployment records them, so restarts,
 * scaling and recovery keep them. Absent certificates mean none. A stopped service only has them recorded
 * (it is routed again by its next start). A route the proxy refuses changes nothing.
 */
export async function configureRoutes(
  ctx: WorkloadContext,
  store: StateStore,
  serviceId: string,
  settings: RouteSettings,
): Promise<void> {
  const state = await store.load(serviceId);
  const generation = state.current;
  if (!generation) {
    throw new AgentError(
      "CONTAINER_NOT_FOUND",
      `Service ${serviceId} has no deployment on this agent; its first deploy will carry the domains`,
    );
  }
  const { certificates, ...networking } = generation.deployment.networking;
  const payload: DeployPayload = {
    ...generation.deployment,
    networking: {
      ...networking,
      domains: settings.domains,
      ...(settings.certificates?.length ? { certificates: settings.certificates } : {}),
    },
  };
  if (!state.stopped) {
    const containers = await inspectAll(ctx.runtime, generation.containerIds);
    const serving = containers.filter((c) => isServing(ctx, c));
    // None known healthy (say, right after an agent restart): the running ones are the best there is.
    await pointRoute(ctx, payload, serving.length > 0 ? serving : containers.filter((c) => c.state === "running"));
  }
  generation.deployment = payload;
  await store.save(state);
}
