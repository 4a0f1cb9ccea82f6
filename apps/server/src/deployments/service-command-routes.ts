import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { execSessionRoute } from "./exec-session-route";
import { execInService, restartService, scaleService } from "./service-commands";

const restart = implement(apiRoutes.services.restart, {
  audit: { action: "service.restart", resourceType: "service" },
  handler: async ({ auth, deps, params, audit }) => {
    await restartService(deps, projectScope(auth), params.serviceId);
    audit({ resourceId: params.serviceId });
    return { success: true as const };
  },
});

const scale = implement(apiRoutes.services.scale, {
  audit: { action: "service.scale", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit, change }) => {
    audit({ resourceId: params.serviceId, details: { replicas: body.replicas } });
    return scaleService(deps, projectScope(auth), params.serviceId, body.replicas, change);
  },
});

const exec = implement(apiRoutes.services.exec, {
  audit: { action: "service.exec", resourceType: "service" },
  handler: async ({ auth, body, deps, params, audit }) => {
    // The argv is recorded; env values never are, only their names.
    audit({
      resourceId: params.serviceId,
      details: {
        command: body.command,
        ...(body.working_dir !== undefined && { working_dir: body.working_dir }),
        env_keys: Object.keys(body.env ?? {}),
      },
    });
    return execInService(deps, projectScope(auth), params.serviceId, body);
  },
});

/** Commands to a service's running containers, carried out by its server's agent. */
export const serviceCommandRoutes = [restart, scale, exec, execSessionRoute];
