import { apiRoutes } from "@syntra/contracts";
import { AppError, notFound } from "../errors";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { describeEnv, openEnv, updateEnv } from "./env-vars";
import { getServiceRow } from "./services";

const list = implement(apiRoutes.env.list, {
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

const put = implement(apiRoutes.env.put, {
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

const remove = implement(apiRoutes.env.remove, {
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

const patchFlags = implement(apiRoutes.env.setFlags, {
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
