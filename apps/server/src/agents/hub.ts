import { randomUUID } from "node:crypto";
import type {
  AgentConfig,
  AgentHelloPayload,
  AgentToControlPlaneMessage,
  AlertPayload,
  CertificateStatusPayload,
  CommandResponsePayload,
  DeployPayload,
  DeployStatusPayload,
  HeartbeatPayload,
  IngestKeyGrant,
  LogStreamPayload,
  RoutesReportPayload,
  ServiceStatus,
  TelemetryAckPayload,
  TelemetryBatchPayload,
  UpdateAgentPayload,
} from "@syntra/contracts";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import {
  type AgentServer,
  markServerOffline,
  markStaleServersOffline,
  recordHeartbeat,
  recordHello,
} from "./agent-servers";
import { AgentConnection, CloseCode, type ConnectionCredential, type OutgoingPayload } from "./connection";
import type { AgentEndpoint } from "./endpoint";
import { invalidCertificates } from "./enrolment";
import { ExecSessionRelay } from "./exec-sessions";
import { PendingCommands } from "./pending-commands";
import { RecentAlerts } from "./recent-alerts";

/** Control-plane messages that are commands: they carry a `request_id` and are answered by `command_response`. */
export type CommandType =
  | "deploy"
  | "stop"
  | "scale"
  | "restart"
  | "exec"
  | "logs_subscribe"
  | "update_agent"
  | "configure_health_check"
  | "configure_routes"
  | "exec_session";

/** A command's payload; the hub fills in `request_id` when it is left out. */
export type CommandPayload<T extends CommandType> = Omit<OutgoingPayload<T>, "request_id"> & { request_id?: string };

/** What the hub needs from the deployments domain; wired in by `start`, so the hub imports none of it. */
export interface AgentHubEvents {
  /** The deployments queued for the server's services, marked deploying: they go out in hello_ack. */
  takePendingDeployments(serverId: string): Promise<DeployPayload[]>;
  /** Puts deployments taken for a hello_ack that could not be sent back in the queue. */
  requeueDeployments(deploymentIds: string[]): Promise<void>;
  /** The agent accepted hello and now takes commands. */
  agentReady(serverId: string): Promise<void>;
  /** A deploy_status from the agent of `serverId`; `reportedAt` is the message's timestamp. */
  deployStatus(serverId: string, status: DeployStatusPayload, reportedAt: string): Promise<void>;
  /** Runs on every sweep, after stale servers are marked offline (deployment reconciliation). */
  sweep(): Promise<void>;
  /** A server went online (hello accepted) or offline (disconnected, or silent too long): live updates. */
  serverStatus?(serverId: string, status: "online" | "offline"): Promise<void>;
  /** The TLS state of the domains the server's proxy routes. */
  certificateStatus?(serverId: string, report: CertificateStatusPayload): Promise<void>;
  /** A telemetry_batch: stores it and says what the agent should do with it (the hub sends the telemetry_ack). */
  telemetryBatch?(server: AgentServer, batch: TelemetryBatchPayload): Promise<TelemetryAckPayload>;
  /** The ingest keys the server's agent accepts now (sent after hello and whenever they change). */
  ingestKeys?(serverId: string): Promise<IngestKeyGrant[]>;
  /** What the server's proxy routes for each service its agent runs, to compare with what should be. */
  routesReport?(serverId: string, report: RoutesReportPayload): Promise<void>;
  /** An agent's hello was accepted (after agentReady): its version and how its last self-update went. */
  agentHello?(serverId: string, hello: AgentHelloPayload): Promise<void>;
  /** The update_agent an agent refused as too old should run (none when it cannot update itself). */
  updateForTooOldAgent?(serverId: string, hello: AgentHelloPayload): Promise<UpdateAgentPayload | undefined>;
}

