import type {
  AgentHelloPayload,
  CommandResponsePayload,
  ErrorCode,
  ExecServerFrame,
  LogStreamPayload,
} from "@syntra/contracts";
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { ClusterBus } from "../cluster/bus";
import type { Db } from "../db/client";
import { servers } from "../db/schema";
import { AppError } from "../errors";
import type { OutgoingPayload } from "./connection";
import type { AgentHub, CommandType, LogSubscription } from "./hub";

/** What travels between replicas about agents (trusted: only the replicas write to the database's channels). */
type Msg = {
  "agent.online": { serverId: string; hello: AgentHelloPayload | null };
  "agent.offline": { serverId: string };
  /** A command for the owner's agent; answered with agent.answer under the same id. */
  "agent.cmd": { id: string; serverId: string; type: CommandType; payload: { request_id: string }; timeoutMs: number };
  "agent.answer": { id: string; response?: CommandResponsePayload; error?: { code: ErrorCode; message: string } };
  "agent.post": { serverId: string; payload: OutgoingPayload<"exec_input"> };
  "agent.logs": { id: string; serverId: string; payload: OutgoingPayload<"logs_subscribe">; timeoutMs: number };
  "agent.logs.stream": { id: string; stream: LogStreamPayload };
  "agent.logs.stop": { id: string };
  "agent.exec": { serverId: string; sessionId: string; frame: ExecServerFrame };
  /** Cut the server's agent sockets (revoked, server deleted through another replica). */
  "agent.disconnect": { serverId: string; code: number; reason: string };
};

interface Waiting {
  owner: string;
  serverId: string;
  resolve(response: CommandResponsePayload): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Extra time a caller waits past the owner's own timeout, so that the owner's TIMEOUT answer arrives first. */
const ANSWER_MARGIN_MS = 2_000;

/**
 * Agents connected to other control-plane replicas: which replica holds each agent's socket (recorded in
 * `servers.connected_replica` and announced to the others), and the relay of commands, log streams and exec
 * sessions to that replica and of their answers back. With the local bus (one process) there is no other replica
 * and every method here is a no-op or says "not elsewhere".
 */
export class AgentClusterRelay {
  private readonly owners = new Map<string, { replica: string; hello: AgentHelloPayload | null }>();
  private readonly waiting = new Map<string, Waiting>();
  /** Log streams a caller opened through this replica's agent: stopped when the caller leaves or goes. */
  private readonly served = new Map<string, { caller: string; subscription: LogSubscription }>();
  /** Exec sessions a caller opened through this replica's agent: closed when the caller goes. */
  private readonly servedExec = new Map<string, { caller: string; serverId: string }>();
  /** Log streams this replica opened on another replica's agent. */
  private readonly remoteStreams = new Map<string, { owner: string; onStream(p: LogStreamPayload): void }>();
  private readonly log: Logger;

  constructor(
    private readonly hub: AgentHub,
    private readonly bus: ClusterBus,
    private readonly db: Db,
    logger: Logger,
  ) {
    this.log = logger.child({ component: "agent-cluster", replica: bus.replicaId });
  }

  private get clustered(): boolean {
    return this.bus.kind !== "local";
  }

