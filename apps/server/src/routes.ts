import { aiApiRoutes } from "./ai/routes";
import { alertChannelRoutes } from "./alerts/channel-routes";
import { alertRoutes } from "./alerts/routes";
import { auditRoutes } from "./audit/routes";
import { deviceRoutes } from "./auth/device-routes";
import { githubRoutes } from "./auth/github-routes";
import { passwordRoutes } from "./auth/password-routes";
import { authRoutes } from "./auth/routes";
import { tokenRoutes } from "./auth/token-routes";
import { deploymentLogStreamRoute } from "./builds/log-stream-route";
import { buildRoutes } from "./builds/routes";
import { deploymentRoutes } from "./deployments/routes";
import { serviceCommandRoutes } from "./deployments/service-command-routes";
import { domainRoutes } from "./domains/routes";
import { gitRoutes } from "./git/routes";
import { healthRoutes } from "./health/routes";
import type { ServerRoute } from "./http/route";
import { installRoutes } from "./install/routes";
import { issueRoutes } from "./issues/routes";
import { liveRoutes } from "./live/routes";
import { monitorRoutes } from "./monitors/routes";
import { orgRoutes } from "./orgs/routes";
import { projectRoutes } from "./projects/routes";
import { registryRoutes } from "./registry/routes";
import { serverRoutes } from "./servers/routes";
import { envRoutes } from "./services/env-routes";
import { serviceOverviewRoutes } from "./services/overview-routes";
import { serviceRoutes } from "./services/routes";
import { statusPageRoutes } from "./status-pages/routes";
import { telemetryPipelineRoutes } from "./telemetry/ingest/routes";
import { ingestRoutes } from "./telemetry/ingest-routes";
import { telemetryQueryRoutes } from "./telemetry/query-routes";
import { webhookRoutes } from "./webhooks/routes";

/** The implementation of every route of the contracts' apiRoutes: the app registers these (each route once). */
export const allRoutes: readonly ServerRoute[] = [
  ...healthRoutes,
  ...installRoutes,
  ...authRoutes,
  ...deviceRoutes,
  ...passwordRoutes,
  ...githubRoutes,
  ...tokenRoutes,
  ...orgRoutes,
  ...serverRoutes,
  ...projectRoutes,
  ...serviceRoutes,
  ...serviceOverviewRoutes,
  ...envRoutes,
  ...domainRoutes,
  ...deploymentRoutes,
  ...serviceCommandRoutes,
  ...gitRoutes,
  ...webhookRoutes,
  deploymentLogStreamRoute,
  ...buildRoutes,
  ...registryRoutes,
  ...auditRoutes,
  ...liveRoutes,
  ...issueRoutes,
  ...ingestRoutes,
  ...telemetryPipelineRoutes,
  ...telemetryQueryRoutes,
  ...alertRoutes,
  ...alertChannelRoutes,
  ...statusPageRoutes,
  ...monitorRoutes,
  ...aiApiRoutes,
];
