import type {
  CommandResponsePayload,
  ConfigureMonitorsPayload,
  ConfigureRoutesPayload,
  ControlPlaneToAgentMessage,
  DeployPayload,
  DeployStatusPayload,
  HealthCheckConfig,
  LogStreamPayload,
  UpdateAgentPayload,
} from "@syntra/contracts";
import type { Logger } from "pino";
import type { AgentConnection } from "./connection";
import { AgentError, errorCodeOf } from "./errors";
import { ExecSessions } from "./exec-sessions";
import type { RequestLog } from "./request-log";
import type { ContainerInfo, ContainerRuntime, LogLine } from "./runtime/types";

/** What the dispatcher asks of the deploy layer. */
export interface Workloads {
  deploy(payload: DeployPayload, report: (status: DeployStatusPayload) => void): Promise<DeployStatusPayload>;
  scale(serviceId: string, replicas: number, strategy: "immediate" | "rolling"): Promise<unknown>;
  restart(serviceId: string, timeoutSeconds: number): Promise<unknown>;
  stop(serviceId: string, timeoutSeconds: number, removeContainer: boolean): Promise<unknown>;
  configureHealthCheck(serviceId: string, healthCheck: HealthCheckConfig): Promise<unknown>;
  configureRoutes(
    serviceId: string,
    settings: Pick<ConfigureRoutesPayload, "domains" | "certificates">,
  ): Promise<unknown>;
  containersOf(serviceId: string): Promise<ContainerInfo[]>;
}

type Command = Exclude<
  ControlPlaneToAgentMessage,
  { type: "hello_ack" | "error" | "ping" | "deploy" | "exec_input" | "telemetry_ack" | "ingest_keys" }
>;

// Log lines go out in batches: fewer frames, and a burst of output cannot flood the socket one line at a time.
const LOG_BATCH_LINES = 200;
const LOG_BATCH_MS = 100;

/**
 * Runs the control plane's commands. Every command is answered with one `command_response` carrying its
 * request_id; a request_id seen before is answered again from the request log instead of running twice.
 */
export class Dispatcher {
  private readonly subscriptions = new Map<string, AbortController>();
  private readonly execSessions: ExecSessions;
  /** The version an update_agent is staging (or staged, this process then restarting into it). */
  private updating: string | undefined;

  constructor(
    private readonly deps: {
      connection: AgentConnection;
      requests: RequestLog;
      workloads: Workloads;
      runtime: ContainerRuntime;
      logger: Logger;
      /** A deploy ended or routes were configured: the proxy's routes are reported to the control plane. */
      routesChanged?: () => void;
      /** Self-update: stage the bundle an update_agent names (checked), then restart into it once answered. */
      selfUpdate?: { stage(payload: UpdateAgentPayload): Promise<unknown>; restart(): void };
      /** The uptime monitors this agent runs (configure_monitors). */
      monitors?: { configure(monitors: ConfigureMonitorsPayload["monitors"]): unknown };
    },
  ) {
    this.execSessions = new ExecSessions(deps);
  }

  /** Handles one message from the control plane; never throws. */
  handle(
    message: Exclude<ControlPlaneToAgentMessage, { type: "hello_ack" | "error" | "telemetry_ack" | "ingest_keys" }>,
  ): void {
    if (message.type === "ping") {
      this.deps.connection.send("pong", { nonce: message.payload.nonce, sent_at: new Date().toISOString() });
      return;
    }
    if (message.type === "exec_input") {
      this.execSessions.input(message.payload);
      return;
    }
    const requestId = message.payload.request_id;
    const seen = this.deps.requests.lookup(requestId);
    if (seen === "running") return;
    if (seen) {
      this.deps.connection.send("command_response", seen);
      return;
    }
    this.deps.requests.begin(requestId);
    if (message.type === "update_agent" && this.deps.selfUpdate) {
      const { stage, restart } = this.deps.selfUpdate;
      // One update at a time: a second would download into the same staging file, and once one is staged this
      // process is on its way out and would never answer another.
      if (this.updating) {
        void this.answer({
          request_id: requestId,
          success: false,
          error: {
            code: "UPDATE_IN_PROGRESS",
            message: `This agent is already updating itself to ${this.updating}; it restarts into it shortly`,
          },
        });
        return;
      }
      this.updating = message.payload.version;
      // Answered once the bundle is staged; the restart comes after the answer has gone out.
      void stage(message.payload).then(
        (data) => this.answer({ request_id: requestId, success: true, data }).then(restart),
        (err: unknown) => {
          this.updating = undefined;
          const reason = err instanceof Error ? err.message : String(err);
          this.deps.logger.warn({ request_id: requestId, reason }, "update refused");
          return this.answer({
            request_id: requestId,
            success: false,
            error: { code: errorCodeOf(err), message: reason },
          });
        },
      );
      return;
    }
    if (message.type === "deploy") {
      // Acknowledged at once; progress and the outcome follow as deploy_status messages.
      void this.answer({ request_id: requestId, success: true, data: { accepted: true } });
      this.deploy(message.payload);
      return;
    }
    this.run(message)
      .then((data) => this.answer({ request_id: requestId, success: true, ...(data === undefined ? {} : { data }) }))
      .catch((err: unknown) => {
        const code = errorCodeOf(err);
        const reason = err instanceof Error ? err.message : String(err);
        this.deps.logger.warn({ type: message.type, request_id: requestId, code, reason }, "command failed");
        return this.answer({ request_id: requestId, success: false, error: { code, message: reason } });
      });
  }

