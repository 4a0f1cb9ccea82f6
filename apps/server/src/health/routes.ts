import { z } from "zod";
import { AppError } from "../errors";
import { defineRoute } from "../http/route";

const healthz = defineRoute({
  method: "GET",
  url: "/healthz",
  summary: "Liveness: the process is up",
  tag: "health",
  access: { public: true },
  envelope: false,
  response: z.object({ status: z.literal("ok") }),
  handler: async () => ({ status: "ok" as const }),
});

const readyz = defineRoute({
  method: "GET",
  url: "/readyz",
  summary: "Readiness: the stores answer",
  tag: "health",
  access: { public: true },
  errors: ["SERVICE_UNAVAILABLE"],
  envelope: false,
  response: z.object({ status: z.literal("ready"), database: z.enum(["pglite", "postgres"]) }),
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