/** Settings and resources of the hub. */
export interface AgentHubOptions {
  db: Db;
  logger: Logger;
  now: () => Date;
  /** The agents' heartbeat interval; pings and sweeps run at the same pace. */
  heartbeatSeconds: number;
  /** Default wait for a command_response. */
  commandTimeoutMs: number;
  agentLogLevel: AgentConfig["log_level"];
  /** How long a new connection may take to send agent_hello. */
  helloTimeoutMs?: number;
  /** Alerts kept in memory per connected server (each bounded by the contract's sizes). */
  alertsKept?: number;
  /** Telemetry batches processed at once per agent and in total; more are answered "retry" (bounded memory). */
  telemetryConcurrency?: { perAgent: number; total: number };
  /** This control plane's version, checked against each agent's (interface contracts 4.3). */
  controlPlaneVersion: string;
}

/** An open `logs_subscribe`: `confirmed` is the agent's command_response; lines arrive through `onLines`. */
export interface LogSubscription {
  requestId: string;
  confirmed: Promise<CommandResponsePayload>;
  /** Ends the subscription (sends logs_unsubscribe when it is still open). */
  unsubscribe(): void;
}

const offline = () => new AppError("AGENT_OFFLINE", "The server's agent is not connected");

/**
 * The control plane's end of the agent WebSocket protocol: one connection per server, commands with
 * their answers and timeouts, log streams, the latest service states, and the sweeper that marks silent
 * servers offline. Knows nothing of Fastify; `agents/ws-route.ts` hands it upgraded sockets.
 */
export class AgentHub {
  readonly logger: Logger;
  readonly now: () => Date;
  readonly helloTimeoutMs: number;
  readonly controlPlaneVersion: string;
  /** Where the agents' exec_output messages go (see exec-sessions.ts). */
  readonly execSessions: ExecSessionRelay;
  private readonly live = new Set<AgentConnection>();
  private readonly connections = new Map<string, AgentConnection>();
  private readonly pending: PendingCommands;
  private readonly services = new Map<string, ServiceStatus[]>();
  private readonly alerts: RecentAlerts;
  private readonly work = new Set<Promise<unknown>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private events: AgentHubEvents | undefined;
  /** The mutual-TLS agent endpoint, once it listens (agents/endpoint.ts): its URL, CA and update bundle. */
  endpoint: AgentEndpoint | undefined;
  private closed = false;
  private telemetryInFlight = 0;
  private readonly telemetryPerAgent = new Map<string, number>();
  private readonly ingestKeysSent = new WeakMap<AgentConnection, string>();

  constructor(private readonly opts: AgentHubOptions) {
    this.logger = opts.logger.child({ component: "agent-hub" });
    this.now = opts.now;
    this.helloTimeoutMs = opts.helloTimeoutMs ?? 30_000;
    this.controlPlaneVersion = opts.controlPlaneVersion;
    this.pending = new PendingCommands(this.logger);
    this.execSessions = new ExecSessionRelay(this.logger);
    this.alerts = new RecentAlerts(opts.alertsKept ?? 100);
  }

  /** Wires in the deployments domain and starts pinging and sweeping. */
  start(events: AgentHubEvents): void {
    if (this.events) throw new Error("AgentHub already started");
    this.events = events;
    const everyMs = this.opts.heartbeatSeconds * 1000;
    const ping = setInterval(() => this.pingAll(), everyMs);
    const sweep = setInterval(() => {
      void this.track(this.sweep()).catch((err: unknown) => this.logger.error({ err }, "agent sweep failed"));
    }, everyMs);
    // Timers must never keep a stopping process alive.
    for (const timer of [ping, sweep]) timer.unref();
    this.timers.push(ping, sweep);
  }

  /** Takes over the upgraded socket of an agent whose token or certificate named `server`. */
  accept(socket: WebSocket, server: AgentServer, agentVersion: string, credential?: ConnectionCredential): void {
    if (this.closed) {
      socket.close(CloseCode.shuttingDown, "control plane shutting down");
      return;
    }
    this.live.add(new AgentConnection(this, socket, server, agentVersion, credential));
  }

