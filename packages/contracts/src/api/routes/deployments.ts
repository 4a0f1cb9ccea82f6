import { deployment, deploymentDetail } from "../deployments";
import { idParam } from "../envelope";
import { deploymentLogStreamEvent } from "../live";
import { defineApiRoute } from "../route";

const deploymentParams = idParam("deploymentId");

/** One deployment: inspect, cancel, follow its log. (Deploy, roll back and list are under services.) */
export const deploymentRoutes = {
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/deployments/:deploymentId",
    summary: "Get a deployment with its deploy log",
    tag: "deployments",
    access: { permission: "services:read" },
    params: deploymentParams,
    response: deploymentDetail,
  }),
  cancel: defineApiRoute({
    method: "POST",
    path: "/api/v1/deployments/:deploymentId/cancel",
    summary: "Cancel a queued deployment (one the agent is carrying out cannot be interrupted)",
    tag: "deployments",
    access: { permission: "deployments:write" },
    params: deploymentParams,
    response: deployment,
    errors: ["UNPROCESSABLE"],
  }),
  /**
   * The build output and deploy progress from the start (what is stored), then live, ending once the deployment
   * is over: `build` {text}, `deploy` {entry}, `status` {status}, `end` {status}.
   */
  logStream: defineApiRoute({
    method: "GET",
    path: "/api/v1/deployments/:deploymentId/logs/stream",
    summary: "A deployment's build log and deploy progress, live, as Server-Sent Events",
    tag: "deployments",
    access: { permission: "services:read" },
    params: deploymentParams,
    answer: "stream",
    produces: "text/event-stream",
    events: deploymentLogStreamEvent,
  }),
};
