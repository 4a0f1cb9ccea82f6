import { randomUUID } from "node:crypto";
import {
  type AgentHelloPayload,
  type AgentToControlPlaneMessage,
  agentCompatibility,
  type ControlPlaneToAgentType,
  type ErrorCode,
  isTelemetryBatchFrame,
  messageSchemas,
  negotiateProtocolVersion,
  PROTOCOL_VERSIONS,
  parseMessage,
  parseTelemetryBatchFrame,
  RESTARTING_CLOSE_CODE,
} from "@syntra/contracts";
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import type { z } from "zod";
import { AppError } from "../errors";
import type { AgentServer } from "./agent-servers";
import type { AgentHub } from "./hub";

/** WebSocket close codes the control plane uses (4000-4999 are the application's). */
export const CloseCode = {
  /** The control plane stops to start again; the reason names the reconnect spread (contracts' close-codes.ts). */
  restarting: RESTARTING_CLOSE_CODE,
  invalidHello: 4000,
  replaced: 4001,
  serverMismatch: 4003,
  serverDeleted: 4004,
  revoked: 4005,
  noHeartbeat: 4008,
  helloTimeout: 4009,
  updateRequired: 4010,
  certificateInvalid: 4011,
  protocolUnsupported: 4026,
} as const;

/** How a connection proved which server it speaks for. */
export type ConnectionCredential =
  /** `verifyHash`: let through on memory during a storm; the hello's write checks the token is still valid. */
  | { kind: "token"; verifyHash?: string }
  /** `verify`: the same for a certificate (the hello's write checks it is still valid and the server's). */
  | { kind: "certificate"; fingerprint: string; notAfter: Date; verify?: boolean };

/** Messages waiting to be handled at which a connection stops reading from its socket, and where it resumes. */
export const QUEUE_HIGH = 64;
const QUEUE_LOW = 16;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a message of a control-plane type may be built from (fields with defaults may be left out). */
export type OutgoingPayload<T extends ControlPlaneToAgentType> = z.input<(typeof messageSchemas)[T]>["payload"];

/**
 * One agent's socket: validates every frame against the contracts, performs the hello handshake and hands
 * the rest to the hub. Messages are handled one at a time, in arrival order, so a slow database write
 * cannot let a later deploy_status overtake an earlier one.
 *
 * Refused frames: until its hello is accepted, an agent that sends anything but a valid agent_hello gets a
 * rejected hello_ack naming the problem and the socket closes (4000); it reconnects and says hello again.
 * After hello, a refused frame is logged with its id and issues and answered with an `error` message (a
 * Syntra extension: section 1 has no control plane -> agent error); the connection stays up.
 */
export class AgentConnection {
  /** True once agent_hello was accepted; only then does the connection carry commands. */
  ready = false;
  protocolVersion: string | null = null;
  /** The accepted agent_hello (version, capabilities, how its last update ended). */
  hello: AgentHelloPayload | null = null;
  /** When a heartbeat of this connection was last written to the database (the hub's clock, ms); 0: never. */
  lastHeartbeatRecordedAt = 0;
  /** Heartbeats not processed on their own: replaced by a newer one still waiting, or arriving too soon. */
  heartbeatsCoalesced = 0;
  /** How many of those were already reported in the log. */
  heartbeatsReported = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Messages received and not yet handled; past QUEUE_HIGH the socket stops reading until QUEUE_LOW. */
  private queued = 0;
  /** The newest heartbeat waiting in the queue; a later one replaces it rather than queueing behind it. */
  private waitingHeartbeat: AgentToControlPlaneMessage | null = null;
  private readonly helloTimer: NodeJS.Timeout;
  private closing = false;
  readonly log: Logger;

  constructor(
    private readonly hub: AgentHub,
    private readonly socket: WebSocket,
    readonly server: AgentServer,
    readonly agentVersion: string,
    readonly credential: ConnectionCredential = { kind: "token" },
  ) {
    this.log = hub.logger.child({ server_id: server.id, agent_version: agentVersion });
    this.helloTimer = setTimeout(() => {
      if (!this.ready) this.close(CloseCode.helloTimeout, "no agent_hello received in time");
    }, hub.helloTimeoutMs);
    this.helloTimer.unref();
    socket.on("message", (data, isBinary) => this.onFrame(data, isBinary));
    socket.on("close", (code, reason) => {
      clearTimeout(this.helloTimer);
      this.hub.connectionClosed(this, code, reason.toString("utf8"));
    });
    // ws emits 'error' before 'close' (bad frames, resets); 'close' does the cleanup.
    socket.on("error", (err) => this.log.warn({ err }, "agent socket error"));
  }

