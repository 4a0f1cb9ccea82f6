import { randomUUID } from "node:crypto";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type {
  AgentConfig,
  AgentHelloPayload,
  AgentToControlPlaneMessage,
  AlertPayload,
  CommandResponsePayload,
  DeployPayload,
  HeartbeatPayload,
  LogStreamPayload,
  ReceivedTelemetryBatch,
  ServiceStatus,
  UpdateAgentPayload,
} from "@syntra/contracts";
import {
  MAX_RECONNECT_SPREAD_SECONDS,
  RESTARTING_CLOSE_CODE,
  restartingCloseReason,
  TELEMETRY_BINARY_CAPABILITY,
  TELEMETRY_BROTLI_CAPABILITY,
} from "@syntra/contracts";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { type ClusterBus, LocalClusterBus } from "../cluster/bus";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { AdmissionRate, admissionBacklogLimit } from "./admission-rate";
import { type AgentServer, markServersOffline, markStaleServersOffline, recordHellos } from "./agent-servers";
import { AgentClusterRelay } from "./cluster-relay";
import { AgentConnection, CloseCode, type ConnectionCredential, type OutgoingPayload } from "./connection";
import {
  AgentCredentialCache,
  certificatesByFingerprint,
  tokensByHash,
  unspentTokens,
  validCertificates,
} from "./credential-cache";
import type { AgentEndpoint } from "./endpoint";
import { invalidCertificates } from "./enrolment";
import { ExecSessionRelay } from "./exec-sessions";
import { HeartbeatWriter } from "./heartbeat-writer";
import { recordCoalescedHeartbeat } from "./heartbeats";
import { HelloAdmission } from "./hello-admission";
import type { AgentHubWiring, HubEvent } from "./hub-events";
import { OfflineMarks } from "./offline-marks";
import { PendingCommands } from "./pending-commands";
import { RecentAlerts } from "./recent-alerts";
import { TelemetryRelay } from "./telemetry-relay";

/**
 * Servers per heartbeat statement: ~200 rows keep one statement near 10 ms on PGlite (a flush of 333 servers, the
 * second's worth at 10,000 agents, was one ~25 ms statement every API query arriving meanwhile waited for).
 */
const HEARTBEAT_ROWS_PER_STATEMENT = 200;

/**
 * Pings sent per event-loop turn (see `pingAll`): a ping cost ~95 µs in a profile of 10,000 agents on a busy
 * machine (ids, validation, a frame written), so 500 held the loop ~50 ms a turn, 20 turns per 30 s sweep, ~3% of
 * the time: enough to set the API's p99 alone. 100 a turn hold it ~10 ms.
 */
const PINGS_PER_TURN = 100;

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
  | "configure_monitors"
  | "exec_session";

/** A command's payload; the hub fills in `request_id` when it is left out. */
export type CommandPayload<T extends CommandType> = Omit<OutgoingPayload<T>, "request_id"> & { request_id?: string };

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
  /** How long a heartbeat waits to be written with others (ms); 0: only when flushed (tests). Default 1000. */
  heartbeatFlushMs?: number;
  /** How long a disconnected server waits to be marked offline with others (ms). Default 1000. */
  offlineFlushMs?: number;
  /** Batches of hellos processed at once; more wait their turn (see HelloAdmission). Default 1. */
  helloConcurrency?: number;
  /** The most hellos admitted together in one batch. Default 200. */
  helloBatch?: number;
  /** How long a hello finding the queue idle waits for others to share its batch (ms). Default 50. */
  helloGatherMs?: number;
  /**
   * Agents admitted per second assumed until a reconnect storm has been measured (see AdmissionRate): agents are
   * told to spread their reconnects (after a restart, or a lost connection) over fleet / rate seconds. Default 500.
   */
  reconnectRatePerSecond?: number;
  /**
   * The most agents between upgrade and admitted hello before new upgrades are refused with 503 and Retry-After
   * (they would only wait, or time out their handshake and try again). Below it, the backlog is what the measured
   * admission rate lets in within ADMISSION_BUDGET_SECONDS. Default 5000.
   */
  admissionBacklogMax?: number;
  /** The other control-plane replicas, to reach agents connected to them (default: none, one process). */
  cluster?: ClusterBus;
}

