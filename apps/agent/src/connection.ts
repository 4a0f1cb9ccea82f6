import {
  type AgentHelloPayload,
  type AgentToControlPlaneType,
  type ControlPlaneToAgentMessage,
  encodeTelemetryBatchFrame,
  envelope,
  type HelloAckPayload,
  MAX_RECONNECT_SPREAD_SECONDS,
  type PayloadOf,
  parseControlPlaneMessage,
  RESTARTING_CLOSE_CODE,
  reconnectSpreadSeconds,
  TELEMETRY_BINARY_CAPABILITY,
  type TelemetryBatchBinaryPayload,
} from "@syntra/contracts";
import type { Logger } from "pino";
import WebSocket from "ws";
import { AGENT_VERSION } from "./version";

type AcceptedAck = Extract<HelloAckPayload, { accepted: true }>;
type TelemetryMessageType = "telemetry_ack" | "ingest_keys";

// Kinds worth delivering late: they settle deployments and commands. Heartbeats, pongs and log lines are not.
const DURABLE: ReadonlySet<AgentToControlPlaneType> = new Set(["deploy_status", "command_response", "alert"]);
const OUTBOX_LIMIT = 5000;
// Final deploy reports are sent again after each reconnect for this long: one written to a socket the control
// plane was closing is lost without either side noticing. The control plane ignores a copy it already has.
const FINAL_REPLAY_MS = 10 * 60_000;
const FINAL_STATUSES: ReadonlySet<string> = new Set(["running", "failed", "rolled_back"]);

/** Where and how to connect: the agent endpoint with the agent's certificate, or (older control planes) a token. */
export interface ConnectionTarget {
  /** The WebSocket URL (…/agent/ws). */
  url: string;
  headers: Record<string, string>;
  /** TLS client options (certificate, key, pinned CA) for the agent endpoint. */
  tls?: object;
}

/** What the connection needs from the rest of the agent. */
export interface ConnectionOptions {
  /** Asked at every (re)connect, so a renewed certificate is used from the next connection on. */
  target(): ConnectionTarget;
  logger: Logger;
  maxBackoffMs: number;
  hello(): Promise<AgentHelloPayload>;
  onAccepted(ack: AcceptedAck): void;
  onMessage(message: Exclude<ControlPlaneToAgentMessage, { type: "hello_ack" | "error" | TelemetryMessageType }>): void;
  /** The control plane's telemetry messages (acknowledgements, ingest keys), for the telemetry pipeline. */
  onTelemetry?(message: Extract<ControlPlaneToAgentMessage, { type: TelemetryMessageType }>): void;
  onDisconnected?(): void;
  /** The control plane refused the upgrade (401: revoked, 426 …). */
  onRefused?(status: number): void;
  /** A hello_ack refusing this agent; `update` is set when it was refused as too old and may update itself. */
  onRejected?(ack: Extract<HelloAckPayload, { accepted: false }>): void;
}

/**
 * The agent's WebSocket to the control plane. Reconnects with exponential backoff and full jitter (capped);
 * messages that settle work (deploy_status, command_response, alert) wait in an outbox while disconnected and
 * go out, in order, once the control plane has accepted the next hello.
 */
export class AgentConnection {
  private socket: WebSocket | undefined;
  private accepted = false;
  /** The accepting control plane takes telemetry batches as binary frames (its hello_ack says so). */
  private binaryFrames = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly outbox: string[] = [];
  private recentFinals: { frame: string; at: number }[] = [];

  constructor(private readonly opts: ConnectionOptions) {}

  /** True once the control plane accepted this connection's hello. */
  get ready(): boolean {
    return this.accepted && this.socket?.readyState === WebSocket.OPEN;
  }

