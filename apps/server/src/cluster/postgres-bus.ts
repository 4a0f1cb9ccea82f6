import { randomInt } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import { decrypt, encrypt } from "../secrets/cipher";
import type { Keyring } from "../secrets/keyring";
import type { ClusterBus } from "./bus";
import { FrameAssembler, FrameEncoder } from "./frames";

/** First key of the advisory locks that say "replica N is alive" (the second key is N). */
const REPLICA_LOCK_SPACE = 1_937_011_001;
/** First key of the locks of `withLock`/`tryLock` (the second is the hash of the lock's name). */
const JOB_LOCK_SPACE = 1_937_011_002;
/** Every replica listens here for broadcasts, and on its own channel for what is sent to it. */
const ALL_CHANNEL = "syntra_cluster";
/** The topic a replica announces itself with when it joins. */
const JOINED = "cluster.joined";
/** What sealed cluster messages are bound to (authenticated, not stored). */
const SEAL_CONTEXT = "syntra-cluster-message";
/** Frames sent in one statement at most (and about 1 MB): one round trip for a burst of messages. */
const BATCH_FRAMES = 200;
const BATCH_BYTES = 1_000_000;
const channelOf = (replicaId: string) => `syntra_${replicaId}`;

/** Settings of the PostgreSQL cluster bus. */
export interface PostgresBusOptions {
  url: string;
  logger: Logger;
  /** How often the replicas alive are looked up (a dead replica is noticed within this time). */
  presenceMs: number;
  /**
   * Seals every message (AES-256-GCM under the master key, which all replicas share): commands carry secrets
   * (deploy variables, registry credentials, exec environments), and any role that may connect to the database
   * may LISTEN.
   */
  keyring: Keyring;
}

type Handler = (message: unknown, from: string) => void;

/**
 * The cluster bus on PostgreSQL. Each replica holds a session advisory lock named by its id on its listening
 * connection: alive while its process and that connection are, released by the server the moment either dies,
 * so `pg_locks` is the list of replicas alive. Messages are NOTIFY payloads (chunked above ~7 kB), sent one after
 * the other on one connection so that they arrive in the order sent.
 */
export class PostgresClusterBus implements ClusterBus {
  readonly kind = "postgres";
  replicaId = "";
  private listener: pg.Client | undefined;
  private sender: pg.Client | undefined;
  private readonly pool: pg.Pool;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly goneHandlers: ((replicaId: string) => void)[] = [];
  private readonly rejoinHandlers: (() => void)[] = [];
  private readonly assembler = new FrameAssembler();
  private encoder: FrameEncoder | undefined;
  private readonly queue: { channel: string; frame: string }[] = [];
  private draining: Promise<void> | undefined;
  /** Replicas whose messages could not be opened (another master key), warned about once each. */
  private readonly unreadable = new Set<string>();
  private known = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly log: Logger;

  private constructor(private readonly opts: PostgresBusOptions) {
    this.log = opts.logger.child({ component: "cluster" });
    // Locks held while a job runs, and the presence query: a few connections of their own, apart from the app's.
    this.pool = new pg.Pool({ connectionString: opts.url, max: 8 });
    this.pool.on("error", () => {});
  }

  /** Joins the cluster: takes a replica id (its lock), listens, and starts watching the other replicas. */
  static async join(opts: PostgresBusOptions): Promise<PostgresClusterBus> {
    const bus = new PostgresClusterBus(opts);
    await bus.connectListener();
    bus.known = new Set(await bus.liveReplicas());
    bus.timer = setInterval(() => void bus.watch(), opts.presenceMs);
    bus.timer.unref();
    // The others learn of it now, not at their next look (a replica that dies before that is still seen gone).
    bus.broadcast(JOINED, null);
    bus.log.info({ replica: bus.replicaId, replicas: [...bus.known] }, "joined the control-plane cluster");
    return bus;
  }

  broadcast(topic: string, message: unknown): void {
    this.send(ALL_CHANNEL, topic, message);
  }

  sendTo(replicaId: string, topic: string, message: unknown): void {
    this.send(channelOf(replicaId), topic, message);
  }