  /**
   * Cuts every socket of the server's agents at once (revoked, server deleted): what waited on them fails, the
   * server goes offline. Their credentials must already be refused, or they simply connect again.
   */
  disconnect(serverId: string, code: number, reason: string): void {
    const current = this.connections.get(serverId);
    if (current) this.drop(current, reason);
    for (const conn of this.live) if (conn.server.id === serverId) conn.close(code, reason);
  }

  /** The accepted hello of the server's connected agent (version, capabilities), or null. */
  agentHello(serverId: string): AgentHelloPayload | null {
    const conn = this.connections.get(serverId);
    return conn?.ready ? conn.hello : null;
  }

  /** Asks the events for the update a too-old agent should run (see AgentConnection). */
  updateForTooOldAgent(serverId: string, hello: AgentHelloPayload): Promise<UpdateAgentPayload | undefined> {
    return this.events?.updateForTooOldAgent?.(serverId, hello) ?? Promise.resolve(undefined);
  }

  /** How many sockets of the server's agents are open, counting a replaced one until its close is handled. */
  openSockets(serverId: string): number {
    return [...this.live].filter((conn) => conn.server.id === serverId).length;
  }

  /** True when the server's agent is connected and has said hello. */
  isOnline(serverId: string): boolean {
    return this.connections.get(serverId)?.ready === true;
  }

  /**
   * Sends a command and resolves with the agent's command_response (successful or not). Throws
   * AGENT_OFFLINE at once when the agent is not connected; the promise rejects with TIMEOUT when no
   * answer comes in time, and with AGENT_OFFLINE when the connection drops first.
   */
  send<T extends CommandType>(
    serverId: string,
    type: T,
    payload: CommandPayload<T>,
    opts: { timeoutMs?: number } = {},
  ): Promise<CommandResponsePayload> {
    const conn = this.connections.get(serverId);
    if (!conn?.ready) throw offline();
    const requestId = payload.request_id ?? randomUUID();
    return this.pending.expect(serverId, requestId, type, opts.timeoutMs ?? this.opts.commandTimeoutMs, () =>
      conn.post(type, { ...payload, request_id: requestId } as OutgoingPayload<T>, requestId),
    );
  }

  /** Sends a message that expects no answer (exec_input); throws AGENT_OFFLINE when the agent is not connected. */
  post(serverId: string, type: "exec_input", payload: OutgoingPayload<"exec_input">): void {
    const conn = this.connections.get(serverId);
    if (!conn?.ready) throw offline();
    conn.post(type, payload);
  }

  /**
   * Sends logs_subscribe and routes the log_stream messages carrying its request id to `onStream`,
   * until one says `done`. Throws AGENT_OFFLINE at once like `send`.
   */
  subscribeLogs(
    serverId: string,
    payload: CommandPayload<"logs_subscribe">,
    onStream: (payload: LogStreamPayload) => void,
    opts: { timeoutMs?: number } = {},
  ): LogSubscription {
    const requestId = payload.request_id ?? randomUUID();
    this.pending.listen(requestId, { serverId, serviceId: payload.service_id, onStream });
    let confirmed: Promise<CommandResponsePayload>;
    try {
      confirmed = this.send(serverId, "logs_subscribe", { ...payload, request_id: requestId }, opts);
    } catch (err) {
      this.pending.unlisten(requestId);
      throw err;
    }
    return {
      requestId,
      confirmed,
      unsubscribe: () => {
        if (!this.pending.unlisten(requestId)) return;
        try {
          this.connections
            .get(serverId)
            ?.post("logs_unsubscribe", { request_id: requestId, service_id: payload.service_id });
        } catch {
          // The agent is gone; its subscriptions went with it.
        }
      },
    };
  }

  /** The service states of the server's latest heartbeat (kept after a disconnect, for reconciliation). */
  latestServices(serverId: string): ServiceStatus[] {
    return this.services.get(serverId) ?? [];
  }

  /** The server's latest alerts while its agent is connected, oldest first (in memory until alerts are stored). */
  recentAlerts(serverId: string): AlertPayload[] {
    return this.alerts.of(serverId);
  }

