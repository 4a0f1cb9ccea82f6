import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { services } from "../db/schema";
import type { AppDeps } from "../deps";
import { customCertificatesOf } from "./certificates";

/**
 * Sends a running service's routed domains and custom certificates to its agent (`configure_routes`), so a
 * domain verified later or a certificate uploaded takes effect without a redeploy. A service not deployed yet,
 * or whose agent is offline, gets them with its next deploy. Never throws: routing catches up at the next deploy.
 */
export async function pushRoutes(deps: AppDeps, serviceId: string): Promise<void> {
  try {
    const [svc] = await deps.db.select().from(services).where(eq(services.id, serviceId));
    if (!svc?.currentDeploymentId || !deps.agents.isOnline(svc.serverId)) return;
    const certificates = await customCertificatesOf(deps, serviceId);
    const ack = deps.agents.send(svc.serverId, "configure_routes", {
      request_id: randomUUID(),
      service_id: serviceId,
      domains: svc.domains ?? [],
      ...(certificates.length > 0 && { certificates }),
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
    deps.logger.warn({ err, service_id: serviceId }, "routes could not be sent to the agent");
  }
}
