import {
  type CommandResponsePayload,
  type ErrorCode,
  type ExecBody,
  type ExecResult,
  execResult,
  type Service,
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
