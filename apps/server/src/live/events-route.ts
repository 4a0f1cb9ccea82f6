import { apiRoutes, type LiveEvent as WireEvent } from "@syntra/contracts";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import type { LiveEvent } from "./bus";
import { openSse } from "./sse";

/** The bus's event as the wire shows it: no organization (the stream's own), snake_case. */
export function toWireEvent(event: LiveEvent): WireEvent {
  switch (event.type) {
    case "deployment":
      return {
        type: "deployment",
        service_id: event.serviceId,
        deployment_id: event.deploymentId,
        status: event.status as Extract<WireEvent, { type: "deployment" }>["status"],
      };
    case "deployment_log":
      return {
        type: "deployment_log",
        service_id: event.serviceId,
        deployment_id: event.deploymentId,
        stream: event.stream,
        line: event.line,
        timestamp: event.timestamp,
      };
    case "server":
      return { type: "server", server_id: event.serverId, status: event.status };
    case "domain":
      return { type: "domain", service_id: event.serviceId, domain: event.domain, status: event.status };
    default: {
      const unreachable: never = event;
      throw new Error(`unknown live event ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * GET /events: the organization's live events as Server-Sent Events (EventSource with the session cookie,
 * or a bearer token). Starts with `ready`, so a client knows it is subscribed; a comment every 15 s keeps
 * it open. Project tokens lack `org:read`: they would otherwise see other projects' events.
 */
export const liveEventsRoute = implement(apiRoutes.live.events, {
  handler: async ({ auth, deps, query, req, reply }) => {
    const orgId = requireOrg(auth);
    const stream = openSse(req, reply);
    stream.onClose(deps.live.subscribe(orgId, (event) => stream.send(event.type, toWireEvent(event))));
    stream.send("ready", { type: "ready", at: deps.now().toISOString() });
    if (query.timeout_seconds !== undefined) {
      const timer = setTimeout(() => stream.close(), query.timeout_seconds * 1000);
      timer.unref();
      stream.onClose(() => clearTimeout(timer));
    }
    return undefined;
  },
});
