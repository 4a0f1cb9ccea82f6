import {
  type AgentToControlPlaneType,
  type ControlPlaneToAgentMessage,
  type ControlPlaneToAgentType,
  type ErrorCode,
  type HelloAckPayload,
  isErrorCode,
  type MessageOf,
  messageSchemas,
  parseMessage,
} from "@syntra/contracts";
import WebSocket from "ws";
import type { z } from "zod";

/** What a message of an agent type may be built from. */
type AgentPayload<T extends AgentToControlPlaneType> = z.input<(typeof messageSchemas)[T]>["payload"];

/** The agent id every test peer reports. */
export const PEER_AGENT_ID = "agt_testpeer0001";

/** A valid agent_hello payload for a server, with overrides. */
export function helloPayload(serverId: string, overrides: Partial<AgentPayload<"agent_hello">> = {}) {
  return {
    agent_id: PEER_AGENT_ID,
    server_id: serverId,
    version: "0.1.0",
    protocol_version: "1.0",
    min_supported: "1.0",
    runtime: "docker",
    runtime_version: "27.3.1",
    os: { name: "debian", version: "12", kernel: "6.1.0-test" },
    arch: "x86_64",
    resources: { cpu_cores: 4, cpu_model: "Test CPU", memory_total_mb: 8192, disk_total_gb: 159.6 },
    network: { hostname: "peer-host", public_ip: "203.0.113.7", private_ip: "10.0.0.7" },
    capabilities: ["docker"],
    ...overrides,
  } satisfies AgentPayload<"agent_hello">;
}

/** A valid heartbeat payload, with overrides of its resources and services. */
export function heartbeatPayload(
  overrides: {
    resources?: Partial<AgentPayload<"heartbeat">["resources"]>;
    services?: AgentPayload<"heartbeat">["services"];
  } = {},
): AgentPayload<"heartbeat"> {
  return {
    agent_id: PEER_AGENT_ID,
    timestamp: new Date().toISOString(),
    uptime_seconds: 120,
    resources: {
      cpu_usage_percent: 20,
      memory_used_mb: 2000,
      memory_available_mb: 6000,
      disk_used_gb: 40,
      disk_available_gb: 120,
      network_rx_bytes: 1000,
      network_tx_bytes: 500,
      ...overrides.resources,
    },
    containers: { running: 1, stopped: 0, total: 1 },
    services: overrides.services ?? [],
  };
}

interface Waiter {
  type: ControlPlaneToAgentType;
  match: (m: ControlPlaneToAgentMessage) => boolean;
  resolve: (m: ControlPlaneToAgentMessage) => void;
}

/**
 * Stands in for the agent on the wire in the control plane's tests: speaks the protocol over a real
 * WebSocket, sends only contract-valid messages (checked before sending; `sendRaw` is the deliberate
 * exception), and records what it receives, checking each against the contracts too.
 */
export class AgentPeer {
  /** Every message received, in order. */
  readonly received: ControlPlaneToAgentMessage[] = [];
  /** Frames from the control plane that broke the contract; a test expects this to stay empty. */
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Socket errors seen (kept, so a test can inspect them, rather than thrown from an event handler). */
  readonly errors: Error[] = [];
  /** Called for every message before it is queued; returning true consumes it (auto-answering peers). */
  onMessage: ((m: ControlPlaneToAgentMessage) => boolean) | undefined;
  private readonly inbox: ControlPlaneToAgentMessage[] = [];
  private readonly waiters: Waiter[] = [];