  on(topic: string, handler: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  onReplicaGone(handler: (replicaId: string) => void): void {
    this.goneHandlers.push(handler);
  }

  onRejoin(handler: () => void): void {
    this.rejoinHandlers.push(handler);
  }

  async liveReplicas(): Promise<ReadonlySet<string>> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT objid::bigint AS n FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objsubid = 2 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [REPLICA_LOCK_SPACE],
    );
    return new Set(rows.map((r) => `r${r.n}`));
  }

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const ran = await this.locked("pg_advisory_lock", key, fn);
    return ran.value as T;
  }

  async tryLock<T>(key: string, fn: () => Promise<T>): Promise<T | undefined> {
    const ran = await this.locked("pg_try_advisory_lock", key, fn);
    return ran.ok ? ran.value : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    while (this.draining) await this.draining;
    // Ending the listening connection releases this replica's lock: the others see it gone at their next look.
    await Promise.allSettled([this.listener?.end(), this.sender?.end(), this.pool.end()]);
  }

  // ---- internals ----

  /** Runs `fn` under the job lock `key` taken with `take` (waiting, or trying once) on a connection of its own. */
  private async locked<T>(
    take: "pg_advisory_lock" | "pg_try_advisory_lock",
    key: string,
    fn: () => Promise<T>,
  ): Promise<{ ok: boolean; value?: T }> {
    const conn = await this.pool.connect();
    try {
      // pg_advisory_lock returns void (null), pg_try_advisory_lock whether it got the lock.
      const { rows } = await conn.query<{ ok: boolean | null }>(`SELECT ${take}($1, hashtext($2)) AS ok`, [
        JOB_LOCK_SPACE,
        key,
      ]);
      if (rows[0]?.ok === false) return { ok: false };
      try {
        return { ok: true, value: await fn() };
      } finally {
        await conn.query("SELECT pg_advisory_unlock($1, hashtext($2))", [JOB_LOCK_SPACE, key]);
      }
    } finally {
      conn.release();
    }
  }

  private send(channel: string, topic: string, message: unknown): void {
    if (this.closed) return;
    if (this.encoder?.from !== this.replicaId) this.encoder = new FrameEncoder(this.replicaId);
    const plain = Buffer.from(JSON.stringify({ t: topic, m: message }));
    const body = encrypt(this.opts.keyring, plain, SEAL_CONTEXT).toString("base64");
    for (const frame of this.encoder.encode(body)) this.queue.push({ channel, frame });
    this.drainSoon();
  }

  private drainSoon(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.drainSoon();
    });
  }

  /**
   * Sends what is queued, in order, on one connection: a batch per statement, so its notifications are delivered
   * together and in order, and a burst costs a round trip per batch rather than per message.
   */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: { channel: string; frame: string }[] = [];
      let bytes = 0;
      while (batch.length < BATCH_FRAMES && bytes < BATCH_BYTES) {
        const next = this.queue.shift();
        if (!next) break;
        batch.push(next);
        bytes += next.frame.length;
      }
      try {
        const client = await this.senderClient();
        const calls = batch.map((_, i) => `pg_notify($${2 * i + 1}, $${2 * i + 2})`).join(", ");
        await client.query(
          `SELECT ${calls}`,
          batch.flatMap((x) => [x.channel, x.frame]),
        );
      } catch (err) {
        // The receiver's wait ends by its own timeout, or when this replica is seen gone.
        this.log.warn({ err, messages: batch.length }, "cluster messages not sent");
        this.sender = undefined;
      }
    }
  }

  private async senderClient(): Promise<pg.Client> {
    if (this.sender) return this.sender;
    const client = new pg.Client({ connectionString: this.opts.url });
    client.on("error", () => {
      if (this.sender === client) this.sender = undefined;
    });
    await client.connect();
    this.sender = client;
    return client;
  }

  /** Connects the listening connection, holding this replica's lock (a new id the first time, the same after). */
  private async connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.url });
    await client.connect();
    let id = this.replicaId;
    for (let attempt = 0; ; attempt++) {
      const n = id ? Number(id.slice(1)) : randomInt(1, 2 ** 31 - 1);
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
        REPLICA_LOCK_SPACE,
        n,
      ]);
      if (rows[0]?.ok) {
        id = `r${n}`;
        break;
      }
      // Taken: by another replica (pick another id), or, when rejoining, by nobody for long (try once more).
      if (attempt > 20) throw new Error("no free replica id");
      id = "";
    }
    const rejoined = this.replicaId !== "" && this.replicaId !== id;
    this.replicaId = id;
    client.on("notification", (n) => this.receive(n.channel, n.payload ?? ""));
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error("connection ended")));
    await client.query(`LISTEN ${ALL_CHANNEL}`);
    await client.query(`LISTEN "${channelOf(id)}"`);
    this.listener = client;
    if (rejoined) this.log.warn({ replica: id }, "rejoined the cluster under a new id");
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    this.log.error({ err, replica: this.replicaId }, "cluster connection lost: the other replicas see this one gone");
    const retry = async () => {
      if (this.closed) return;
      try {
        await this.connectListener();
        for (const handler of this.rejoinHandlers) handler();
      } catch (e) {
        this.log.warn({ err: e }, "cluster connection not back yet");
        setTimeout(() => void retry(), this.opts.presenceMs).unref();
      }
    };
    void retry();
  }

  private receive(channel: string, payload: string): void {
    const got = this.assembler.accept(payload);
    if (!got || got.from === this.replicaId) return;
    if (channel !== ALL_CHANNEL && channel !== channelOf(this.replicaId)) return;
    this.known.add(got.from);
    let decoded: { t: string; m: unknown };
    try {
      decoded = JSON.parse(decrypt(this.opts.keyring, Buffer.from(got.body, "base64"), SEAL_CONTEXT).toString());
    } catch {
      if (!this.unreadable.has(got.from)) {
        this.unreadable.add(got.from);
        this.log.error(
          { from: got.from },
          "a replica's messages cannot be opened: every replica must have the same SYNTRA_MASTER_KEY",
        );
      }
      return;
    }
    for (const handler of this.handlers.get(decoded.t) ?? []) {
      try {
        handler(decoded.m, got.from);
      } catch (err) {
        this.log.error({ err, topic: decoded.t, from: got.from }, "cluster message handler failed");
      }
    }
  }

  /** Compares the replicas alive with the last look and reports those that are gone. */
  private async watch(): Promise<void> {
    let live: ReadonlySet<string>;
    try {
      live = await this.liveReplicas();
    } catch (err) {
      this.log.warn({ err }, "could not look up the replicas alive");
      return;
    }
    const gone = [...this.known].filter((id) => !live.has(id) && id !== this.replicaId);
    this.known = new Set(live);
    for (const id of gone) {
      this.log.warn({ replica: id }, "replica gone");
      this.assembler.forget(id);
      for (const handler of this.goneHandlers) handler(id);
    }
  }
}
