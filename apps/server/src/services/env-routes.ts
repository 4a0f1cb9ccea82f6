import {
  envKeyParams,
  envVar,
  idParam,
  listEnvQuery,
  patchEnvVarBody,
  putEnvBody,
  putEnvResult,
} from "@syntra/contracts";
import { z } from "zod";
import { AppError, notFound } from "../errors";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import { describeEnv, openEnv, updateEnv } from "./env-vars";
import { getServiceRow } from "./services";

const list = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/env",
  summary: "List environment variables (secret values masked; ?reveal=true needs env:reveal)",
  tag: "services",
  access: { permission: "env:read" },
  params: idParam("serviceId"),
  query: listEnvQuery,
  response: z.array(envVar),
  handler: async ({ auth, deps, params, query }) => {
    if (query.reveal && !auth.permissions.has("env:reveal")) {
      throw new AppError("FORBIDDEN", "Revealing secret values needs the 'env:reveal' permission", {
        required: "env:reveal",
      });
    }
    const row = await getServiceRow(deps.db, projectScope(auth), params.serviceId);
    return describeEnv(openEnv(deps.keyring, row.id, row.envVarsEncrypted), query.reveal);
  },
});

const put = defineRoute({
  method: "PUT",
  url: "/api/v1/services/:serviceId/env",
  summary: "Set environment variables (others are kept); new ones are secret unless is_secret is false",
  tag: "services",
  access: { permission: "env:write" },
  params: idParam("serviceId"),
  body: putEnvBody,
  response: putEnvResult,
  audit: { action: "env.set", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    const now = deps.now().toISOString();
    const keys = body.variables.map((v) => v.key);
    // Keys only: values never reach the audit log.
    audit({ resourceId: params.serviceId, details: { keys } });
    await change(async (tx) => {
      const row = await getServiceRow(tx, projectScope(auth), params.serviceId);
      await updateEnv(tx, deps.keyring, row.id, (vars) => {
        for (const v of body.variables) {
          const secret = v.is_secret ?? vars.get(v.key)?.secret ?? true;
          const buildTime = v.is_build_time ?? vars.get(v.key)?.build_time ?? false;
          vars.set(v.key, { value: v.value, secret, updated_at: now, ...(buildTime && { build_time: true }) });
        }
      });
    });
    return { updated: keys };
  },
});

const remove = defineRoute({
  method: "DELETE",
  url: "/api/v1/services/:serviceId/env/:key",
  summary: "Delete an environment variable",
  tag: "services",
  access: { permission: "env:write" },
  params: envKeyParams,
  status: 204,
  audit: { action: "env.delete", resourceType: "service" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.serviceId, details: { keys: [params.key] } });
    await change(async (tx) => {
      const row = await getServiceRow(tx, projectScope(auth), params.serviceId);
      await updateEnv(tx, deps.keyring, row.id, (vars) => {
        if (!vars.delete(params.key)) throw notFound(`Variable ${params.key}`);
      });
    });
    return undefined;
  },
});

const patchFlags = defineRoute({
  method: "PATCH",
  url: "/api/v1/services/:serviceId/env/:key",
  summary: "Change a variable's secret or build-time flag, keeping its value",
  tag: "services",
  access: { permission: "env:write" },
  params: envKeyParams,
  body: patchEnvVarBody,
  response: envVar,
  audit: { action: "env.flags", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    audit({ resourceId: params.serviceId, details: { key: params.key, ...body } });
    const vars = await change(async (tx) => {
      const row = await getServiceRow(tx, projectScope(auth), params.serviceId);
      return updateEnv(tx, deps.keyring, row.id, (all) => {
        const current = all.get(params.key);
        if (!current) throw notFound(`Variable ${params.key}`);
        const buildTime = body.is_build_time ?? current.build_time === true;
        all.set(params.key, {
          value: current.value,
          secret: body.is_secret ?? current.secret,
          updated_at: deps.now().toISOString(),
          ...(buildTime && { build_time: true }),
        });
      });
    });
    // The answer never carries a secret's value (this call never needed it).
    const described = describeEnv(vars, false).find((v) => v.key === params.key);
    if (!described) throw notFound(`Variable ${params.key}`);
    return described;
  },
});

/** A service's environment variables, stored encrypted. */
export const envRoutes = [list, put, remove, patchFlags];
