import { AGENT_COMMAND_ERRORS } from "../declared-errors";
import { idParam } from "../envelope";
import { liveEvent, liveEventsQuery, logStreamEvent, serviceLogStreamQuery } from "../live";
import { defineApiRoute } from "../route";

/** The real-time streams of the dashboard and the CLI (Server-Sent Events). */
export const liveRoutes = {
  /**
   * The organization's live events. Starts with `ready`, so a client knows it is subscribed. Project tokens lack
   * `org:read`: they would otherwise see other projects' events.
   */
  events: defineApiRoute({
    method: "GET",
    path: "/api/v1/events",
    summary: "Live events of the organization (deployments, deploy logs, servers, domains) as Server-Sent Events",
    tag: "live",
    access: { permission: "org:read" },
    query: liveEventsQuery,
    answer: "stream",
    produces: "text/event-stream",
    events: liveEvent,
  }),
  /** The last `tail` lines, then (with follow) each new one; `end` when the agent is done or gone. */
  serviceLogs: defineApiRoute({
    method: "GET",
    path: "/api/v1/services/:serviceId/logs/stream",
    summary: "Live tail of the service's container logs as Server-Sent Events (log, end, error events)",
    tag: "services",
    access: { permission: "services:read" },
    params: idParam("serviceId"),
    query: serviceLogStreamQuery,
    answer: "stream",
    produces: "text/event-stream",
    events: logStreamEvent,
    errors: [...AGENT_COMMAND_ERRORS],
  }),
};
