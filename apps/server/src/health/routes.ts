import { apiRoutes } from "@syntra/contracts";
import { AppError } from "../errors";
import { implement } from "../http/route";

const healthz = implement(apiRoutes.health.live, {
  handler: async () => ({ status: "ok" as const }),
});

const readyz = implement(apiRoutes.health.ready, {
  handler: async ({ deps }) => {
    try {
      await deps.database.ping();
    } catch (err) {
      deps.logger.warn({ err }, "readiness check: database unreachable");
      throw new AppError("SERVICE_UNAVAILABLE", "Database is not reachable");
    }
    return { status: "ready" as const, database: deps.database.kind };
  },
});

/** Probes for process managers and load balancers. */
export const healthRoutes = [healthz, readyz];