  /**
   * Marks offline the servers whose last heartbeat is older than three intervals (closing their
   * sockets here, which have gone silent), then lets the deployments domain reconcile.
   */
  async sweep(): Promise<void> {
    const now = this.now();
    const before = new Date(now.getTime() - 3 * this.opts.heartbeatSeconds * 1000);
    for (const serverId of await markStaleServersOffline(this.opts.db, before, now)) {
      await this.events?.serverStatus?.(serverId, "offline");
      const conn = this.connections.get(serverId);
      if (!conn) continue;
      this.drop(conn, "no heartbeat");
      conn.close(CloseCode.noHeartbeat, "no heartbeat for 3 intervals");
    }
    await this.closeInvalidCertificates(now);
    // Keys rotated, services created or moved since: each agent gets its new list.
    for (const conn of this.connections.values()) await this.pushIngestKeys(conn);
    await this.events?.sweep();
  }

  /** Closes every agent socket, fails what waits on them, marks their servers offline and stops the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    const online = [...this.connections.values()];
    for (const conn of online) this.drop(conn, "control plane shutting down");
    for (const conn of this.live) conn.close(CloseCode.shuttingDown, "control plane shutting down");
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    const now = this.now();
    await Promise.all(
      online.map((conn) =>
        markServerOffline(this.opts.db, conn.server.id, now).catch((err: unknown) =>
          conn.log.warn({ err }, "could not mark the server offline"),
        ),
      ),
    );
  }

  /**
   * Closes sockets whose certificate is no longer valid: expired, or revoked or deleted through another replica
   * (this one cuts its own at once). The agents reconnect with their renewed certificate, or are refused.
   */
  private async closeInvalidCertificates(now: Date): Promise<void> {
    const byFingerprint = new Map<string, AgentConnection[]>();
    for (const conn of this.live) {
      if (conn.credential.kind !== "certificate") continue;
      const list = byFingerprint.get(conn.credential.fingerprint) ?? [];
      byFingerprint.set(conn.credential.fingerprint, [...list, conn]);
    }
    for (const fingerprint of await invalidCertificates(this.opts.db, [...byFingerprint.keys()], now)) {
      for (const conn of byFingerprint.get(fingerprint) ?? []) {
        this.drop(conn, "certificate no longer valid");
        conn.close(CloseCode.certificateInvalid, "the agent's certificate expired or was revoked");
      }
    }
  }

  // ---- for AgentConnection ----

  /** Keeps a piece of asynchronous work so that `close` can wait for it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise)).catch(() => {});
    return promise;
  }

  /** Completes an accepted hello: records the host, answers hello_ack, and makes the connection the server's. */
  async acceptHello(conn: AgentConnection, hello: AgentHelloPayload): Promise<boolean> {
    const serverId = conn.server.id;
    if (!(await recordHello(this.opts.db, serverId, hello, this.now()))) {
      conn.close(CloseCode.serverDeleted, "this server was deleted");
      return false;
    }
    const pending = (await this.events?.takePendingDeployments(serverId)) ?? [];
    try {
      conn.post("hello_ack", {
        server_id: serverId,
        accepted: true,
        protocol_version: conn.protocolVersion ?? "1.0",
        server_name: conn.server.name,
        org_id: conn.server.orgId,
        config: {
          heartbeat_interval_seconds: this.opts.heartbeatSeconds,
          telemetry_batch_interval_seconds: 5,
          telemetry_buffer_max_mb: 50,
          log_level: this.opts.agentLogLevel,
        },
        pending_deployments: pending,
      });
    } catch (err) {
      conn.log.warn({ err }, "hello_ack could not be sent; pending deployments go back in the queue");
      await this.events?.requeueDeployments(pending.map((p) => p.deployment_id));
      return false;
    }
    const previous = this.connections.get(serverId);
    if (previous && previous !== conn) {
      this.drop(previous, "replaced");
      previous.close(CloseCode.replaced, "replaced by a newer connection of this server");
    }
    conn.ready = true;
    this.connections.set(serverId, conn);
    await this.pushIngestKeys(conn);
    await this.events?.agentReady(serverId);
    await this.events?.serverStatus?.(serverId, "online");
    await this.events?.agentHello?.(serverId, hello);
    return true;
  }