/** How a command is sent: `localOnly` when another replica relays it here (it must not go round again). */
export interface SendOptions {
  timeoutMs?: number;
  localOnly?: boolean;
}

/** An open `logs_subscribe`: `confirmed` is the agent's command_response; lines arrive through `onLines`. */
export interface LogSubscription {
  requestId: string;
  confirmed: Promise<CommandResponsePayload>;
  /** Ends the subscription (sends logs_unsubscribe when it is still open). */
  unsubscribe(): void;
}

/** A hello waiting for admission. */
interface HelloRequest {
  conn: AgentConnection;
  hello: AgentHelloPayload;
}

/** What the hello's write must re-check of a credential let through on memory during a storm (credential-cache.ts). */
function credentialCheck(credential: ConnectionCredential): { verifyTokenHash?: string; verifyCertificate?: string } {
  if (credential.kind === "token") return credential.verifyHash ? { verifyTokenHash: credential.verifyHash } : {};
  return credential.verify ? { verifyCertificate: credential.fingerprint } : {};
}

const offline = () => new AppError("AGENT_OFFLINE", "The server's agent is not connected");

/**
 * How long the agents already waiting may take to be admitted before new upgrades are told to come back later:
 * half the agent's 10 s handshake timeout (its clock also runs while the request waits to be read, and on its side).
 */
