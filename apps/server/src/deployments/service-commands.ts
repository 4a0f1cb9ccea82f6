import {
  type CommandResponsePayload,
  type ErrorCode,
  type ExecBody,
  type ExecResult,
  execResult,
  type LogLevel,
  type LogStreamLine,
  type Service,
  type ServiceLogEntry,
  type ServiceLogsQuery,
} from "@syntra/contracts";
import { eq } from "drizzle-orm";
import type { UnitOfWork } from "../audit/unit-of-work";
import { services } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { getService, getServiceRow } from "../services/services";
import { assertSingleWriterReplicas } from "../services/volumes";

/** Graceful stop time the agent gives each container on restart. */
const RESTART_GRACE_SECONDS = 10;
/** The deployment id of log lines whose deployment is unknown (a container no deployment of ours started). */
const NO_DEPLOYMENT = "00000000-0000-0000-0000-000000000000";

// Codes an agent may answer a command with that mean the same to an API caller; any other becomes UNPROCESSABLE.
const PASSED_THROUGH = new Set<ErrorCode>([
  "CONTAINER_NOT_FOUND",
  "PULL_FAILED",
  "HEALTH_CHECK_FAILED",
  "TIMEOUT",
  "UNKNOWN_COMMAND",
  "CONTAINER_NOT_RUNNING",
]);

/** The agent's answer when it succeeded; its error as an AppError when not. */
export function succeeded(response: CommandResponsePayload, what: string): CommandResponsePayload {
  if (response.success) return response;
  const code = response.error?.code ?? "UNPROCESSABLE";
  const message = `The agent could not ${what}: ${response.error?.message ?? "no reason given"}`;
  if (PASSED_THROUGH.has(code)) throw new AppError(code, message);
  throw new AppError("UNPROCESSABLE", message, { agent_error_code: code });
}

/** POST /services/:id/restart: the agent restarts the service's containers. */
export async function restartService(deps: AppDeps, scope: ProjectScope, serviceId: string): Promise<void> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  const response = await deps.agents.send(service.serverId, "restart", {
    service_id: service.id,
    timeout_seconds: RESTART_GRACE_SECONDS,
  });
  succeeded(response, "restart the service");
}

/**
 * POST /services/:id/scale: the agent runs `replicas` containers (0 stops the service); once it has, the
 * service's replica count is updated, so later deployments keep it.
 */
export async function scaleService(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  replicas: number,
  change: UnitOfWork,
): Promise<Service> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  assertSingleWriterReplicas({ ...service, replicas }, "body.replicas");
  const response = await deps.agents.send(service.serverId, "scale", {
    service_id: service.id,
    replicas,
    strategy: "rolling",
  });
  succeeded(response, `scale the service to ${replicas}`);
  await change((tx) => tx.update(services).set({ replicas, updatedAt: deps.now() }).where(eq(services.id, service.id)));
  return getService(deps, scope, service.id);
}

/** POST /services/:id/exec: runs an argv in the service's container and returns what it printed. */
export async function execInService(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  body: ExecBody,
): Promise<ExecResult> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  const response = await deps.agents.send(
    service.serverId,
    "exec",
    {
      service_id: service.id,
      command: body.command,
      ...(body.working_dir !== undefined && { working_dir: body.working_dir }),
      ...(body.env !== undefined && { env: body.env }),
      timeout_seconds: body.timeout_seconds,
      interactive: false,
    },
    // The command may run for its whole timeout; the agent then needs time to answer.
    { timeoutMs: body.timeout_seconds * 1000 + deps.config.agents.commandTimeoutSeconds * 1000 },
  );
  const data = execResult.safeParse(succeeded(response, "run the command").data);
  if (!data.success) {
    deps.logger.error({ service_id: service.id, issues: data.error.issues }, "agent answered exec with bad data");
    throw new AppError("INTERNAL_ERROR", "The agent's answer to exec was malformed");
  }
  return data.data;
}

const LEVEL_RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

/**
 * GET /services/:id/logs: asks the agent for the last `limit` lines of the service's containers
 * (logs_subscribe without follow) and collects them until the agent says done or the command timeout
 * passes. stdout lines are `info`, stderr lines `error`. Lines are in the agent's order, oldest first.
 */
export async function fetchServiceLogs(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  query: ServiceLogsQuery,
): Promise<ServiceLogEntry[]> {
  const service = await getServiceRow(deps.db, scope, serviceId);
  const timeoutMs = deps.config.agents.commandTimeoutSeconds * 1000;
  const lines: { line: LogStreamLine; containerId: string }[] = [];
  let done = false;
  let ack: CommandResponsePayload | undefined;
  let ackError: unknown;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const subscription = deps.agents.subscribeLogs(
    service.serverId,
    {
      service_id: service.id,
      follow: false,
      tail: query.limit,
      ...(query.from !== undefined && { since: query.from }),
      ...(query.to !== undefined && { until: query.to }),
    },
    (stream) => {
      for (const line of stream.lines) lines.push({ line, containerId: stream.container_id });
      if (stream.done) {
        done = true;
        finish();
      }
    },
    { timeoutMs },
  );
  subscription.confirmed.then(
    (response) => {
      ack = response;
      if (!response.success) finish();
    },
    (err: unknown) => {
      ackError = err;
      finish();
    },
  );
  const timer = setTimeout(finish, timeoutMs);
  await finished;
  clearTimeout(timer);
  subscription.unsubscribe();
  if (ack && !ack.success) succeeded(ack, "read the service's logs");
  // Nothing at all from the agent: its silence is the answer (TIMEOUT, or AGENT_OFFLINE if it left).
  if (!done && !ack && lines.length === 0) {
    throw ackError ?? new AppError("TIMEOUT", "The agent sent no logs in time");
  }
  return toEntries(deps, service, lines, query);
}

function toEntries(
  deps: AppDeps,
  service: { id: string; serverId: string; currentDeploymentId: string | null },
  lines: { line: LogStreamLine; containerId: string }[],
  query: ServiceLogsQuery,
): ServiceLogEntry[] {
  const deploymentOf = new Map(
    deps.agents
      .latestServices(service.serverId)
      .filter((s) => s.service_id === service.id && s.deployment_id)
      .map((s) => [s.container_id, s.deployment_id ?? NO_DEPLOYMENT]),
  );
  const minRank = LEVEL_RANK[query.level ?? "debug"];
  const search = query.search?.toLowerCase();
  const from = query.from ? Date.parse(query.from) : -Infinity;
  const to = query.to ? Date.parse(query.to) : Infinity;
  const entries: ServiceLogEntry[] = [];
  for (const { line, containerId } of lines) {
    const level: LogLevel = line.stream === "stderr" ? "error" : "info";
    const at = Date.parse(line.timestamp);
    if (LEVEL_RANK[level] < minRank || at < from || at > to) continue;
    if (search && !line.message.toLowerCase().includes(search)) continue;
    entries.push({
      timestamp: line.timestamp,
      service_id: service.id,
      deployment_id: deploymentOf.get(containerId) ?? service.currentDeploymentId ?? NO_DEPLOYMENT,
      level,
      message: line.message,
      attributes: { container_id: containerId },
      source: line.stream,
    });
  }
  return entries.slice(-query.limit);
}
