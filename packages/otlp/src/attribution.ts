import { stringAttribute } from "./attributes";
import type { Resource } from "./messages";

/** The resource attribute Syntra's deployed containers carry (OTEL_RESOURCE_ATTRIBUTES) naming their deployment. */
export const DEPLOYMENT_ID_ATTRIBUTE = "deployment.id";

/** Stands for "deployment unknown" where the contract needs a deployment id (the nil UUID). */
export const UNKNOWN_DEPLOYMENT_ID = "00000000-0000-0000-0000-000000000000";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whom converted telemetry belongs to. The service always comes from the ingest key the data was sent with, never
 * from a resource attribute; the deployment from the resource's `deployment.id` when it is a UUID, else
 * `deploymentId` (the service's current deployment, when the caller knows it), else the nil UUID.
 */
export interface Attribution {
  serviceId: string;
  deploymentId?: string | undefined;
}

/** The deployment a resource's telemetry belongs to (see Attribution). */
export function deploymentOf(resource: Resource | null | undefined, attribution: Attribution): string {
  const named = stringAttribute(resource?.attributes, DEPLOYMENT_ID_ATTRIBUTE)?.toLowerCase();
  if (named && UUID.test(named)) return named;
  return attribution.deploymentId ?? UNKNOWN_DEPLOYMENT_ID;
}
