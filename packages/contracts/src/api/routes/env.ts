import { z } from "zod";
import { envKeyParams, envVar, listEnvQuery, patchEnvVarBody, putEnvBody, putEnvResult } from "../env";
import { idParam } from "../envelope";
import { defineApiRoute } from "../route";

/** A service's environment variables, stored encrypted. */
export const envRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/env",
    summary: "List environment variables (secret values masked; ?reveal=true needs env:reveal)",
    tag: "services",
    access: { permission: "env:read" },
    params: idParam("serviceId"),
    query: listEnvQuery,
    response: z.array(envVar),
  }),
  put: defineApiRoute({
    method: "PUT",
    path: "/api/v1/services/:serviceId/env",
    summary: "Set environment variables (others are kept); new ones are secret unless is_secret is false",
    tag: "services",
    access: { permission: "env:write" },
    params: idParam("serviceId"),
    body: putEnvBody,
    response: putEnvResult,
  }),
  remove: defineApiRoute({
    method: "DELETE",
    path: "/api/v1/services/:serviceId/env/:key",
    summary: "Delete an environment variable",
    tag: "services",
    access: { permission: "env:write" },
    params: envKeyParams,
    status: 204,
  }),
  /** Changes a variable's flags only; its value is neither needed nor sent. */
  setFlags: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/services/:serviceId/env/:key",
    summary: "Change a variable's secret or build-time flag, keeping its value",
    tag: "services",
    access: { permission: "env:write" },
    params: envKeyParams,
    body: patchEnvVarBody,
    response: envVar,
  }),
};