  private constructor(private readonly socket: WebSocket) {
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })),
    );
    socket.on("message", (data) => this.receive(String(data)));
    socket.on("error", (err) => this.errors.push(err));
  }

  /**
   * Connects as the agent does: with a token (the API's /agent/ws, agents before enrolment) or with a client
   * certificate (`tls`: key, cert, ca and the like, to the agent endpoint).
   */
  static async connect(
    url: string,
    opts: { token?: string; version?: string; tls?: Record<string, unknown> },
  ): Promise<AgentPeer> {
    const socket = new WebSocket(url, {
      ...opts.tls,
      headers: {
        ...(opts.token && { authorization: `Bearer ${opts.token}` }),
        "x-agent-version": opts.version ?? "0.1.0",
      },
    });
    const peer = new AgentPeer(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
      socket.once("unexpected-response", (_req, res) => {
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }));
      });
    });
    return peer;
  }

  /** Connects and completes the hello handshake; returns the accepted hello_ack. */
  static async online(
    url: string,
    token: string,
    serverId: string,
  ): Promise<{ peer: AgentPeer; ack: HelloAckPayload }> {
    const peer = await AgentPeer.connect(url, { token });
    const ack = await peer.hello(serverId);
    if (!ack.accepted) throw new Error(`hello rejected: ${JSON.stringify(ack.error)}`);
    return { peer, ack };
  }

  /** Sends a message of the agent's direction; throws before sending when it breaks the contract. */
  send<T extends AgentToControlPlaneType>(type: T, payload: AgentPayload<T>, id: string = crypto.randomUUID()): string {
    const message = messageSchemas[type].parse({ id, type, timestamp: new Date().toISOString(), payload });
    this.socket.send(JSON.stringify(message));
    return id;
  }

  /** Sends a frame as is: for the tests of what the control plane does with broken ones. */
  sendRaw(frame: string | Buffer): void {
    this.socket.send(frame);
  }

  /** Says hello and returns the hello_ack payload. */
  async hello(serverId: string, overrides: Partial<AgentPayload<"agent_hello">> = {}): Promise<HelloAckPayload> {
    this.send("agent_hello", helloPayload(serverId, overrides));
    return (await this.next("hello_ack")).payload;
  }

  /** The next received message of a type (optionally matching), waiting for it when none is queued. */
  next<T extends ControlPlaneToAgentType>(
    type: T,
    match: (m: MessageOf<T>) => boolean = () => true,
    timeoutMs = 15_000,
  ): Promise<MessageOf<T>> {
    const fits = (m: ControlPlaneToAgentMessage) => m.type === type && match(m as MessageOf<T>);
    const queued = this.inbox.findIndex(fits);
    if (queued !== -1) return Promise.resolve(this.inbox.splice(queued, 1)[0] as MessageOf<T>);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { type, match: fits, resolve: (m) => resolve(m as MessageOf<T>) };
      this.waiters.push(waiter);
      setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i === -1) return;
        this.waiters.splice(i, 1);
        reject(new Error(`no ${type} within ${timeoutMs} ms; received: ${this.received.map((m) => m.type).join(",")}`));
      }, timeoutMs).unref();
    });
  }

  /**
   * Resolves once the control plane has handled every message this peer sent before, and what it sent back
   * meanwhile has arrived. It handles one agent's messages one at a time, in order, and answers a frame it
   * refuses with an `error` naming the frame's id on the same socket: so a test shows that something did NOT
   * happen (no command sent, nothing stored) by waiting for that answer, not for time.
   */
  async sync(): Promise<void> {
    const id = crypto.randomUUID();
    this.sendRaw(JSON.stringify({ id, type: "sync", timestamp: new Date().toISOString(), payload: {} }));
    await this.next("error", (m) => m.payload.message_id === id);
  }

  /**
   * Answers a command. An error code the table lacks is sent as an agent of another version would send it (the
   * frame as is, past the contract check), for the tests of how the control plane reads it.
   */
  respond(
    requestId: string,
    result:
      | { success: true; data?: unknown }
      | { success: false; error: { code: ErrorCode | (string & {}); message: string } },
  ): void {
    if (result.success || isErrorCode(result.error.code)) {
      this.send("command_response", { request_id: requestId, ...result } as AgentPayload<"command_response">);
      return;
    }
    const payload = { request_id: requestId, ...result };
    this.sendRaw(
      JSON.stringify({
        id: crypto.randomUUID(),
        type: "command_response",
        timestamp: new Date().toISOString(),
        payload,
      }),
    );
  }

  /**
   * Answers commands like a healthy agent: deploys succeed (ack, then deploy_status running), restart,
   * scale, stop and exec succeed, logs come back as one line and done.
   */
  answerEverything(): void {
    this.onMessage = (m) => {
      switch (m.type) {
        case "deploy": {
          const p = m.payload;
          this.respond(p.request_id, { success: true, data: { accepted: true } });
          const startedAt = new Date().toISOString();
          this.send("deploy_status", {
            deployment_id: p.deployment_id,
            service_id: p.service_id,
            status: "running",
            phase: "cleanup",
            progress_percent: 100,
            message: "running",
            started_at: startedAt,
            finished_at: new Date().toISOString(),
          });
          return true;
        }
        case "restart":
        case "scale":
        case "stop":
          this.respond(m.payload.request_id, { success: true });
          return true;
        case "exec":
          this.respond(m.payload.request_id, { success: true, data: { exit_code: 0, stdout: "ok\n", stderr: "" } });
          return true;
        case "logs_subscribe":
          this.respond(m.payload.request_id, { success: true });
          this.send("log_stream", {
            request_id: m.payload.request_id,
            service_id: m.payload.service_id,
            container_id: "c0ffee",
            lines: [{ timestamp: new Date().toISOString(), stream: "stdout", message: "hello" }],
            done: true,
          });
          return true;
        default:
          return false;
      }
    };
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close(1000, "test peer done");
    await this.closed;
  }

  private receive(raw: string): void {
    const parsed = parseMessage("control_plane_to_agent", raw);
    if (!parsed.ok) {
      this.invalid.push(`${parsed.error.message}: ${raw.slice(0, 500)}`);
      return;
    }
    const m = parsed.message;
    this.received.push(m);
    if (this.onMessage?.(m)) return;
    const w = this.waiters.findIndex((waiter) => waiter.match(m));
    if (w !== -1) {
      this.waiters.splice(w, 1)[0]?.resolve(m);
      return;
    }
    this.inbox.push(m);
  }
}

/** Tries a WebSocket upgrade and reports how the server answered (for refused upgrades). */
export async function tryUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<{ upgraded: boolean; status: number; body: string; retryAfter?: string }> {
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      socket.close();
      resolve({ upgraded: true, status: 101, body: "" });
    });
    socket.once("unexpected-response", (req, res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => {
        req.destroy();
        const retryAfter = res.headers["retry-after"];
        resolve({
          upgraded: false,
          status: res.statusCode ?? 0,
          body,
          ...(retryAfter !== undefined && { retryAfter }),
        });
      });
    });
    // After a refused upgrade the aborted request may still report an error; the answer is already in.
    socket.on("error", (err) => reject(err));
  });
}