  /**
   * Runs fn after every message received so far has been handled. Backpressure: while more than QUEUE_HIGH
   * messages wait, the socket stops reading (TCP holds the agent back), and it reads again at QUEUE_LOW.
   */
  enqueue(fn: () => Promise<void>): Promise<void> {
    this.queued++;
    if (this.queued >= QUEUE_HIGH && !this.socket.isPaused) this.socket.pause();
    const next = this.queue
      .then(fn)
      .catch((err: unknown) => this.log.error({ err }, "agent message handling failed"))
      .finally(() => {
        this.queued--;
        if (this.queued <= QUEUE_LOW && this.socket.isPaused) this.socket.resume();
      });
    this.queue = next;
    return this.hub.track(next);
  }

  /** Sends one message, checked against its contract schema first (a failure is a bug here, not the agent's). */
  post<T extends ControlPlaneToAgentType>(type: T, payload: OutgoingPayload<T>, id: string = randomUUID()): void {
    if (this.closing || this.socket.readyState !== this.socket.OPEN) {
      throw new AppError("AGENT_OFFLINE", "The server's agent is not connected");
    }
    const message = messageSchemas[type].parse({ id, type, timestamp: this.hub.now().toISOString(), payload });
    this.socket.send(JSON.stringify(message));
  }

  /** True while the socket is open and not being closed (a hello waiting for admission checks it). */
  get open(): boolean {
    return !this.closing && this.socket.readyState === this.socket.OPEN;
  }

  /** Closes the socket with an application close code and a reason the agent can log. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.ready = false;
    this.log.info({ code, reason }, "closing agent connection");
    // Close reasons are limited to 123 bytes.
    this.socket.close(code, reason.slice(0, 120));
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary && isTelemetryBatchFrame(raw)) {
      this.onTelemetryFrame(raw);
      return;
    }
    // Text and binary frames alike: parseMessage decodes UTF-8 strictly and reports bad bytes as INVALID_MESSAGE.
    const parsed = parseMessage("agent_to_control_plane", raw, {
      onUnrecognizedErrorCodes: (codes) =>
        this.log.warn(
          { codes },
          "agent reported error codes this control plane does not know: read as UNRECOGNIZED_ERROR",
        ),
    });
    if (parsed.ok) {
      const message = parsed.message;
      if (message.type === "heartbeat") this.queueHeartbeat(message);
      else void this.enqueue(() => this.handle(message));
      return;
    }
    this.refuseFrame(parsed.error, readId(raw));
  }

  /**
   * A telemetry_batch in the binary form (contracts' telemetry-frame.ts): the compressed batch is a view of the
   * frame, handed to the telemetry domain as it is, with no base64 to decode. Refused like a bad JSON message.
   */
  private onTelemetryFrame(raw: Buffer): void {
    const parsed = parseTelemetryBatchFrame(raw);
    if (!parsed.ok) {
      this.refuseFrame(parsed.error, undefined);
      return;
    }
    const { message, data } = parsed;
    void this.enqueue(async () => {
      if (this.closing) return;
      if (!this.ready) {
        this.refuseBeforeHello("HELLO_REQUIRED", "telemetry_batch before agent_hello: say hello first");
        return;
      }
      this.hub.ingestTelemetry(this, { ...message.payload, data });
    });
  }

  /** Logs a refused frame and answers it with an `error` (before hello: a refused hello and the socket closed). */
  private refuseFrame(
    { message, issues }: { message: string; issues: { path: string; message: string }[] },
    id?: string,
  ) {
    // The frame itself is not logged: log_stream lines and alerts can carry application data.
    this.log.warn({ message_id: id, issues: issues.slice(0, 10) }, `refused agent message: ${message}`);
    // Queued like any message, so the rejection cannot overtake a hello still being processed.
    void this.enqueue(async () => {
      if (!this.ready) {
        this.refuseBeforeHello("INVALID_MESSAGE", message);
        return;
      }
      this.post("error", {
        code: "INVALID_MESSAGE",
        message: message.slice(0, 1000),
        ...(id === undefined ? {} : { message_id: id.slice(0, 128) }),
        issues: issues.slice(0, 20),
      });
    });
  }

  /**
   * Heartbeats only report the latest state, so a burst of them is one heartbeat: while one waits in the queue,
   * a newer one takes its place (counted), and the queue holds at most one.
   */
  private queueHeartbeat(message: AgentToControlPlaneMessage): void {
    if (this.waitingHeartbeat) {
      this.waitingHeartbeat = message;
      this.heartbeatsCoalesced++;
      return;
    }
    this.waitingHeartbeat = message;
    void this.enqueue(async () => {
      const latest = this.waitingHeartbeat;
      this.waitingHeartbeat = null;
      if (latest) await this.handle(latest);
    });
  }

