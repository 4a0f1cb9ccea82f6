// A simulated agent for the fleet benchmark: the real agent's connection (apps/agent/src/connection.ts: the
// protocol, the hello, the backoff and the restart jitter) with a test peer's hello and heartbeats, answering
// every command it is sent with success, and pings with pongs. Counts what went wrong across the fleet.
import { Writable } from "node:stream";
import type { ControlPlaneToAgentMessage } from "@syntra/contracts";
import pino from "pino";
import WebSocket from "ws";
import { AgentConnection } from "../apps/agent/src/connection";
import { heartbeatPayload, helloPayload } from "../apps/server/src/testing/agent-peer";

/** What went wrong in the fleet, from the agents' own log lines. */
export interface FleetTrouble {
  /** WebSocket upgrades that did not complete within the agent's 10 s (ws: "Opening handshake has timed out"). */
  handshakeTimeouts: number;
  /** Closes by the control plane because no hello arrived in time (4009). */
  helloTimeouts: number;
  /** Upgrades the control plane refused (401 ...). */
  refused: number;
  /** The HTTP statuses of those refusals, by status. */
  refusedStatuses: Record<string, number>;
  /** Upgrades answered 503 with Retry-After (the admission backlog was full): the agent came back when told. */
  busy: number;
  /** Other connection errors (refused connections while the control plane restarts, resets). */
  errors: number;
}

export const trouble: FleetTrouble = {
  handshakeTimeouts: 0,
  helloTimeouts: 0,
  refused: 0,
  refusedStatuses: {},
  busy: 0,
  errors: 0,
};

// One logger for the whole fleet; its lines are counted, not printed.
const counter = new Writable({
  write(chunk: Buffer, _enc, done) {
    const line = chunk.toString();
    if (line.includes("handshake has timed out")) trouble.handshakeTimeouts++;
    else if (line.includes('"code":4009')) trouble.helloTimeouts++;
    else if (line.includes("refused the connection")) {
      trouble.refused++;
      const status = /"status":(\d+)/.exec(line)?.[1] ?? "?";
      trouble.refusedStatuses[status] = (trouble.refusedStatuses[status] ?? 0) + 1;
    } else if (line.includes("control plane busy")) trouble.busy++;
    else if (line.includes("connection error")) trouble.errors++;
    done();
  },
});
// Info: the busy answers (503 + Retry-After) are logged at info by the agent.
const logger = pino({ level: "info" }, counter);

/** One simulated agent. */
export class FleetAgent {
  online = false;
  /** When its hello was last accepted (performance.now()). */
  acceptedAt = 0;
  private readonly conn: AgentConnection;
  private beat: NodeJS.Timeout | undefined;

  constructor(
    readonly serverId: string,
    url: string,
    token: string,
    private readonly onOnline: () => void,
  ) {
    this.conn = new AgentConnection({
      target: () => ({ url, headers: { authorization: `Bearer ${token}` } }),
      logger,
      maxBackoffMs: 30_000,
      hello: async () => helloPayload(serverId),
      onAccepted: (ack) => {
        this.online = true;
        this.acceptedAt = performance.now();
        if (!this.beat) {
          const everyMs = ack.config.heartbeat_interval_seconds * 1000;
          // A random phase, as a real fleet's agents started at different times.
          const first = setTimeout(() => {
            this.sendBeat();
            this.beat = setInterval(() => this.sendBeat(), everyMs);
          }, Math.random() * everyMs);
          this.beat = first;
        }
        this.onOnline();
      },
      onMessage: (message) => this.answer(message),
      onDisconnected: () => {
        this.online = false;
      },
    });
  }

  /** The reconnect spread the control plane gave this agent (hello_ack, pings), if any. */
  get reconnectSpreadSeconds(): number | undefined {
    return (this.conn as unknown as { reconnectSpreadSeconds?: number }).reconnectSpreadSeconds;
  }

  start(): void {
    this.conn.start();
  }

  /** Cuts the socket without a close handshake, as a network failure does; the agent reconnects by itself. */
  cut(): void {
    const socket = (this.conn as unknown as { socket?: WebSocket }).socket;
    this.online = false;
    if (socket && socket.readyState === WebSocket.OPEN) socket.terminate();
  }

  async stop(): Promise<void> {
    clearTimeout(this.beat);
    clearInterval(this.beat);
    await this.conn.stop();
  }

  private sendBeat(): void {
    if (this.online) this.conn.send("heartbeat", heartbeatPayload());
  }

  private answer(message: ControlPlaneToAgentMessage): void {
    if (message.type === "ping") {
      this.conn.send("pong", {
        ...(message.payload.nonce && { nonce: message.payload.nonce }),
        sent_at: new Date().toISOString(),
      });
      return;
    }
    const payload = message.payload as { request_id?: unknown };
    if (typeof payload.request_id === "string") {
      this.conn.send("command_response", { request_id: payload.request_id, success: true });
    }
  }
}
