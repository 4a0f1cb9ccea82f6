import type { IngestKeyGrant, ReceivedTelemetryBatch, TelemetryAckPayload } from "@syntra/contracts";
import type { AgentConnection } from "./connection";
import type { AgentHubWiring } from "./hub-events";

/**
 * The hub's telemetry traffic with its agents: batches handed to the telemetry domain and answered with a
 * telemetry_ack within concurrency bounds, and each agent's ingest keys kept current. The answers themselves are
 * the telemetry domain's (`AgentHubWiring.telemetryBatch`, `.ingestKeys`).
 */
export class TelemetryRelay {
  private inFlight = 0;
  private readonly perAgent = new Map<string, number>();
  private readonly keysSent = new WeakMap<AgentConnection, string>();

  constructor(
    private readonly limits: { perAgent: number; total: number },
    /** Keeps the work so that closing the hub waits for it. */
    private readonly track: (work: Promise<unknown>) => Promise<unknown>,
  ) {}

  /**
   * Stores a telemetry batch and answers it with a telemetry_ack. At most `perAgent` batches of one agent and
   * `total` overall are processed at once; beyond that the batch is answered "retry" at once, so memory stays
   * bounded whatever agents send. An exception (a bug) also answers "retry": nothing is lost, the agent resends.
   */
  ingest(conn: AgentConnection, batch: ReceivedTelemetryBatch, handler: AgentHubWiring["telemetryBatch"]): void {
    const serverId = conn.server.id;
    const mine = this.perAgent.get(serverId) ?? 0;
    const answer = (ack: TelemetryAckPayload) => {
      try {
        conn.post("telemetry_ack", ack);
      } catch {
        // The socket is gone; the agent resends unacknowledged batches after it reconnects.
      }
    };
    if (!handler) {
      conn.log.debug({ batch_id: batch.batch_id }, "telemetry batch not handled: no telemetry ingest here");
      return;
    }
    if (mine >= this.limits.perAgent || this.inFlight >= this.limits.total) {
      answer({ batch_id: batch.batch_id, status: "retry", retry_after_seconds: 1, message: "ingest is busy" });
      return;
    }
    this.perAgent.set(serverId, mine + 1);
    this.inFlight++;
    void this.track(
      handler(conn.server, batch)
        .catch((err: unknown) => {
          conn.log.error({ err, batch_id: batch.batch_id }, "telemetry batch failed");
          return { batch_id: batch.batch_id, status: "retry", retry_after_seconds: 5 } satisfies TelemetryAckPayload;
        })
        .then(answer)
        .finally(() => {
          this.inFlight--;
          const left = (this.perAgent.get(serverId) ?? 1) - 1;
          if (left > 0) this.perAgent.set(serverId, left);
          else this.perAgent.delete(serverId);
        }),
    );
  }

  /** Sends the agent its ingest keys when they differ from what it last got. */
  async pushKeys(conn: AgentConnection, ingestKeys: AgentHubWiring["ingestKeys"]): Promise<void> {
    if (!ingestKeys) return;
    try {
      this.sendKeys(conn, await ingestKeys(conn.server.id));
    } catch (err) {
      conn.log.warn({ err }, "could not send the agent its ingest keys");
    }
  }

  /**
   * `pushKeys` for many connections with one lookup (the sweep: keys rotated, services created or moved since),
   * so refreshing a fleet's keys costs a query per thousand servers, not one per agent.
   */
  async pushAllKeys(conns: AgentConnection[], wiring: AgentHubWiring | undefined): Promise<void> {
    if (conns.length === 0 || !wiring) return;
    if (!wiring.ingestKeysOf) {
      for (const conn of conns) await this.pushKeys(conn, wiring.ingestKeys);
      return;
    }
    let keys: Map<string, IngestKeyGrant[]>;
    try {
      keys = await wiring.ingestKeysOf(conns.map((c) => c.server.id));
    } catch (err) {
      // The next sweep tries again; the agents keep the keys they have.
      conns[0]?.log.warn({ err, agents: conns.length }, "could not look up the agents' ingest keys");
      return;
    }
    for (const conn of conns) {
      try {
        this.sendKeys(conn, keys.get(conn.server.id) ?? []);
      } catch (err) {
        conn.log.warn({ err }, "could not send the agent its ingest keys");
      }
    }
  }

  private sendKeys(conn: AgentConnection, keys: IngestKeyGrant[]): void {
    const digest = JSON.stringify(keys);
    if (this.keysSent.get(conn) === digest) return;
    conn.post("ingest_keys", { keys });
    this.keysSent.set(conn, digest);
  }
}