  /** Handles a validated message of a connection that has said hello. */
  async dispatch(conn: AgentConnection, message: AgentToControlPlaneMessage): Promise<void> {
    const serverId = conn.server.id;
    switch (message.type) {
      case "agent_hello":
        return; // the connection handles the handshake itself
      case "heartbeat":
        return this.heartbeat(conn, message.payload);
      case "command_response":
        return this.pending.resolve(serverId, message.payload);
      case "deploy_status":
        await this.events?.deployStatus(serverId, message.payload, message.timestamp);
        return;
      case "telemetry_batch":
        // Off the connection's queue: a batch takes a while to store, and heartbeats and deploy statuses must not
        // wait behind it. Acks may so overtake each other, which the agent does not mind.
        this.ingestTelemetry(conn, message.payload);
        return;
      case "alert":
        return this.alerts.record(conn, message.payload);
      case "log_stream":
        return this.pending.stream(serverId, message.payload);
      case "pong":
        return;
      case "certificate_status":
        await this.events?.certificateStatus?.(serverId, message.payload);
        return;
      case "exec_output":
        return this.execSessions.output(serverId, message.payload);
      case "routes_report":
        await this.events?.routesReport?.(serverId, message.payload);
        return;
      default: {
        const unreachable: never = message;
        throw new Error(`unhandled agent message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** A socket closed: if it was the server's connection, the server goes offline. */
  connectionClosed(conn: AgentConnection, code: number, reason: string): void {
    this.live.delete(conn);
    const serverId = conn.server.id;
    const wasCurrent = this.connections.get(serverId) === conn;
    conn.ready = false;
    if (!wasCurrent) return;
    conn.log.info({ code, reason, heartbeats_coalesced: conn.heartbeatsCoalesced }, "agent disconnected");
    this.drop(conn, "disconnected");
    // Alerts live with the connection (until they are stored by the alerting domain); service states stay for
    // reconciliation until the server is deleted or its agent reports again.
    this.alerts.delete(serverId);
    if (this.closed) return;
    // Behind the messages already received, so a heartbeat in flight cannot flip the server back online.
    void conn.enqueue(async () => {
      if (this.connections.has(serverId)) return;
      await markServerOffline(this.opts.db, serverId, this.now());
      await this.events?.serverStatus?.(serverId, "offline");
    });
  }

  /**
   * Forgets everything kept in memory for a server (its latest service states and alerts) and closes its agent's
   * connection: the server was deleted.
   */
  forget(serverId: string): void {
    this.services.delete(serverId);
    this.alerts.delete(serverId);
    // Every connection of the server, also one still before its hello (its certificate went with the row).
    this.disconnect(serverId, CloseCode.serverDeleted, "this server was deleted");
  }

  // ---- internals ----

  /**
   * A heartbeat: the latest service states are kept at once; the database (the server's last_heartbeat_at and a
   * metrics row) gets at most one heartbeat per half interval per connection, so an agent that sends thousands
   * at once costs one write, not thousands. Extra ones are counted and reported.
   */
  private async heartbeat(conn: AgentConnection, beat: HeartbeatPayload): Promise<void> {
    const serverId = conn.server.id;
    const now = this.now().getTime();
    const minGapMs = (this.opts.heartbeatSeconds * 1000) / 2;
    if (conn.lastHeartbeatRecordedAt > 0 && now - conn.lastHeartbeatRecordedAt < minGapMs) {
      conn.heartbeatsCoalesced++;
      this.services.set(serverId, beat.services);
      return;
    }
    if (!(await recordHeartbeat(this.opts.db, serverId, beat, new Date(now)))) {
      this.forget(serverId);
      return;
    }
    conn.lastHeartbeatRecordedAt = now;
    this.services.set(serverId, beat.services);
    if (conn.heartbeatsCoalesced > conn.heartbeatsReported) {
      conn.log.warn(
        { heartbeats_coalesced: conn.heartbeatsCoalesced - conn.heartbeatsReported },
        "agent sent heartbeats faster than its interval; the extra ones were coalesced",
      );
      conn.heartbeatsReported = conn.heartbeatsCoalesced;
    }
  }

  /**
   * Stores a telemetry batch and answers it with a telemetry_ack. At most `perAgent` batches of one agent and
   * `total` overall are processed at once; beyond that the batch is answered "retry" at once, so memory stays
   * bounded whatever agents send. An exception (a bug) also answers "retry": nothing is lost, the agent resends.
   */
  private ingestTelemetry(conn: AgentConnection, batch: TelemetryBatchPayload): void {
    const limits = this.opts.telemetryConcurrency ?? { perAgent: 2, total: 8 };
    const serverId = conn.server.id;
    const mine = this.telemetryPerAgent.get(serverId) ?? 0;
    const answer = (ack: TelemetryAckPayload) => {
      try {
        conn.post("telemetry_ack", ack);
      } catch {
        // The socket is gone; the agent resends unacknowledged batches after it reconnects.
      }
    };
    const handler = this.events?.telemetryBatch;
    if (!handler) {
      conn.log.debug({ batch_id: batch.batch_id }, "telemetry batch not handled: no telemetry ingest here");
      return;
    }
    if (mine >= limits.perAgent || this.telemetryInFlight >= limits.total) {
      answer({ batch_id: batch.batch_id, status: "retry", retry_after_seconds: 1, message: "ingest is busy" });
      return;
    }
    this.telemetryPerAgent.set(serverId, mine + 1);
    this.telemetryInFlight++;
    void this.track(
      handler(conn.server, batch)
        .catch((err: unknown) => {
          conn.log.error({ err, batch_id: batch.batch_id }, "telemetry batch failed");
          return { batch_id: batch.batch_id, status: "retry", retry_after_seconds: 5 } satisfies TelemetryAckPayload;
        })
        .then(answer)
        .finally(() => {
          this.telemetryInFlight--;
          const left = (this.telemetryPerAgent.get(serverId) ?? 1) - 1;
          if (left > 0) this.telemetryPerAgent.set(serverId, left);
          else this.telemetryPerAgent.delete(serverId);
        }),
    );
  }

  /** Sends the agent its ingest keys when they differ from what it last got. */
  private async pushIngestKeys(conn: AgentConnection): Promise<void> {
    if (!this.events?.ingestKeys) return;
    try {
      const keys = await this.events.ingestKeys(conn.server.id);
      const digest = JSON.stringify(keys);
      if (this.ingestKeysSent.get(conn) === digest) return;
      conn.post("ingest_keys", { keys });
      this.ingestKeysSent.set(conn, digest);
    } catch (err) {
      conn.log.warn({ err }, "could not send the agent its ingest keys");
    }
  }

  /** Forgets a connection as its server's, failing the commands and log streams that waited on it. */
  private drop(conn: AgentConnection, why: string): void {
    const serverId = conn.server.id;
    if (this.connections.get(serverId) === conn) this.connections.delete(serverId);
    conn.ready = false;
    this.pending.failServer(serverId, why);
    this.execSessions.failServer(serverId, why);
  }

  private pingAll(): void {
    for (const conn of this.connections.values()) {
      try {
        conn.post("ping", { nonce: randomUUID(), sent_at: this.now().toISOString() });
      } catch {
        // A socket on its way out; its close event does the cleanup.
      }
    }
  }
}

/** The agent hub on the control plane's settings (main.ts and the test harness). */
export function createAgentHub(config: Config, db: Db, logger: Logger, now: () => Date): AgentHub {
  return new AgentHub({
    controlPlaneVersion: config.version,
    db,
    logger,
    now,
    heartbeatSeconds: config.agents.heartbeatSeconds,
    commandTimeoutMs: config.agents.commandTimeoutSeconds * 1000,
    agentLogLevel: config.agents.logLevel,
  });
}