  private async handle(message: AgentToControlPlaneMessage): Promise<void> {
    if (this.closing) return;
    if (message.type === "agent_hello") return this.onHello(message.payload);
    if (!this.ready) {
      this.log.warn({ type: message.type, message_id: message.id }, "agent message before agent_hello refused");
      this.refuseBeforeHello("HELLO_REQUIRED", `${message.type} before agent_hello: say hello first`);
      return;
    }
    try {
      await this.hub.dispatch(this, message);
    } catch (err) {
      // Nothing to answer with (see the class comment); the agent's next heartbeat or status repeats the state.
      this.log.error({ err, type: message.type, message_id: message.id }, "agent message could not be processed");
    }
  }

  private async onHello(hello: AgentHelloPayload): Promise<void> {
    // The hello arrived in time: waiting for admission afterwards (a reconnect storm) must not time it out.
    clearTimeout(this.helloTimer);
    // The token decides which server this is; an agent that names another one is misconfigured.
    if (UUID.test(hello.server_id) && hello.server_id.toLowerCase() !== this.server.id) {
      this.rejectHello(
        "SERVER_MISMATCH",
        `this agent token belongs to server ${this.server.id}, not ${hello.server_id}`,
      );
      this.close(CloseCode.serverMismatch, "agent_hello names another server than its token");
      return;
    }
    const version = negotiateProtocolVersion(hello.protocol_version, hello.min_supported, PROTOCOL_VERSIONS);
    if (!version) {
      const ours = PROTOCOL_VERSIONS.join(", ");
      const theirs = `${hello.min_supported} to ${hello.protocol_version}`;
      this.log.warn({ agent_protocol: theirs, supported: ours }, "agent protocol version unsupported");
      this.rejectHello(
        "PROTOCOL_VERSION_UNSUPPORTED",
        `the agent speaks protocol ${theirs}; this control plane speaks ${ours}`,
      );
      this.close(CloseCode.protocolUnsupported, `protocol version unsupported: agent ${theirs}, control plane ${ours}`);
      return;
    }
    const compatibility = agentCompatibility(hello.version, this.hub.controlPlaneVersion);
    if (!compatibility.compatible) {
      // Too old to be trusted with commands: told so, and where its update is when it can update itself.
      this.log.warn({ agent_version: hello.version, minimum: compatibility.minimum }, "agent too old");
      const update = await this.hub.updateForTooOldAgent(this.server.id, hello).catch((err: unknown) => {
        this.log.warn({ err }, "no update could be offered to a too-old agent");
        return undefined;
      });
      this.sendQuietly("hello_ack", {
        server_id: this.server.id,
        accepted: false,
        protocol_version: null,
        error: { code: "AGENT_UPDATE_REQUIRED", message: compatibility.message },
        ...(update && { update }),
      });
      this.close(CloseCode.updateRequired, `agent update required: ${compatibility.minimum} or newer`);
      return;
    }
    this.protocolVersion = version;
    this.hello = hello;
    const accepted = await this.hub.acceptHello(this, hello);
    if (!accepted) return;
    clearTimeout(this.helloTimer);
    this.log.info({ hostname: hello.network.hostname, protocol_version: version }, "agent connected");
  }

  private rejectHello(code: ErrorCode, message: string): void {
    this.sendQuietly("hello_ack", {
      server_id: this.server.id,
      accepted: false,
      protocol_version: null,
      error: { code, message },
    });
  }

  private refuseBeforeHello(code: ErrorCode, message: string): void {
    if (this.closing) return;
    this.rejectHello(code, message);
    this.close(CloseCode.invalidHello, `agent_hello expected: ${message}`);
  }

  // Replies about a problem must not raise a second one when the socket is already going away.
  private sendQuietly<T extends ControlPlaneToAgentType>(type: T, payload: OutgoingPayload<T>): void {
    try {
      this.post(type, payload);
    } catch (err) {
      if (!(err instanceof AppError)) this.log.error({ err, type }, "could not send to agent");
    }
  }
}

/** The envelope id of a frame that failed validation, when it has a readable one. */
function readId(raw: Buffer): string | undefined {
  try {
    const value = JSON.parse(raw.toString("utf8")) as { id?: unknown };
    return typeof value?.id === "string" && UUID.test(value.id) ? value.id : undefined;
  } catch {
    return undefined;
  }
}