  /** Learns who holds which agent now, frees what dead replicas held, and starts answering the other replicas. */
  async start(): Promise<void> {
    if (!this.clustered) return;
    this.on("agent.online", (m, from) => this.owners.set(m.serverId, { replica: from, hello: m.hello }));
    this.on("agent.offline", (m, from) => {
      if (this.owners.get(m.serverId)?.replica === from) this.owners.delete(m.serverId);
    });
    this.on("agent.cmd", (m, from) => this.serveCommand(m, from));
    this.on("agent.answer", (m) => this.answered(m));
    this.on("agent.post", (m) => {
      try {
        this.hub.post(m.serverId, "exec_input", m.payload, { localOnly: true });
      } catch {
        // The agent left this replica; its sessions ended with it.
      }
    });
    this.on("agent.logs", (m, from) => this.serveLogs(m, from));
    this.on("agent.logs.stream", (m) => {
      const stream = this.remoteStreams.get(m.id);
      if (!stream) return;
      if (m.stream.done) this.remoteStreams.delete(m.id);
      stream.onStream(m.stream);
    });
    this.on("agent.logs.stop", (m) => {
      this.served.get(m.id)?.subscription.unsubscribe();
      this.served.delete(m.id);
    });
    this.on("agent.disconnect", (m) => this.hub.disconnect(m.serverId, m.code, m.reason, { localOnly: true }));
    this.on("agent.exec", (m) =>
      this.hub.execSessions.output(m.serverId, { session_id: m.sessionId, output: m.frame }),
    );
    this.bus.onReplicaGone((replica) => void this.replicaGone(replica));
    this.bus.onRejoin(() => void this.claimAgain());
    const live = await this.bus.liveReplicas();
    const rows = await this.db
      .select({ id: servers.id, replica: servers.connectedReplica })
      .from(servers)
      .where(isNotNull(servers.connectedReplica));
    for (const row of rows) {
      if (row.replica && live.has(row.replica)) this.owners.set(row.id, { replica: row.replica, hello: null });
    }
    await this.freeOrphans(live);
  }

  /** Whose stale servers this replica's sweep may mark offline: its own and unheld ones (undefined: all). */
  sweepScope(): string | undefined {
    return this.clustered ? this.bus.replicaId : undefined;
  }

  /** The other replica holding the server's agent, if one does. */
  ownerOf(serverId: string): string | undefined {
    return this.owners.get(serverId)?.replica;
  }

  /** The hello of the server's agent connected to another replica (null when not known there). */
  remoteHello(serverId: string): AgentHelloPayload | null {
    return this.owners.get(serverId)?.hello ?? null;
  }

  /** These servers' agents said hello to this replica (one batch): record and announce that they are held here. */
  async claim(agents: readonly { serverId: string; hello: AgentHelloPayload }[]): Promise<void> {
    if (!this.clustered || agents.length === 0) return;
    for (const { serverId } of agents) this.owners.delete(serverId);
    // One statement for a batch of hellos.
    await this.db
      .update(servers)
      .set({ connectedReplica: this.bus.replicaId })
      .where(
        inArray(
          servers.id,
          agents.map((a) => a.serverId),
        ),
      );
    for (const { serverId, hello } of agents) {
      this.bus.broadcast("agent.online", { serverId, hello } satisfies Msg["agent.online"]);
    }
  }

  /**
   * The server's agent left this replica. True when no other replica holds it meanwhile (so the server is
   * offline); false when it already said hello to another one, whose claim stands.
   */
  async release(serverId: string): Promise<boolean> {
    if (!this.clustered) return true;
    const rows = await this.db
      .update(servers)
      .set({ connectedReplica: null })
      .where(and(eq(servers.id, serverId), eq(servers.connectedReplica, this.bus.replicaId)))
      .returning({ id: servers.id });
    if (rows.length === 0) return false;
    this.bus.broadcast("agent.offline", { serverId } satisfies Msg["agent.offline"]);
    return true;
  }

  /** Asks the other replicas to cut the server's agent sockets too. */
  disconnectEverywhere(serverId: string, code: number, reason: string): void {
    this.owners.delete(serverId);
    this.bus.broadcast("agent.disconnect", { serverId, code, reason } satisfies Msg["agent.disconnect"]);
  }

