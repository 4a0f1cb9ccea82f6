import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { services } from "../db/schema";
import type { AppDeps } from "../deps";
import { type DesiredRouting, desiredRouting } from "./desired-routes";

/**
 * Sends a running service's routed domains and custom certificates to its agent (`configure_routes`), so a
 * domain verified later or a certificate uploaded takes effect without a redeploy. A service not deployed yet,
 * or whose agent is offline, gets them with its next deploy, and the agent's routes_report after every deploy
 * and reconnect catches any change that raced one (see reconcileRoutes). Never throws.
 */
export async function pushRoutes(deps: AppDeps, serviceId: string): Promise<void> {
  try {
    const [svc] = await deps.db.select().from(services).where(eq(services.id, serviceId));
    if (!svc?.currentDeploymentId || !deps.agents.isOnline(svc.serverId)) return;
    const desired = await desiredRouting(deps, serviceId);
    if (desired) sendRoutes(deps, svc.serverId, serviceId, desired);
  } catch (err) {
    deps.logger.warn({ err, service_id: serviceId }, "routes could not be sent to the agent");
  }
}

/** Sends configure_routes with `desired`; the answer is only logged (the next routes_report tells the rest). */
export function sendRoutes(deps: AppDeps, serverId: string, serviceId: string, desired: DesiredRouting): void {
  try {
    const ack = deps.agents.send(serverId, "configure_routes", {
      request_id: randomUUID(),
      service_id: serviceId,
      domains: desired.domains,
      ...(desired.certificates.length > 0 && { certificates: desired.certificates }),
    });
    void deps.agents.track(
      ack.then(
        (response) => {
          if (!response.success) {
            deps.logger.warn({ service_id: serviceId, error: response.error }, "the agent refused the new routes");
          }
        },
        (err: unknown) => deps.logger.info({ service_id: serviceId, err }, "routes not acknowledged"),
      ),
    );
  } catch (err) {
    deps.logger.info({ err, service_id: serviceId }, "routes could not be sent to the agent");
  }
}
