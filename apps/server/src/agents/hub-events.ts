import type {
  AgentHelloPayload,
  AgentToControlPlaneType,
  DeployPayload,
  HeartbeatPayload,
  IngestKeyGrant,
  MessageOf,
  ReceivedTelemetryBatch,
  TelemetryAckPayload,
  UpdateAgentPayload,
} from "@syntra/contracts";
import type { AgentServer, RecordedHello } from "./agent-servers";

/**
 * Agent messages the hub handles itself: the protocol's own plumbing (answers and streams of commands it relays).
 * Every other kind belongs to a domain.
 */
export type ProtocolMessageType =
  | "agent_hello"
  | "heartbeat"
  | "command_response"
  | "log_stream"
  | "exec_output"
  | "pong";

/**
 * Agent messages the hub answers with what a domain says: a request, not an event (telemetry_batch, answered by a
 * telemetry_ack once the telemetry domain has stored it). Their domains answer through `AgentHubWiring`.
 */
export type AnsweredMessageType = "telemetry_batch";

/** Agent messages a domain owns and only needs to hear of (deploy_status, certificate_status, alert ...). */
export type DomainMessageType = Exclude<AgentToControlPlaneType, ProtocolMessageType | AnsweredMessageType>;

/**
 * Everything the hub reports, by kind: the lifecycle of agents and servers, and each agent message a domain
 * owns. A new agent message type lands here by itself (it is a DomainMessageType unless listed as the hub's own or
 * as answered), and the dispatcher (`agents/events.ts`) then fails to compile until it names the handlers of that
 * kind.
 */
export type HubEvents = {
  /**
   * Agents whose hellos were accepted together (one batch of the admission queue) now take commands: the handlers
   * answer for all of them with a query per step, not per server.
   */
  agent_ready: { serverIds: string[] };
  /**
   * A server went online (hello accepted) or offline (disconnected, or silent for three intervals); `orgId` when
   * the hub knows it (a hello), so nobody has to look it up.
   */
  server_status: { serverId: string; status: "online" | "offline"; orgId?: string };
  /**
   * The agent's hello was accepted (after agent_ready): its version and how its last self-update went, with the
   * update state its hello's write read (`lastUpdate`; absent: look it up).
   */
  hello_accepted: { serverId: string; hello: AgentHelloPayload; lastUpdate?: RecordedHello };
  /** The hub's periodic sweep, after stale servers were marked offline. */
  sweep: Record<never, never>;
  /** A heartbeat was recorded (at the control plane's `at`, so not a coalesced one): its containers' resource use. */
  heartbeat_recorded: { serverId: string; server: AgentServer; beat: HeartbeatPayload; at: Date };
} & { [T in DomainMessageType]: { serverId: string; message: MessageOf<T> } };

/** The kinds of hub events. */
export type HubEventKind = keyof HubEvents;

/** One hub event, tagged with its kind. */
export type HubEvent = { [K in HubEventKind]: { kind: K } & HubEvents[K] }[HubEventKind];

/** A domain's handler of one kind of hub event. */
export type HubEventHandler<K extends HubEventKind> = (event: HubEvents[K]) => Promise<void>;

/**
 * What the hub needs from the rest of the control plane; wired in by `AgentHub.start`, so the hub imports no domain.
 * Questions the hub must have answered (what goes in hello_ack, a batch's ack, an agent's keys), and `emit` for
 * everything it only reports.
 */
export interface AgentHubWiring {
  /** Per server of a batch of hellos, the deployments queued for its services, marked deploying: they go out in hello_ack. */
  takePendingDeployments(serverIds: readonly string[]): Promise<Map<string, DeployPayload[]>>;
  /** Puts deployments taken for a hello_ack that could not be sent back in the queue. */
  requeueDeployments(deploymentIds: string[]): Promise<void>;
  /** A telemetry_batch: stores it and says what the agent should do with it (the hub sends the telemetry_ack). */
  telemetryBatch?(server: AgentServer, batch: ReceivedTelemetryBatch): Promise<TelemetryAckPayload>;
  /** The ingest keys the server's agent accepts now (sent after hello and whenever they change). */
  ingestKeys?(serverId: string): Promise<IngestKeyGrant[]>;
  /** The same for many servers with one query (the sweep's refresh of every connected agent's keys). */
  ingestKeysOf?(serverIds: string[]): Promise<Map<string, IngestKeyGrant[]>>;
  /** The update_agent an agent refused as too old should run (none when it cannot update itself). */
  updateForTooOldAgent?(serverId: string, hello: AgentHelloPayload): Promise<UpdateAgentPayload | undefined>;
  /** Hands an event to the domains that own it, in order; resolves when they have handled it. */
  emit(event: HubEvent): Promise<void>;
}