  /** Deploys in the background; the deploy layer reports each step, and a crash becomes a failed status. */
  deploy(payload: DeployPayload): void {
    const send = (status: DeployStatusPayload) => this.deps.connection.send("deploy_status", status);
    // The deploy layer reports its final status itself, like every step: it is not sent twice.
    const done = this.deps.workloads.deploy(payload, send).then(undefined, (err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      this.deps.logger.error({ deployment_id: payload.deployment_id, reason }, "deploy crashed");
      send({
        deployment_id: payload.deployment_id,
        service_id: payload.service_id,
        status: "failed",
        phase: "cleanup",
        progress_percent: 100,
        message: "Deploy failed unexpectedly",
        started_at: new Date().toISOString(),
        finished_at: new Date().toISOString(),
        error: { code: errorCodeOf(err), message: reason },
      });
    });
    // After the final status, so the control plane compares the routes with the deployment's outcome.
    void done.then(() => this.deps.routesChanged?.());
  }

  /**
   * Ends every log subscription and exec session (on disconnect: the control plane resubscribes if it still
   * wants them; an exec session's client is gone with the connection).
   */
  cancelSubscriptions(): void {
    for (const controller of this.subscriptions.values()) controller.abort();
    this.subscriptions.clear();
    this.execSessions.closeAll();
  }

  private async answer(response: CommandResponsePayload): Promise<void> {
    this.deps.connection.send("command_response", response);
    await this.deps.requests.finish(response);
  }

  private async run(command: Command): Promise<unknown> {
    const { workloads } = this.deps;
    switch (command.type) {
      case "stop":
        await workloads.stop(
          command.payload.service_id,
          command.payload.timeout_seconds,
          command.payload.remove_container,
        );
        return { stopped: true };
      case "scale":
        await workloads.scale(command.payload.service_id, command.payload.replicas, command.payload.strategy);
        return { replicas: command.payload.replicas };
      case "restart":
        await workloads.restart(command.payload.service_id, command.payload.timeout_seconds);
        return { restarted: true };
      case "configure_health_check":
        await workloads.configureHealthCheck(command.payload.service_id, command.payload.health_check);
        return { configured: true };
      case "exec": {
        const p = command.payload;
        const [target] = (await workloads.containersOf(p.service_id)).filter((c) => c.state === "running");
        if (!target) throw new AgentError("CONTAINER_NOT_FOUND", "No running container for this service");
        const result = await this.deps.runtime.exec(target.id, {
          argv: p.command,
          workingDir: p.working_dir,
          env: p.env,
          timeoutSeconds: p.timeout_seconds,
        });
        if (result.error) throw new AgentError(result.error.code, result.error.message);
        return { exit_code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
      }
      case "exec_session":
        return this.execSessions.start(command.payload);
      case "logs_subscribe":
        return this.subscribe(command.payload);
      case "logs_unsubscribe": {
        const sub = this.subscriptions.get(command.payload.request_id);
        sub?.abort();
        this.subscriptions.delete(command.payload.request_id);
        return { unsubscribed: sub !== undefined };
      }
      case "configure_routes": {
        const { service_id, domains, certificates } = command.payload;
        await workloads.configureRoutes(service_id, { domains, certificates });
        this.deps.routesChanged?.();
        // Certificates' keys are never echoed: the answer names the domains only.
        return { domains, custom_certificate_domains: (certificates ?? []).flatMap((c) => c.domains) };
      }
      case "configure_monitors": {
        if (!this.deps.monitors) throw new AgentError("NOT_SUPPORTED", "This agent runs no uptime monitors");
        return this.deps.monitors.configure(command.payload.monitors);
      }
      case "update_agent":
        throw new AgentError(
          "NOT_SUPPORTED",
          "This agent cannot update itself (not run from an installed bundle, or not enrolled); run the install command again",
        );
      default: {
        const unknown: never = command;
        throw new AgentError("UNKNOWN_COMMAND", `Unknown command ${(unknown as { type: string }).type}`);
      }
    }
  }

  /** Starts streaming a service's container logs as log_stream messages; answers once the stream is set up. */
  private async subscribe(p: Extract<Command, { type: "logs_subscribe" }>["payload"]): Promise<unknown> {
    const containers = await this.deps.workloads.containersOf(p.service_id);
    if (containers.length === 0) {
      throw new AgentError("CONTAINER_NOT_FOUND", "No container for this service");
    }
    const controller = new AbortController();
    this.subscriptions.set(p.request_id, controller);
    const streams = containers.map((c) => this.streamContainer(p, c, controller.signal));
    void Promise.allSettled(streams).then(() => {
      this.subscriptions.delete(p.request_id);
      this.deps.connection.send("log_stream", {
        request_id: p.request_id,
        service_id: p.service_id,
        container_id: containers[0]?.id ?? "none",
        lines: [],
        done: true,
      });
    });
    return { subscribed: true, containers: containers.map((c) => c.id) };
  }

  private async streamContainer(
    p: Extract<Command, { type: "logs_subscribe" }>["payload"],
    container: ContainerInfo,
    signal: AbortSignal,
  ): Promise<void> {
    let batch: LogLine[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (batch.length === 0) return;
      const payload: LogStreamPayload = {
        request_id: p.request_id,
        service_id: p.service_id,
        container_id: container.id,
        lines: batch,
      };
      batch = [];
      this.deps.connection.send("log_stream", payload);
    };
    try {
      await this.deps.runtime.logs(
        container.id,
        { follow: p.follow, tail: p.tail, since: p.since, until: p.until },
        (line) => {
          batch.push(line);
          if (batch.length >= LOG_BATCH_LINES) flush();
          else timer ??= setTimeout(flush, LOG_BATCH_MS);
        },
        signal,
      );
    } finally {
      flush();
    }
  }
}
