import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { agentCertificates, servers } from "../db/schema";
import type { AgentServer } from "./agent-servers";
import type { CertifiedServer } from "./enrolment";

// Upgrades looking their credential up at once past which the control plane counts as being in a storm.
const STORM_LOOKUPS = 32;
// A credential seen valid this recently may let an upgrade through during a storm (the hello re-checks it).
const TTL_MS = 30 * 60_000;
const MAX_ENTRIES = 200_000;

/** Every credential of one kind valid now, by its key (token SHA-256, certificate fingerprint): the start's preload. */
export type CredentialLoader<S extends AgentServer> = (db: Db, now: Date) => Promise<[string, S][]>;

/**
 * Agent credentials seen valid (tokens by their SHA-256, certificates by their fingerprint), so that a reconnect storm does not become thousands of database
 * lookups queued in front of the upgrades, each agent timing out and trying again (a congestion collapse). In normal
 * operation every upgrade still asks the database (a spent or replaced token is refused at once with 401); only
 * while more than STORM_LOOKUPS upgrades wait for theirs does a recently seen token pass on memory, and then the
 * hello's own write re-checks it atomically (`recordHellos` with `verifyTokenHash`), so nothing stale is admitted.
 */
export class AgentCredentialCache<S extends AgentServer = AgentServer> {
  private readonly byHash = new Map<string, { server: S; at: number }>();
  private lookups = 0;

  constructor(private readonly loadAll: CredentialLoader<S>) {}

  /** Whether upgrades may pass on a remembered credential now (a storm), and the remembered server. */
  storm(hash: string, now: number): S | null {
    if (this.lookups < STORM_LOOKUPS) return null;
    const entry = this.byHash.get(hash);
    return entry && now - entry.at < TTL_MS ? entry.server : null;
  }

  /** Runs a database lookup of a credential, counted (see `storm`), and remembers a valid answer. */
  async lookup(hash: string, now: number, find: () => Promise<S | null>): Promise<S | null> {
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

  /** Loads every valid credential with one query (at start: a restart's reconnect storm finds them warm). */
  async warm(db: Db, now: number): Promise<number> {
    const rows = await this.loadAll(db, new Date(now));
    for (const [hash, server] of rows) this.remember(hash, server, now);
    return rows.length;
  }

  private remember(hash: string, server: S, now: number): void {
    if (this.byHash.size >= MAX_ENTRIES && !this.byHash.has(hash)) {
      const oldest = this.byHash.keys().next().value;
      if (oldest !== undefined) this.byHash.delete(oldest);
    }
    this.byHash.set(hash, { server, at: now });
  }
}

/** Every unspent agent token, by its SHA-256. */
export const unspentTokens: CredentialLoader<AgentServer> = async (db) => {
  const rows = await db
    .select({ id: servers.id, orgId: servers.orgId, name: servers.name, hash: servers.agentTokenHash })
    .from(servers)
    .where(isNull(servers.agentTokenUsedAt));
  return rows.map((r) => [r.hash, { id: r.id, orgId: r.orgId, name: r.name }]);
};

/** Every agent certificate valid now (not revoked, not expired), by its fingerprint. */
export const validCertificates: CredentialLoader<CertifiedServer> = async (db, now) => {
  const rows = await db
    .select({
      id: servers.id,
      orgId: servers.orgId,
      name: servers.name,
      certificateNotAfter: agentCertificates.notAfter,
      fingerprint: agentCertificates.fingerprintSha256,
    })
    .from(agentCertificates)
    .innerJoin(servers, eq(servers.id, agentCertificates.serverId))
    .where(and(isNull(agentCertificates.revokedAt), gt(agentCertificates.notAfter, now)));
  return rows.map(({ fingerprint, ...server }) => [fingerprint, server]);
};