  /** Sends a command to the server's agent on the replica holding it; resolves with the agent's answer. */
  send(
    serverId: string,
    owner: string,
    type: CommandType,
    payload: { request_id: string },
    timeoutMs: number,
  ): Promise<CommandResponsePayload> {
    const id = payload.request_id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new AppError("TIMEOUT", `The agent's replica did not answer the ${type} command in time`));
      }, timeoutMs + ANSWER_MARGIN_MS);
      timer.unref();
      this.waiting.set(id, { owner, serverId, resolve, reject, timer });
      this.bus.sendTo(owner, "agent.cmd", { id, serverId, type, payload, timeoutMs } satisfies Msg["agent.cmd"]);
    });
  }

  /** Passes exec_input on to the replica holding the server's agent. */
  post(owner: string, serverId: string, payload: OutgoingPayload<"exec_input">): void {
    this.bus.sendTo(owner, "agent.post", { serverId, payload } satisfies Msg["agent.post"]);
  }

  /** Opens a log stream on the server's agent through the replica holding it. */
  subscribeLogs(
    serverId: string,
    owner: string,
    payload: OutgoingPayload<"logs_subscribe">,
    onStream: (payload: LogStreamPayload) => void,
    timeoutMs: number,
  ): LogSubscription {
    const id = payload.request_id;
    this.remoteStreams.set(id, { owner, onStream });
    const confirmed = new Promise<CommandResponsePayload>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new AppError("TIMEOUT", "The agent's replica did not confirm the log stream in time"));
      }, timeoutMs + ANSWER_MARGIN_MS);
      timer.unref();
      this.waiting.set(id, { owner, serverId, resolve, reject, timer });
    });
    this.bus.sendTo(owner, "agent.logs", { id, serverId, payload, timeoutMs } satisfies Msg["agent.logs"]);
    return {
      requestId: id,
      confirmed,
      unsubscribe: () => {
        if (!this.remoteStreams.delete(id)) return;
        this.bus.sendTo(owner, "agent.logs.stop", { id } satisfies Msg["agent.logs.stop"]);
      },
    };
  }

  /** Back after losing the cluster connection: the agents still connected here are this replica's again. */
  private async claimAgain(): Promise<void> {
    for (const { serverId, hello } of this.hub.localAgents()) {
      try {
        await this.db
          .update(servers)
          .set({ connectedReplica: this.bus.replicaId, status: "online", updatedAt: this.hub.now() })
          .where(eq(servers.id, serverId));
        this.bus.broadcast("agent.online", { serverId, hello } satisfies Msg["agent.online"]);
        await this.hub.serverBackInCluster(serverId);
      } catch (err) {
        this.log.warn({ err, server_id: serverId }, "could not claim the agent again after rejoining");
      }
    }
  }

  // ---- the owner's side ----

  private serveCommand(m: Msg["agent.cmd"], caller: string): void {
    const reply = (answer: Omit<Msg["agent.answer"], "id">) =>
      this.bus.sendTo(caller, "agent.answer", { id: m.id, ...answer } satisfies Msg["agent.answer"]);
    if (m.type === "exec_session") {
      // The session's output goes back to the caller, where its client is.
      const sessionId = m.payload.request_id;
      this.servedExec.set(sessionId, { caller, serverId: m.serverId });
      this.hub.execSessions.listen(sessionId, {
        serverId: m.serverId,
        onFrame: (frame) => {
          if (frame.type === "exit" || frame.type === "error") this.servedExec.delete(sessionId);
          this.bus.sendTo(caller, "agent.exec", { serverId: m.serverId, sessionId, frame } satisfies Msg["agent.exec"]);
        },
      });
    }
    let answer: Promise<CommandResponsePayload>;
    try {
      answer = this.hub.send(m.serverId, m.type, m.payload as never, { timeoutMs: m.timeoutMs, localOnly: true });
    } catch (err) {
      this.hub.execSessions.unlisten(m.payload.request_id);
      this.servedExec.delete(m.payload.request_id);
      reply({ error: errorOf(err) });
      return;
    }
    answer.then(
      (response) => reply({ response }),
      (err: unknown) => reply({ error: errorOf(err) }),
    );
  }

  private serveLogs(m: Msg["agent.logs"], caller: string): void {
    const reply = (answer: Omit<Msg["agent.answer"], "id">) =>
      this.bus.sendTo(caller, "agent.answer", { id: m.id, ...answer } satisfies Msg["agent.answer"]);
    try {
      const subscription = this.hub.subscribeLogs(
        m.serverId,
        m.payload,
        (stream) => {
          if (stream.done) this.served.delete(m.id);
          this.bus.sendTo(caller, "agent.logs.stream", { id: m.id, stream } satisfies Msg["agent.logs.stream"]);
        },
        { timeoutMs: m.timeoutMs, localOnly: true },
      );
      this.served.set(m.id, { caller, subscription });
      subscription.confirmed.then(
        (response) => reply({ response }),
        (err: unknown) => reply({ error: errorOf(err) }),
      );
    } catch (err) {
      reply({ error: errorOf(err) });
    }
  }

  // ---- the caller's side ----

  private answered(m: Msg["agent.answer"]): void {
    const waiting = this.waiting.get(m.id);
    if (!waiting) return;
    this.waiting.delete(m.id);
    clearTimeout(waiting.timer);
    if (m.response) waiting.resolve(m.response);
    else waiting.reject(new AppError(m.error?.code ?? "INTERNAL_ERROR", m.error?.message ?? "no answer"));
  }

  /**
   * A replica died or stopped: what waited on its agents fails, the streams it served for others end, and the
   * servers it held go offline unless their agents already said hello elsewhere (they reconnect to a live one).
   */
  private async replicaGone(replica: string): Promise<void> {
    let live: ReadonlySet<string>;
    try {
      live = await this.bus.liveReplicas();
    } catch (err) {
      this.log.warn({ err, gone: replica }, "could not look up the replicas alive");
      return;
    }
    // Cut off for a moment and back already: it claims its agents again itself (claimAgain).
    if (live.has(replica)) return;
    const why = `the control-plane replica holding the agent stopped (${replica})`;
    for (const [id, w] of this.waiting) {
      if (w.owner !== replica) continue;
      this.waiting.delete(id);
      clearTimeout(w.timer);
      w.reject(new AppError("AGENT_OFFLINE", `The agent's connection ended before it answered (${why})`));
    }
    for (const [id, s] of this.remoteStreams) if (s.owner === replica) this.remoteStreams.delete(id);
    for (const [id, s] of this.served) {
      if (s.caller !== replica) continue;
      s.subscription.unsubscribe();
      this.served.delete(id);
    }
    // Their clients went with the replica: the agent ends the commands.
    for (const [sessionId, s] of this.servedExec) {
      if (s.caller !== replica) continue;
      this.servedExec.delete(sessionId);
      this.hub.execSessions.unlisten(sessionId);
      try {
        this.hub.post(
          s.serverId,
          "exec_input",
          { session_id: sessionId, input: { type: "close" } },
          { localOnly: true },
        );
      } catch {
        // The agent left too.
      }
    }
    for (const [serverId, owner] of this.owners) {
      if (owner.replica !== replica) continue;
      this.owners.delete(serverId);
      this.hub.execSessions.failServer(serverId, why);
    }
    try {
      await this.freeOrphans(live);
    } catch (err) {
      this.log.warn({ err, gone: replica }, "could not free the servers of a replica that is gone");
    }
  }

  /** Servers held by replicas no longer alive go offline (one replica wins each row and reports it). */
  private async freeOrphans(live: ReadonlySet<string>): Promise<void> {
    const rows = await this.db
      .update(servers)
      .set({ connectedReplica: null, status: "offline", updatedAt: this.hub.now() })
      .where(
        and(
          isNotNull(servers.connectedReplica),
          sql`${servers.connectedReplica} <> ALL(${sql.param([...live])}::text[])`,
        ),
      )
      .returning({ id: servers.id });
    for (const { id } of rows) await this.hub.serverLeftCluster(id);
  }

  private on<T extends keyof Msg>(topic: T, handler: (message: Msg[T], from: string) => void): void {
    this.bus.on(topic, (message, from) => handler(message as Msg[T], from));
  }
}

function errorOf(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  return { code: "INTERNAL_ERROR", message: err instanceof Error ? err.message : String(err) };
}
