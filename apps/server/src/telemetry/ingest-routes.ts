import { idParam, serviceIngest } from "@syntra/contracts";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import { getServiceIngest, rotateServiceIngestKey } from "./ingest-info";

const serviceParams = idParam("serviceId");

const get = defineRoute({
  method: "GET",
  url: "/api/v1/services/:serviceId/ingest",
  summary: "The service's ingest key, DSNs and OTLP endpoints (the key is public, like a Sentry DSN's)",
  tag: "telemetry",
  // Readable by every member: like a DSN, it only lets its holder send telemetry for the service.
  access: { permission: "services:read" },
  params: serviceParams,
  response: serviceIngest,
  handler: async ({ auth, deps, params }) => getServiceIngest(deps, projectScope(auth), params.serviceId),
});

const rotate = defineRoute({
  method: "POST",
  url: "/api/v1/services/:serviceId/ingest/rotate",
  summary: "Give the service a new ingest key; the old one works for SYNTRA_INGEST_KEY_GRACE_HOURS more",
  tag: "telemetry",
  access: { permission: "services:write" },
  params: serviceParams,
  response: serviceIngest,
  // The keys are not recorded: the audit log says that a rotation happened, and when.
  audit: { action: "service.ingest_key.rotate", resourceType: "service" },
  handler: async ({ auth, deps, params, audit }) => {
    const rotated = await rotateServiceIngestKey(deps, projectScope(auth), params.serviceId);
    audit({ resourceId: params.serviceId });
    return rotated;
  },
});

/** The ingest identity of a service: read it, rotate it. */
export const ingestRoutes = [get, rotate];
