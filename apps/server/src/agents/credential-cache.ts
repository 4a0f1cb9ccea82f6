import { isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { servers } from "../db/schema";
import type { AgentServer } from "./agent-servers";

// Upgrades looking their credential up at once past which the control plane counts as being in a storm.
const STORM_LOOKUPS = 32;
// A credential seen valid this recently may let an upgrade through during a storm (the hello re-checks it).
const TTL_MS = 30 * 60_000;
const MAX_ENTRIES = 200_000;

/**
 * Agent tokens seen valid (by their SHA-256), so that a reconnect storm does not become thousands of database
 * lookups queued in front of the upgrades, each agent timing out and trying again (a congestion collapse). In normal
 * operation every upgrade still asks the database (a spent or replaced token is refused at once with 401); only
 * while more than STORM_LOOKUPS upgrades wait for theirs does a recently seen token pass on memory, and then the
 * hello's own write re-checks it atomically (`recordHellos` with `verifyTokenHash`), so nothing stale is admitted.
 */
export class AgentCredentialCache {
  private readonly byHash = new Map<string, { server: AgentServer; at: number }>();
  private lookups = 0;

  /** Whether upgrades may pass on a remembered credential now (a storm), and the remembered server. */
  storm(hash: string, now: number): AgentServer | null {
    if (this.lookups < STORM_LOOKUPS) return null;
    const entry = this.byHash.get(hash);
    return entry && now - entry.at < TTL_MS ? entry.server : null;
  }

  /** Runs a database lookup of a credential, counted (see `storm`), and remembers a valid answer. */
  async lookup(hash: string, now: number, find: () => Promise<AgentServer | null>): Promise<AgentServer | null> {
    this.lookups++;
    try {
      const server = await find();
      if (server) this.remember(hash, server, now);
      else this.byHash.delete(hash);
      return server;
    } finally {
      this.lookups--;
    }
  }

  /** Upgrades waiting for their credential's database lookup now. */
  get pendingLookups(): number {
    return this.lookups;
  }

  /** Forgets a credential that failed its check at hello. */
  forget(hash: string): void {
    this.byHash.delete(hash);
  }

  /** Loads every unspent agent token with one query (at start: a restart's reconnect storm finds them warm). */
  async warm(db: Db, now: number): Promise<number> {
    const rows = await db
      .select({ id: servers.id, orgId: servers.orgId, name: servers.name, hash: servers.agentTokenHash })
      .from(servers)
      .where(isNull(servers.agentTokenUsedAt));
    for (const row of rows) this.remember(row.hash, { id: row.id, orgId: row.orgId, name: row.name }, now);
    return rows.length;
  }

  private remember(hash: string, server: AgentServer, now: number): void {
    if (this.byHash.size >= MAX_ENTRIES && !this.byHash.has(hash)) {
      const oldest = this.byHash.keys().next().value;
      if (oldest !== undefined) this.byHash.delete(oldest);
    }
    this.byHash.set(hash, { server, at: now });
  }
}
