import { z } from "zod";
import { defineApiRoute } from "../route";

/** GET /healthz answer. */
export const liveness = z.object({ status: z.literal("ok") });
/** GET /readyz answer. */
export const readiness = z.object({ status: z.literal("ready"), database: z.enum(["pglite", "postgres"]) });

/** Probes for process managers and load balancers (bare JSON, no envelope). */
export const healthRoutes = {
  live: defineApiRoute({
    method: "GET",
    path: "/healthz",
    summary: "Liveness: the process is up",
    tag: "health",
    access: { public: true },
    answer: "json",
    response: liveness,
  }),
  ready: defineApiRoute({
    method: "GET",
    path: "/readyz",
    summary: "Readiness: the stores answer",
    tag: "health",
    access: { public: true },
    answer: "json",
    response: readiness,
    errors: ["SERVICE_UNAVAILABLE"],
  }),
};
