import { apiRoutes } from "@syntra/contracts";
import { requireOrg } from "../../http/org-context";
import { implement } from "../../http/route";
import { getServer } from "../../servers/servers";
import { serverTelemetry } from "./agent-stats";

const get = implement(apiRoutes.telemetry.serverPipeline, {
  handler: async ({ auth, deps, params }) => {
    // Another organization's server answers 404 here, like everywhere.
    await getServer(deps.db, requireOrg(auth), params.serverId);
    return serverTelemetry(deps.db, params.serverId);
  },
});

/** The telemetry pipeline's own state, per server. */
export const telemetryPipelineRoutes = [get];