  /** True when telemetry batches may go as binary frames (`sendTelemetryFrame`) on this connection. */
  get binaryTelemetry(): boolean {
    return this.ready && this.binaryFrames;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Sends a message now, or keeps it for the next connection when it is of a durable kind. */
  send<T extends AgentToControlPlaneType>(type: T, payload: PayloadOf<T>): void {
    const frame = JSON.stringify(envelope(type, payload));
    if (type === "deploy_status" && FINAL_STATUSES.has((payload as { status: string }).status)) {
      this.recentFinals = [...this.recentFinals.slice(-49), { frame, at: Date.now() }];
    }
    if (this.ready) {
      this.socket?.send(frame);
    } else if (DURABLE.has(type)) {
      if (this.outbox.length >= OUTBOX_LIMIT) this.outbox.shift();
      this.outbox.push(frame);
    }
  }

  /**
   * Sends a compressed telemetry batch as one binary frame (the control plane named TELEMETRY_BINARY_CAPABILITY):
   * its bytes go as they are, not base64 in a JSON string. Dropped when not connected: the shipper resends.
   */
  sendTelemetryFrame(payload: TelemetryBatchBinaryPayload, data: Uint8Array): void {
    if (!this.binaryTelemetry) return;
    this.socket?.send(encodeTelemetryBatchFrame(envelope("telemetry_batch", payload), data), { binary: true });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.close(1000, "agent stopping");
      setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  /**
   * Closes the current socket and connects again at once (a renewed certificate). Messages in flight on the old
   * socket are answered again by the usual means (outbox, final-status replay).
   */
  reconnect(reason: string): void {
    const socket = this.socket;
    if (this.stopped || !socket) return;
    this.attempt = 0;
    this.reconnectAtOnce = true;
    socket.close(1000, reason.slice(0, 120));
  }

  private reconnectAtOnce = false;
  /** The Retry-After of the last refused upgrade (503/429), for the next reconnect. */
  private retryAfter: string | undefined;
  /** After a restarting close, until the next accepted hello: the window retries are spread over (ms). */
  private restartWindowMs = 0;
  /** The control plane's reconnect spread (hello_ack, pings): the first retry after a lost connection is within it. */
  private reconnectSpreadSeconds: number | undefined;

  private connect(): void {
    const target = this.opts.target();
    const socket = new WebSocket(target.url, {
      ...target.tls,
      headers: { ...target.headers, "x-agent-version": AGENT_VERSION },
      handshakeTimeout: 10_000,
      // Over TLS, frames go unmasked (a zero mask, which ws then skips): masking guards proxies that read plain
      // text against a browser's scripts, and nothing between agent and control plane can read TLS. It cost ~5% of
      // the agent's CPU under a telemetry load (ws masks in JavaScript, a copy of every byte sent).
      ...(target.url.startsWith("wss:") && { generateMask: (mask: Buffer) => void mask.fill(0) }),
    });
    this.socket = socket;
    this.accepted = false;
    this.binaryFrames = false;

    socket.on("open", () => {
      this.opts
        .hello()
        .then((hello) => socket.send(JSON.stringify(envelope("agent_hello", hello))))
        .catch((err: unknown) => {
          this.opts.logger.error({ err }, "could not build agent_hello");
          socket.close(1011, "hello failed");
        });
    });
    socket.on("message", (data) => this.receive(data.toString()));
    socket.on("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      const header = res.headers["retry-after"];
      if ((status === 503 || status === 429) && header !== undefined) {
        // Busy (a reconnect storm being admitted): come back when it says, not at once and not minutes later.
        this.retryAfter = header;
        this.opts.logger.info({ status, retry_after: header }, "control plane busy: connecting again when it said");
      } else if (status === 503) {
        // Unavailable without a time (a control plane closing answers so until it stops): the usual backoff.
        this.opts.logger.info({ status }, "control plane unavailable: connecting again");
      } else {
        // 401: the certificate or token was revoked, or the server deleted. Keep trying slowly; an operator may fix it.
        this.opts.logger.error({ status }, "control plane refused the connection");
        this.opts.onRefused?.(status);
      }
      socket.terminate();
    });
    socket.on("error", (err) => this.opts.logger.warn({ err: err.message }, "control plane connection error"));
    socket.on("close", (code, reason) => {
      const wasAccepted = this.accepted;
      this.accepted = false;
      if (wasAccepted) this.opts.onDisconnected?.();
      if (this.stopped) return;
      this.opts.logger.warn({ code, reason: reason.toString() }, "disconnected from the control plane");
      this.scheduleReconnect(code === RESTARTING_CLOSE_CODE ? reason.toString() : undefined);
    });
  }

  private receive(raw: string): void {
    const parsed = parseControlPlaneMessage(raw, {
      onUnrecognizedErrorCodes: (codes) =>
        this.opts.logger.warn(
          { codes },
          "control plane sent error codes this agent does not know: read as UNRECOGNIZED_ERROR",
        ),
    });
    if (!parsed.ok) {
      // A bad frame is reported and dropped; it never takes the agent down.
      this.opts.logger.warn({ error: parsed.error.message }, "invalid message from the control plane");
      const requestId = readRequestId(raw);
      if (requestId && this.ready) {
        this.send("command_response", {
          request_id: requestId,
          success: false,
          error: { code: "INVALID_MESSAGE", message: parsed.error.message },
        });
      }
      return;
    }
    const message = parsed.message;
    if (message.type === "error") {
      // The control plane refused something this agent sent: a bug on this side, worth a loud log line.
      this.opts.logger.error({ ...message.payload }, "the control plane refused a message from this agent");
      return;
    }
    if (message.type === "hello_ack") {
      if (!message.payload.accepted) {
        this.opts.logger.error({ error: message.payload.error }, "control plane rejected this agent");
        this.opts.onRejected?.(message.payload);
        return;
      }
      this.accepted = true;
      this.binaryFrames = message.payload.capabilities?.includes(TELEMETRY_BINARY_CAPABILITY) ?? false;
      this.attempt = 0;
      this.restartWindowMs = 0;
      this.reconnectSpreadSeconds = message.payload.config.reconnect_spread_seconds;
      this.flushOutbox();
      this.opts.onAccepted(message.payload);
      return;
    }
    if (message.type === "ping" && message.payload.reconnect_spread_seconds !== undefined) {
      // The fleet grew or shrank since the hello: the spread of the next unexpected disconnect follows it.
      this.reconnectSpreadSeconds = message.payload.reconnect_spread_seconds;
    }
    if (message.type === "telemetry_ack" || message.type === "ingest_keys") {
      this.opts.onTelemetry?.(message);
      return;
    }
    this.opts.onMessage(message);
  }

  private flushOutbox(): void {
    const flushed = new Set<string>();
    while (this.outbox.length > 0 && this.ready) {
      const frame = this.outbox.shift();
      if (frame) {
        this.socket?.send(frame);
        flushed.add(frame);
      }
    }
    const since = Date.now() - FINAL_REPLAY_MS;
    this.recentFinals = this.recentFinals.filter((f) => f.at >= since);
    for (const { frame } of this.recentFinals) {
      if (!flushed.has(frame) && this.ready) this.socket?.send(frame);
    }
  }

  private scheduleReconnect(restarting?: string): void {
    if (this.reconnectAtOnce) {
      this.reconnectAtOnce = false;
      this.retryTimer = setTimeout(() => this.connect(), 0);
      return;
    }
    if (this.retryAfter !== undefined) {
      const delay = retryAfterDelayMs(this.retryAfter, Math.random(), Date.now());
      this.retryAfter = undefined;
      this.retryTimer = setTimeout(() => this.connect(), delay);
      return;
    }
    if (restarting !== undefined) {
      // The control plane is restarting and named a spread sized to its fleet: a try at a random point of it, and
      // until it answers, tries spread over the same window rather than backing off further (it is expected back
      // within seconds, and a fleet backing off to minutes would come back late).
      const delay = restartReconnectDelayMs(restarting, Math.random());
      this.attempt = 0;
      this.restartWindowMs = Math.max(delay, restartWindowMs(restarting));
      this.opts.logger.info({ delay_ms: delay }, "control plane restarting: reconnecting after a random delay");
      this.retryTimer = setTimeout(() => this.connect(), delay);
      return;
    }
    const delay = reconnectDelayMs({
      attempt: this.attempt,
      maxBackoffMs: this.opts.maxBackoffMs,
      restartWindowMs: this.restartWindowMs,
      spreadSeconds: this.reconnectSpreadSeconds,
      random: Math.random(),
    });
    this.attempt = Math.min(this.attempt + 1, 30);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}

/** What the delay before a reconnect after an unexpected disconnect or a failed try depends on. */
export interface ReconnectDelayInput {
  /** Tries that failed since the last accepted hello (0: the connection was just lost). */
  attempt: number;
  maxBackoffMs: number;
  /** After a restarting close: the window retries stay within (ms), else 0. */
  restartWindowMs: number;
  /** The control plane's reconnect spread (hello_ack, pings), if it sent one. */
  spreadSeconds: number | undefined;
  /** 0..1 */
  random: number;
}

/**
 * How long to wait before the next try: a random point (full jitter) of an exponential ceiling (1 s, 2 s, 4 s …,
 * capped). The first try after a lost connection is within the control plane's reconnect spread instead, so a fleet
 * cut off at once comes back spread over the window its control plane sized for it; a failed try then backs off as
 * usual (spread again over the whole window, the fleet's unlucky few would be the last back by a window each). A
 * control plane that is restarting keeps retries within its window.
 */
export function reconnectDelayMs(input: ReconnectDelayInput): number {
  const exponential = Math.min(input.maxBackoffMs, 1000 * 2 ** input.attempt);
  const spreadMs = input.attempt === 0 ? Math.min(input.spreadSeconds ?? 0, MAX_RECONNECT_SPREAD_SECONDS) * 1000 : 0;
  const ceiling =
    input.restartWindowMs > 0 ? Math.min(exponential, input.restartWindowMs) : Math.max(exponential, spreadMs);
  return Math.round(Math.min(Math.max(input.random, 0), 1) * ceiling);
}

/** When the control plane gives no spread with its restarting close, agents spread over this. */
export const DEFAULT_RESTART_SPREAD_SECONDS = 10;
/** While a restarting control plane is not back, retries are spread over at least this (ms). */
export const MIN_RESTART_RETRY_WINDOW_MS = 5000;

/** The window retries after a restarting close are spread over, until the control plane answers (ms). */
export function restartWindowMs(reason: string): number {
  const spread = reconnectSpreadSeconds(reason) ?? DEFAULT_RESTART_SPREAD_SECONDS;
  return Math.max(MIN_RESTART_RETRY_WINDOW_MS, spread * 1000);
}

/**
 * How long to wait before reconnecting after a restarting close with this reason: `random` (0..1) of the spread the
 * reason names (bounded by the contract's MAX_RECONNECT_SPREAD_SECONDS), or of DEFAULT_RESTART_SPREAD_SECONDS.
 */
export function restartReconnectDelayMs(reason: string, random: number): number {
  const spread = reconnectSpreadSeconds(reason) ?? DEFAULT_RESTART_SPREAD_SECONDS;
  return Math.floor(Math.min(Math.max(random, 0), 1) * spread * 1000);
}

/** The longest Retry-After honoured (s): a bad or hostile header must not park the agent for hours. */
export const MAX_RETRY_AFTER_SECONDS = 300;

/**
 * How long to wait after a 503/429 with this Retry-After (delta-seconds or an HTTP date): at least what it says,
 * plus up to as much again at `random` (0..1), so a fleet told the same number does not come back as one herd.
 * Bounded to 1..MAX_RETRY_AFTER_SECONDS; an unreadable header counts as 1 s.
 */
export function retryAfterDelayMs(header: string, random: number, now: number): number {
  const text = header.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : (Date.parse(text) - now) / 1000;
  const bounded = Number.isFinite(seconds) ? Math.min(Math.max(seconds, 1), MAX_RETRY_AFTER_SECONDS) : 1;
  return Math.round(bounded * 1000 * (1 + Math.min(Math.max(random, 0), 1)));
}

function readRequestId(raw: string): string | undefined {
  try {
    const value = JSON.parse(raw) as { payload?: { request_id?: unknown } };
    return typeof value.payload?.request_id === "string" ? value.payload.request_id : undefined;
  } catch {
    return undefined;
  }
}
