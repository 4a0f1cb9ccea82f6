import { z } from "zod";
import { uuid } from "../common";
import { deployment } from "./deployments";
import { service } from "./services";

// GET /api/v1/services: Syntra's addition to section 2, so that overviews (the dashboard, a server's page, the
// CLI's status) take one request instead of one per project and per service.

/** Filters of the organization-wide service list; both optional, combined with AND. */
export const listServicesQuery = z.strictObject({
  project_id: uuid.optional(),
  server_id: uuid.optional(),
});
export type ListServicesQuery = z.infer<typeof listServicesQuery>;

/** A service with its project's name and its newest deployment (null before the first). */
export const serviceOverview = service.extend({
  project: z.object({ id: uuid, name: z.string(), slug: z.string() }),
  latest_deployment: deployment.nullable(),
});
export type ServiceOverview = z.infer<typeof serviceOverview>;
