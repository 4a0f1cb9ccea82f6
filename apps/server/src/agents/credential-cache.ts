import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { agentCertificates, servers } from "../db/schema";
import type { AgentServer } from "./agent-servers";
import type { CertifiedServer } from "./enrolment";

// Upgrades looking their credential up at once past which the control plane counts as being in a storm.
const STORM_LOOKUPS = 32;
// A credential seen valid this recently may let an upgrade through during a storm (the hello re-checks it).
const TTL_MS = 30 * 60_000;
const MAX_ENTRIES = 200_000;
// Credentials looked up together in one query, at most.
const MAX_BATCH = 500;

/** Every credential of one kind valid now, by its key (token SHA-256, certificate fingerprint): the start's preload. */
export type CredentialLoader<S extends AgentServer> = (db: Db, now: Date) => Promise<[string, S][]>;

/** Of these keys, the credentials valid now, by key (one query for a batch of upgrades). */
export type CredentialFinder<S extends AgentServer> = (db: Db, keys: string[], now: Date) => Promise<Map<string, S>>;

interface QueuedLookup<S> {
  resolve: (server: S | null) => void;
  reject: (err: unknown) => void;
}

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
  /** Lookups waiting for the next batch query, by key; `querying` while one runs. */
  private readonly queued = new Map<string, QueuedLookup<S>[]>();
  private querying = false;
  /** Batched lookups asked for, and the queries that answered them. */
  readonly stats = { lookups: 0, queries: 0 };

  constructor(
    private readonly loadAll: CredentialLoader<S>,
    private readonly findMany: CredentialFinder<S>,
  ) {}

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

  /**
   * Looks a credential up in the database together with every other lookup waiting meanwhile: those of one turn of
   * the event loop, then those that queued while a query ran, one query per batch (up to MAX_BATCH). Every upgrade
   * is still checked against the database (a revoked credential gets 401 at once), but a storm of upgrades costs a
   * query per batch instead of one each, queued in front of everything else the database does.
   */
  lookupBatched(db: Db, key: string, now: number): Promise<S | null> {
    this.stats.lookups++;
    return this.lookup(key, now, () => this.enqueue(db, key, now));
  }

  private enqueue(db: Db, key: string, now: number): Promise<S | null> {
    return new Promise((resolve, reject) => {
      const waiting = this.queued.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.queued.set(key, [{ resolve, reject }]);
      if (!this.querying && this.queued.size === 1 && waiting === undefined)
        setImmediate(() => void this.query(db, now));
    });
  }

  private async query(db: Db, now: number): Promise<void> {
    if (this.querying || this.queued.size === 0) return;
    this.querying = true;
    const batch = [...this.queued].slice(0, MAX_BATCH);
    for (const [key] of batch) this.queued.delete(key);
    this.stats.queries++;
    try {
      const found = await this.findMany(
        db,
        batch.map(([key]) => key),
        new Date(now),
      );
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key) ?? null);
    } catch (err) {
      for (const [, waiters] of batch) for (const w of waiters) w.reject(err);
    } finally {
      this.querying = false;
      if (this.queued.size > 0) setImmediate(() => void this.query(db, Date.now()));
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

/** Unspent agent tokens' servers with the tokens' SHA-256: all of them, or those of `hashes`. */
function unspentTokenRows(db: Db, hashes?: string[]) {
  return db
    .select({ id: servers.id, orgId: servers.orgId, name: servers.name, hash: servers.agentTokenHash })
    .from(servers)
    .where(and(hashes && inArray(servers.agentTokenHash, hashes), isNull(servers.agentTokenUsedAt)));
}

/** Certificates valid now (not revoked, not expired) and their servers: all of them, or those of `fingerprints`. */
function validCertificateRows(db: Db, now: Date, fingerprints?: string[]) {
  return db
    .select({
      id: servers.id,
      orgId: servers.orgId,
      name: servers.name,
      certificateNotAfter: agentCertificates.notAfter,
      fingerprint: agentCertificates.fingerprintSha256,
    })
    .from(agentCertificates)
    .innerJoin(servers, eq(servers.id, agentCertificates.serverId))
    .where(
      and(
        fingerprints && inArray(agentCertificates.fingerprintSha256, fingerprints),
        isNull(agentCertificates.revokedAt),
        gt(agentCertificates.notAfter, now),
      ),
    );
}

/** Every unspent agent token, by its SHA-256. */
export const unspentTokens: CredentialLoader<AgentServer> = async (db) =>
  (await unspentTokenRows(db)).map(({ hash, ...server }) => [hash, server]);

/** Of these token hashes, the unspent ones' servers. */
export const tokensByHash: CredentialFinder<AgentServer> = async (db, hashes) =>
  new Map((await unspentTokenRows(db, hashes)).map(({ hash, ...server }) => [hash, server]));

/** Every agent certificate valid now (not revoked, not expired), by its fingerprint. */
export const validCertificates: CredentialLoader<CertifiedServer> = async (db, now) =>
  (await validCertificateRows(db, now)).map(({ fingerprint, ...server }) => [fingerprint, server]);

/** Of these fingerprints, the certificates valid now (not revoked, not expired) and their servers. */
export const certificatesByFingerprint: CredentialFinder<CertifiedServer> = async (db, fingerprints, now) =>
  new Map(
    (await validCertificateRows(db, now, fingerprints)).map(({ fingerprint, ...server }) => [fingerprint, server]),
  );
