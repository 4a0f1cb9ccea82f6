import type { AnyApiRoute } from "../route";
import { aiRoutes } from "./ai";
import { alertChannelRoutes, alertRoutes } from "./alerts";
import { auditRoutes, registryRoutes } from "./audit";
import { authRoutes } from "./auth";
import { deploymentRoutes } from "./deployments";
import { deviceAuthRoutes } from "./device-auth";
import { domainRoutes } from "./domains";
import { envRoutes } from "./env";
import { gitRoutes, webhookRoutes } from "./git";
import { healthRoutes } from "./health";
import { installRoutes } from "./install";
import { issueRoutes } from "./issues";
import { liveRoutes } from "./live";
import { monitorRoutes } from "./monitors";
import { orgRoutes, tokenRoutes } from "./orgs";
import { projectRoutes } from "./projects";
import { buildRoutes, serverRoutes } from "./servers";
import { serviceRoutes } from "./services";
import { statusPageRoutes } from "./status-pages";
import { telemetryRoutes } from "./telemetry";

export { liveness, readiness } from "./health";
export { type ProjectWithServices, projectWithServices } from "./projects";
export { restartResult, type ServiceWithDeployments, serviceWithDeployments } from "./services";

/**
 * Every route of the REST API, grouped by domain: `apiRoutes.services.get`. The server implements each one
 * exactly once (its start-up fails otherwise), the OpenAPI document describes them, and the typed client
 * (`@syntra/api-client`) is this table turned into functions: `client.services.get({ serviceId })`.
 */
export const apiRoutes = {
  health: healthRoutes,
  install: installRoutes,
  auth: authRoutes,
  device: deviceAuthRoutes,
  tokens: tokenRoutes,
  org: orgRoutes,
  servers: serverRoutes,
  projects: projectRoutes,
  services: serviceRoutes,
  env: envRoutes,
  domains: domainRoutes,
  deployments: deploymentRoutes,
  git: gitRoutes,
  webhooks: webhookRoutes,
  builds: buildRoutes,
  registry: registryRoutes,
  audit: auditRoutes,
  live: liveRoutes,
  telemetry: telemetryRoutes,
  issues: issueRoutes,
  alerts: alertRoutes,
  alertChannels: alertChannelRoutes,
  statusPages: statusPageRoutes,
  monitors: monitorRoutes,
  ai: aiRoutes,
};

/** The route table's type: groups of named routes. */
export type ApiRoutes = typeof apiRoutes;

/** One route with its name in the table, `services.get`. */
export interface NamedApiRoute {
  name: string;
  route: AnyApiRoute;
}

/** The route table as a list, in table order. */
export function apiRouteList(table: Record<string, Record<string, AnyApiRoute>> = apiRoutes): NamedApiRoute[] {
  return Object.entries(table).flatMap(([group, routes]) =>
    Object.entries(routes).map(([name, route]) => ({ name: `${group}.${name}`, route })),
  );
}
