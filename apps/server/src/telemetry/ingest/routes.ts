import { idParam, serverTelemetry as serverTelemetrySchema } from "@syntra/contracts";
import { requireOrg } from "../../http/org-context";
import { defineRoute } from "../../http/route";
import { getServer } from "../../servers/servers";
import { serverTelemetry } from "./agent-stats";

const get = defineRoute({
  method: "GET",
  url: "/api/v1/servers/:serverId/telemetry",
  summary: "What the server's agent did with telemetry: received, dropped (buffer full), sampled out, buffered now",
  tag: "telemetry",
  access: { permission: "servers:read" },
  params: idParam("serverId"),
  response: serverTelemetrySchema,
  handler: async ({ auth, deps, params }) => {
    // Another organization's server answers 404 here, like everywhere.
    await getServer(deps.db, requireOrg(auth), params.serverId);
    return serverTelemetry(deps.db, params.serverId);
  },
});

/** The telemetry pipeline's own state, per server. */
export const telemetryPipelineRoutes = [get];
