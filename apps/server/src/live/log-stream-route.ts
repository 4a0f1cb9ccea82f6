import { apiRoutes, type LogStreamLine, type ServiceLogEntry, type ServiceLogStreamQuery } from "@syntra/contracts";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { getServiceRow } from "../services/services";
import { openSse, type SseStream } from "./sse";

/** The deployment id of lines whose container no known deployment started. */
const NO_DEPLOYMENT = "00000000-0000-0000-0000-000000000000";
/** How often a following stream checks that the agent is still connected (its log lines end with it). */
const AGENT_CHECK_MS = 2_000;

type ServiceRow = Awaited<ReturnType<typeof getServiceRow>>;

/** One agent log line as the API's log entry: stdout is `info`, stderr `error`. */
function toEntry(deps: AppDeps, service: ServiceRow, line: LogStreamLine, containerId: string): ServiceLogEntry {
  const running = deps.agents
    .latestServices(service.serverId)
    .find((s) => s.service_id === service.id && s.container_id === containerId);
  return {
    timestamp: line.timestamp,
    service_id: service.id,
    deployment_id: running?.deployment_id ?? service.currentDeploymentId ?? NO_DEPLOYMENT,
    level: line.stream === "stderr" ? "error" : "info",
    message: line.message,
    attributes: { container_id: containerId },
    source: line.stream,
  };
}

/**
 * Streams the service's container logs from its agent (logs_subscribe) as Server-Sent Events: the last
 * `tail` lines, then, with `follow`, each new line until the client leaves; `end` when the agent is done or
 * gone. 409 AGENT_OFFLINE (a normal error answer) when the agent is not connected at the start.
 */
export const serviceLogStreamRoute = implement(apiRoutes.live.serviceLogs, {
  handler: async ({ auth, deps, params, query, req, reply }) => {
    const service = await getServiceRow(deps.db, projectScope(auth), params.serviceId);
    if (!deps.agents.isOnline(service.serverId)) {
      throw new AppError("AGENT_OFFLINE", "The server's agent is not connected");
    }
    const stream = openSse(req, reply);
    follow(deps, service, stream, query);
    return undefined;
  },
});

type StreamQuery = ServiceLogStreamQuery;

/** Whether a line passes the query's level (stdout is `info`, stderr `error`) and search filters. */
function wanted(query: StreamQuery, line: LogStreamLine): boolean {
  if (query.level === "warn" || query.level === "error") {
    if (line.stream !== "stderr") return false;
  }
  return query.search === undefined || line.message.toLowerCase().includes(query.search.toLowerCase());
}

function follow(deps: AppDeps, service: ServiceRow, stream: SseStream, query: StreamQuery) {
  const end = (reason: string) => {
    stream.send("end", { type: "end", reason });
    stream.close();
  };
  const fail = (err: unknown) => {
    const code = err instanceof AppError ? err.code : "INTERNAL_ERROR";
    const message = err instanceof AppError ? err.message : "The log stream failed";
    if (!(err instanceof AppError)) deps.logger.error({ err, service_id: service.id }, "log stream failed");
    stream.send("error", { type: "error", code, message });
    stream.close();
  };
  let subscription: ReturnType<AppDeps["agents"]["subscribeLogs"]>;
  try {
    subscription = deps.agents.subscribeLogs(
      service.serverId,
      {
        service_id: service.id,
        follow: query.follow,
        tail: query.tail,
        ...(query.since !== undefined && { since: query.since }),
      },
      (message) => {
        for (const line of message.lines) {
          if (!wanted(query, line)) continue;
          stream.send("log", { type: "log", entry: toEntry(deps, service, line, message.container_id) });
        }
        if (message.done) end("the agent finished the stream");
      },
      // The agent confirms at once; following goes on well past any command timeout.
      { timeoutMs: deps.config.agents.commandTimeoutSeconds * 1000 },
    );
  } catch (err) {
    fail(err);
    return;
  }
  stream.onClose(() => subscription.unsubscribe());
  subscription.confirmed.then((response) => {
    if (!response.success) {
      fail(new AppError("UNPROCESSABLE", `The agent could not stream logs: ${response.error?.message ?? "no reason"}`));
    }
  }, fail);
  const check = setInterval(() => {
    if (!deps.agents.isOnline(service.serverId)) end("the server's agent disconnected");
  }, AGENT_CHECK_MS);
  check.unref();
  stream.onClose(() => clearInterval(check));
}
