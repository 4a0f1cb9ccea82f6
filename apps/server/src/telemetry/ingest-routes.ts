import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { getServiceIngest, rotateServiceIngestKey } from "./ingest-info";

const get = implement(apiRoutes.telemetry.ingest, {
  handler: async ({ auth, deps, params }) => getServiceIngest(deps, projectScope(auth), params.serviceId),
});

const rotate = implement(apiRoutes.telemetry.rotateIngestKey, {
  // The keys are not recorded: the audit log says that a rotation happened, and when.
  audit: { action: "service.ingest_key.rotate", resourceType: "service" },
  handler: async ({ auth, deps, params, audit, change }) => {
    audit({ resourceId: params.serviceId });
    return rotateServiceIngestKey(deps, projectScope(auth), params.serviceId, change);
  },
});

/** The ingest identity of a service: read it, rotate it. */
export const ingestRoutes = [get, rotate];