export const ADMISSION_BUDGET_SECONDS = 5;
/** The admission backlog never shrinks below this, whatever the measured rate (a slow start must not refuse all). */
const MIN_ADMISSION_BACKLOG = 50;

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
  private wiring: AgentHubWiring | undefined;
  /** The mutual-TLS agent endpoint, once it listens (agents/endpoint.ts): its URL, CA and update bundle. */
  endpoint: AgentEndpoint | undefined;
  private closed = false;
  private readonly telemetry: TelemetryRelay;
  /** Heartbeats waiting to be written in the next batch. */
  readonly heartbeats: HeartbeatWriter;
  /** Disconnected servers waiting to be marked offline together (a mass disconnect is a few statements). */
  readonly offline: OfflineMarks;
  /** Servers whose hello is being admitted now, by how many connections (not marked offline meanwhile). */
  private readonly admitting = new Map<string, number>();
  /** The queue hellos wait in during a reconnect storm. */
  readonly admission: HelloAdmission<HelloRequest>;
  /** Agent tokens seen valid, for upgrades during a reconnect storm (see credential-cache.ts). */
  readonly credentials = new AgentCredentialCache(unspentTokens, tokensByHash);
  /** Agent certificates seen valid, the same for the mutual-TLS endpoint. */
  readonly certificates = new AgentCredentialCache(validCertificates, certificatesByFingerprint);
  /** Agents connected to the other replicas, and the relay of commands and streams to them. */
  readonly cluster: AgentClusterRelay;
  /** How fast this process admits agents in a storm, measured: sizes the reconnect spread and the backlog. */
  readonly admissionRate: AdmissionRate;

  constructor(private readonly opts: AgentHubOptions) {
    this.logger = opts.logger.child({ component: "agent-hub" });
    this.now = opts.now;
    this.helloTimeoutMs = opts.helloTimeoutMs ?? 30_000;
    this.controlPlaneVersion = opts.controlPlaneVersion;
    this.pending = new PendingCommands(this.logger);
    this.execSessions = new ExecSessionRelay(this.logger);
    this.alerts = new RecentAlerts(opts.alertsKept ?? 100);
    this.heartbeats = new HeartbeatWriter({
      db: opts.db,
      logger: this.logger,
      flushMs: opts.heartbeatFlushMs ?? 1000,
      maxBatch: 2000,
      rowsPerStatement: HEARTBEAT_ROWS_PER_STATEMENT,
      onDeleted: (ids) => {
        for (const id of ids) this.forget(id);
      },
    });
    this.offline = new OfflineMarks({
      db: opts.db,
      logger: this.logger,
      now: opts.now,
      flushMs: opts.offlineFlushMs ?? 1000,
      isBack: (serverId) => this.connections.has(serverId) || this.admitting.has(serverId),
      release: (serverId) => this.cluster.release(serverId),
      onOffline: async (rows) => {
        for (const { id, orgId } of rows)
          await this.emit({ kind: "server_status", serverId: id, status: "offline", orgId });
      },
    });
    this.admission = new HelloAdmission(
      opts.helloConcurrency ?? 1,
      opts.helloBatch ?? 200,
      (batch) => this.admitHellos(batch),
      opts.helloGatherMs ?? 50,
    );
    this.telemetry = new TelemetryRelay(opts.telemetryConcurrency ?? { perAgent: 2, total: 8 }, (work) =>
      this.track(work),
    );
    this.cluster = new AgentClusterRelay(this, opts.cluster ?? new LocalClusterBus(), opts.db, this.logger);
    this.admissionRate = new AdmissionRate({ initialPerSecond: opts.reconnectRatePerSecond ?? 500 });
  }

  /** Wires in the rest of the control plane (`agents/events.ts`) and starts pinging and sweeping. */
  start(wiring: AgentHubWiring): void {
    if (this.wiring) throw new Error("AgentHub already started");
    this.wiring = wiring;
    const everyMs = this.opts.heartbeatSeconds * 1000;
    const ping = setInterval(() => void this.track(this.pingAll()), everyMs);
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
      socket.close(RESTARTING_CLOSE_CODE, restartingCloseReason(this.reconnectSpreadSeconds()));
      return;
    }
    this.live.add(new AgentConnection(this, socket, server, agentVersion, credential));
  }

  /**
   * Cuts every socket of the server's agents at once (revoked, server deleted): what waited on them fails, the
   * server goes offline. Their credentials must already be refused, or they simply connect again.
   */
  disconnect(serverId: string, code: number, reason: string, opts: Pick<SendOptions, "localOnly"> = {}): void {
    const current = this.connections.get(serverId);
    if (current) this.drop(current, reason);
    for (const conn of this.live) if (conn.server.id === serverId) conn.close(code, reason);
    // The agent may be connected to another replica (or to several, one of them on its way out).
    if (!opts.localOnly) this.cluster.disconnectEverywhere(serverId, code, reason);
  }

  /** The accepted hello of the server's connected agent (version, capabilities), or null. */
  agentHello(serverId: string): AgentHelloPayload | null {
    const conn = this.connections.get(serverId);
    return conn?.ready ? conn.hello : this.cluster.remoteHello(serverId);
  }

  /** Asks the wiring for the update a too-old agent should run (see AgentConnection). */
  updateForTooOldAgent(serverId: string, hello: AgentHelloPayload): Promise<UpdateAgentPayload | undefined> {
    return this.wiring?.updateForTooOldAgent?.(serverId, hello) ?? Promise.resolve(undefined);
  }

  /** How many sockets of the server's agents are open, counting a replaced one until its close is handled. */
  openSockets(serverId: string): number {
    return [...this.live].filter((conn) => conn.server.id === serverId).length;
  }

  /** True when the server's agent is connected (to this replica or another) and has said hello. */
  isOnline(serverId: string): boolean {
    return this.connections.get(serverId)?.ready === true || this.cluster.ownerOf(serverId) !== undefined;
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
    opts: SendOptions = {},
  ): Promise<CommandResponsePayload> {
    const conn = this.connections.get(serverId);
    const requestId = payload.request_id ?? randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.opts.commandTimeoutMs;
    if (!conn?.ready) {
      const owner = opts.localOnly ? undefined : this.cluster.ownerOf(serverId);
      if (!owner) throw offline();
      return this.cluster.send(serverId, owner, type, { ...payload, request_id: requestId }, timeoutMs);
    }
    return this.pending.expect(serverId, requestId, type, timeoutMs, () =>
      conn.post(type, { ...payload, request_id: requestId } as OutgoingPayload<T>, requestId),
    );
  }

  /** Sends a message that expects no answer (exec_input); throws AGENT_OFFLINE when the agent is not connected. */
  post(
    serverId: string,
    type: "exec_input",
    payload: OutgoingPayload<"exec_input">,
    opts: Pick<SendOptions, "localOnly"> = {},
  ): void {
    const conn = this.connections.get(serverId);
    if (conn?.ready) {
      conn.post(type, payload);
      return;
    }
    const owner = opts.localOnly ? undefined : this.cluster.ownerOf(serverId);
    if (!owner) throw offline();
    this.cluster.post(owner, serverId, payload);
  }

  /**
   * Sends logs_subscribe and routes the log_stream messages carrying its request id to `onStream`,
   * until one says `done`. Throws AGENT_OFFLINE at once like `send`.
   */
  subscribeLogs(
    serverId: string,
    payload: CommandPayload<"logs_subscribe">,
    onStream: (payload: LogStreamPayload) => void,
    opts: SendOptions = {},
  ): LogSubscription {
    const requestId = payload.request_id ?? randomUUID();
    const owner = opts.localOnly || this.connections.get(serverId)?.ready ? undefined : this.cluster.ownerOf(serverId);
    if (owner) {
      const timeoutMs = opts.timeoutMs ?? this.opts.commandTimeoutMs;
      return this.cluster.subscribeLogs(serverId, owner, { ...payload, request_id: requestId }, onStream, timeoutMs);
    }
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
   * sockets here, which have gone silent), then reports the sweep (the deployments domain reconciles on it).
   */
  async sweep(): Promise<void> {
    // Heartbeats still waiting in memory count: a server is not stale because its beat was not written yet.
    await this.heartbeats.flush();
    await this.offline.flush();
    const now = this.now();
    const before = new Date(now.getTime() - 3 * this.opts.heartbeatSeconds * 1000);
    for (const serverId of await markStaleServersOffline(this.opts.db, before, now, this.cluster.sweepScope())) {
      await this.emit({ kind: "server_status", serverId, status: "offline" });
      const conn = this.connections.get(serverId);
      if (!conn) continue;
      this.drop(conn, "no heartbeat");
      conn.close(CloseCode.noHeartbeat, "no heartbeat for 3 intervals");
    }
    await this.closeInvalidCertificates(now);
    // Keys rotated, services created or moved since: each agent gets its new list.
    await this.telemetry.pushAllKeys([...this.connections.values()], this.wiring);
    await this.emit({ kind: "sweep" });
  }

  /** Closes every agent socket, fails what waits on them, marks their servers offline and stops the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    const online = [...this.connections.values()];
    // Agents come back to the next process, spread over a time sized to the fleet rather than all at once.
    const reason = restartingCloseReason(this.reconnectSpreadSeconds());
    for (const conn of online) this.drop(conn, "control plane shutting down");
    for (const conn of this.live) conn.close(RESTARTING_CLOSE_CODE, reason);
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    // Heartbeats still waiting are written before the servers go offline, never after.
    await this.heartbeats.close();
    await this.offline.close();
    try {
      // An agent that already said hello to another replica is online there.
      const released = await Promise.all(
        online.map(async (conn) => (await this.cluster.release(conn.server.id)) && conn),
      );
      await markServersOffline(
        this.opts.db,
        released.flatMap((conn) => (conn ? [conn.server.id] : [])),
        this.now(),
      );
    } catch (err) {
      this.logger.warn({ err, servers: online.length }, "could not mark the servers offline");
    }
    const { admitted, batches, queries } = this.admission.stats;
    this.logger.info(
      {
        hellos_admitted: admitted,
        hello_batches: batches,
        queries_per_hello: admitted > 0 ? Number((queries / admitted).toFixed(2)) : 0,
        upgrades_refused_busy: this.admissionRefused,
        credential_lookups: this.credentials.stats.lookups + this.certificates.stats.lookups,
        credential_queries: this.credentials.stats.queries + this.certificates.stats.queries,
        admission_rate_per_second: Math.round(this.admissionRate.perSecond),
        admission_rate_samples: this.admissionRate.samples,
        offline_marked: this.offline.stats.marked,
        offline_flushes: this.offline.stats.flushes,
        offline_skipped: this.offline.stats.skipped,
      },
      "agent hub stopped",
    );
  }

  /**
   * While more agents wait between their upgrade request and an admitted hello than `admissionBacklogMax` (upgrades
   * being handled, or their credential lookups, plus open sockets not admitted yet): the seconds a
   * new upgrade is told to wait (Retry-After, sized to the backlog at the fleet's reconnect rate, 1..60); else 0.
   */
  admissionRetryAfterSeconds(): number {
    const backlog = this.admissionBacklog();
    if (backlog < this.admissionBacklogLimit()) return 0;
    this.admissionRefused++;
    return Math.min(60, Math.max(1, Math.ceil(backlog / this.admissionRate.perSecond)));
  }

  /**
   * The agents the admission backlog may hold: as many as the measured rate admits within ADMISSION_BUDGET_SECONDS
   * (an upgrade behind them would otherwise near the agent's handshake timeout), within MIN_ADMISSION_BACKLOG and
   * the configured maximum.
   */
  admissionBacklogLimit(): number {
    const most = this.opts.admissionBacklogMax ?? 5000;
    return admissionBacklogLimit(this.admissionRate.perSecond, ADMISSION_BUDGET_SECONDS, MIN_ADMISSION_BACKLOG, most);
  }

  /** Agents between their upgrade request and an admitted hello: sockets not admitted, upgrades or lookups in flight. */
  private admissionBacklog(): number {
    const lookups = this.credentials.pendingLookups + this.certificates.pendingLookups;
    return this.live.size - this.connections.size + Math.max(lookups, this.upgradesInFlight);
  }

  /** Agent upgrades being handled now (ws-route.ts counts them), part of the admission backlog. */
  upgradesInFlight = 0;

  /** Agent sockets open on this replica (said hello or not): the fleet that would reconnect at once. */
  get socketCount(): number {
    return this.live.size;
  }

  /** Upgrades refused with 503 while the admission backlog was full (see `admissionRetryAfterSeconds`). */
  admissionRefused = 0;

  /**
   * Over how many seconds the connected agents should spread their reconnects after a restart or a lost
   * connection (the restarting close reason, hello_ack, pings): the fleet at the measured admission rate, so that
   * all of them coming back at once arrive no faster than this process admits them. 1..MAX_RECONNECT_SPREAD_SECONDS.
   */
  reconnectSpreadSeconds(): number {
    const spread = Math.ceil(this.socketCount / this.admissionRate.perSecond);
    return Math.min(MAX_RECONNECT_SPREAD_SECONDS, Math.max(1, spread));
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

  /**
   * Completes an accepted hello: records the host, answers hello_ack, and makes the connection the server's. Waits
   * in the admission queue and is admitted with the hellos that waited with it (see HelloAdmission).
   */
  acceptHello(conn: AgentConnection, hello: AgentHelloPayload): Promise<boolean> {
    return this.admission.submit({ conn, hello });
  }

  /** Admits a batch of hellos with a query per step for all of them; answers, in order, which were admitted. */
  private async admitHellos(batch: readonly HelloRequest[]): Promise<boolean[]> {
    // Gone while they waited (the agent gave up, or the control plane is stopping): nothing to admit. Of two
    // connections of one server in a batch, the later one is the agent's current one.
    const latest = new Map<string, HelloRequest>();
    for (const request of batch) if (request.conn.open && !this.closed) latest.set(request.conn.server.id, request);
    const live = [...latest.values()];
    const ids = live.map((r) => r.conn.server.id);
    for (const id of ids) this.admitting.set(id, (this.admitting.get(id) ?? 0) + 1);
    try {
      // An offline mark being written now must land before these servers are marked online, not after.
      await this.offline.settled();
      return await this.admitLive(batch, live);
    } finally {
      for (const id of ids) {
        const n = (this.admitting.get(id) ?? 1) - 1;
        if (n > 0) this.admitting.set(id, n);
        else this.admitting.delete(id);
      }
    }
  }

  private async admitLive(batch: readonly HelloRequest[], live: HelloRequest[]): Promise<boolean[]> {
    const admitted = new Set<AgentConnection>();
    const recorded = await recordHellos(
      this.opts.db,
      live.map(({ conn, hello }) => ({ serverId: conn.server.id, hello, ...credentialCheck(conn.credential) })),
      this.now(),
    );
    const known = live.filter(({ conn }) => {
      if (recorded.has(conn.server.id)) return true;
      const credential = conn.credential;
      if (credential.kind === "token" && credential.verifyHash !== undefined) {
        this.credentials.forget(credential.verifyHash);
        conn.close(CloseCode.revoked, "this server was deleted or its agent token is no longer valid");
      } else if (credential.kind === "certificate" && credential.verify) {
        this.certificates.forget(credential.fingerprint);
        conn.close(
          CloseCode.certificateInvalid,
          "this server was deleted or the agent's certificate is no longer valid",
        );
      } else {
        conn.close(CloseCode.serverDeleted, "this server was deleted");
      }
      return false;
    });
    const pending = (await this.wiring?.takePendingDeployments(known.map((r) => r.conn.server.id))) ?? new Map();
    const ready: HelloRequest[] = [];
    for (const request of known) {
      const mine = pending.get(request.conn.server.id) ?? [];
      if (await this.sendHelloAck(request.conn, mine)) ready.push(request);
    }
    this.admissionRate.record(ready.length);
    for (const { conn } of ready) {
      const serverId = conn.server.id;
      const previous = this.connections.get(serverId);
      if (previous && previous !== conn) {
        this.drop(previous, "replaced");
        previous.close(CloseCode.replaced, "replaced by a newer connection of this server");
      }
      conn.ready = true;
      this.connections.set(serverId, conn);
      admitted.add(conn);
    }
    if (ready.length > 0) {
      await this.cluster.claim(ready.map(({ conn, hello }) => ({ serverId: conn.server.id, hello })));
      await this.telemetry.pushAllKeys(
        ready.map((r) => r.conn),
        this.wiring,
      );
      await this.emit({ kind: "agent_ready", serverIds: ready.map((r) => r.conn.server.id) });
      for (const { conn } of ready) {
        await this.emit({
          kind: "server_status",
          serverId: conn.server.id,
          status: "online",
          orgId: conn.server.orgId,
        });
      }
      for (const { conn, hello } of ready) {
        const lastUpdate = recorded.get(conn.server.id);
        await this.emit({ kind: "hello_accepted", serverId: conn.server.id, hello, ...(lastUpdate && { lastUpdate }) });
      }
    }
    return batch.map(({ conn }) => admitted.has(conn));
  }

  /** Sends hello_ack with the server's pending deployments; when it cannot be sent, they go back in the queue. */
  private async sendHelloAck(conn: AgentConnection, pending: DeployPayload[]): Promise<boolean> {
    try {
      conn.post("hello_ack", {
        server_id: conn.server.id,
        accepted: true,
        protocol_version: conn.protocolVersion ?? "1.0",
        server_name: conn.server.name,
        org_id: conn.server.orgId,
        config: {
          heartbeat_interval_seconds: this.opts.heartbeatSeconds,
          telemetry_batch_interval_seconds: 5,
          telemetry_buffer_max_mb: 50,
          log_level: this.opts.agentLogLevel,
          reconnect_spread_seconds: this.reconnectSpreadSeconds(),
        },
        pending_deployments: pending,
        capabilities: [TELEMETRY_BINARY_CAPABILITY, TELEMETRY_BROTLI_CAPABILITY],
      });
      return true;
    } catch (err) {
      conn.log.warn({ err }, "hello_ack could not be sent; pending deployments go back in the queue");
      if (pending.length > 0) await this.wiring?.requeueDeployments(pending.map((p) => p.deployment_id));
      return false;
    }
  }

  /** A telemetry_batch of a connection that has said hello, in the JSON or the binary form: stored, then acked. */
  ingestTelemetry(conn: AgentConnection, batch: ReceivedTelemetryBatch): void {
    this.telemetry.ingest(conn, batch, this.wiring?.telemetryBatch);
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
      case "telemetry_batch":
        // Off the connection's queue: a batch takes a while to store, and heartbeats and deploy statuses must not
        // wait behind it. Acks may so overtake each other, which the agent does not mind.
        this.ingestTelemetry(conn, message.payload);
        return;
      case "log_stream":
        return this.pending.stream(serverId, message.payload);
      case "pong":
        return;
      case "exec_output":
        return this.execSessions.output(serverId, message.payload);
      case "alert":
        this.alerts.record(conn, message.payload);
        return this.emit({ kind: message.type, serverId, message });
      case "deploy_status":
      case "certificate_status":
      case "routes_report":
      case "monitor_results":
        // The domains' messages go to their owners; the cast pairs the kind with its own message type.
        return this.emit({ kind: message.type, serverId, message } as HubEvent);
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
      await this.heartbeats.forget(serverId);
      if (this.connections.has(serverId)) return;
      // Marked with the other disconnects of the next second, unless the agent is back by then (with several
      // replicas, also when another replica holds it).
      this.offline.add(serverId);
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

  /** A server whose agent's replica died went offline (cluster-relay.ts marked it). */
  async serverLeftCluster(serverId: string): Promise<void> {
    await this.emit({ kind: "server_status", serverId, status: "offline" });
  }

  /** A server marked offline while this replica was cut off from the others is online again (cluster-relay.ts). */
  async serverBackInCluster(serverId: string): Promise<void> {
    await this.emit({ kind: "server_status", serverId, status: "online" });
  }

  /** The agents connected to this replica that have said hello. */
  localAgents(): { serverId: string; hello: AgentHelloPayload }[] {
    return [...this.connections.values()].flatMap((c) =>
      c.ready && c.hello ? [{ serverId: c.server.id, hello: c.hello }] : [],
    );
  }

  // ---- internals ----

  /**
   * A heartbeat: the latest service states are kept, and it is written with the next batch (coalesced, see
   * `recordCoalescedHeartbeat`; a deleted server is found by the batch write, which then forgets it).
   */
  private async heartbeat(conn: AgentConnection, beat: HeartbeatPayload): Promise<void> {
    const serverId = conn.server.id;
    const now = this.now();
    this.services.set(serverId, beat.services);
    if (!recordCoalescedHeartbeat(this.heartbeats, conn, beat, now, this.opts.heartbeatSeconds)) return;
    // Off the connection's queue, like telemetry batches: storing the containers' metrics must not hold up the
    // agent's next message.
    void this.track(this.emit({ kind: "heartbeat_recorded", serverId, server: conn.server, beat, at: now }));
  }

  /** Hands an event to the wired-in dispatcher (nothing before `start`). */
  private async emit(event: HubEvent): Promise<void> {
    await this.wiring?.emit(event);
  }

  /** Forgets a connection as its server's, failing the commands and log streams that waited on it. */
  private drop(conn: AgentConnection, why: string): void {
    const serverId = conn.server.id;
    if (this.connections.get(serverId) === conn) this.connections.delete(serverId);
    conn.ready = false;
    this.pending.failServer(serverId, why);
    this.execSessions.failServer(serverId, why);
  }

  /**
   * Pings every agent, a few hundred at a time with the event loop served in between: a fleet's pings sent in one go
   * (each checked against the contract and framed) held the loop long enough to show in the API's p99.
   */
  private async pingAll(): Promise<void> {
    // The spread follows the fleet as it grows: an agent's next unexpected disconnect uses the latest.
    const spread = this.reconnectSpreadSeconds();
    const conns = [...this.connections.values()];
    for (const [i, conn] of conns.entries()) {
      if (i > 0 && i % PINGS_PER_TURN === 0) await yieldToLoop();
      try {
        conn.post("ping", { nonce: randomUUID(), sent_at: this.now().toISOString(), reconnect_spread_seconds: spread });
      } catch {
        // A socket on its way out; its close event does the cleanup.
      }
    }
  }
}

/** The agent hub on the control plane's settings (main.ts and the test harness). */
export function createAgentHub(
  config: Config,
  db: Db,
  logger: Logger,
  now: () => Date,
  cluster?: ClusterBus,
): AgentHub {
  return new AgentHub({
    ...(cluster && { cluster }),
    controlPlaneVersion: config.version,
    db,
    logger,
    now,
    heartbeatSeconds: config.agents.heartbeatSeconds,
    commandTimeoutMs: config.agents.commandTimeoutSeconds * 1000,
    agentLogLevel: config.agents.logLevel,
    heartbeatFlushMs: config.agents.heartbeatFlushMs,
    offlineFlushMs: config.agents.offlineFlushMs,
    helloConcurrency: config.agents.helloConcurrency,
    reconnectRatePerSecond: config.agents.reconnectRatePerSecond,
    admissionBacklogMax: config.agents.admissionBacklogMax,
  });
}
