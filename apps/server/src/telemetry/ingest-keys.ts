import { randomBytes } from "node:crypto";
import { and, eq, gt, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { projects, services } from "../db/schema";

/** Prefix of every ingest key, so a leaked one is recognisable (secret scanners, logs). */
export const INGEST_KEY_PREFIX = "syn_ing_";

const KEY_SHAPE = /^syn_ing_[0-9a-f]{32}$/;

/** Whom telemetry sent with an ingest key belongs to. */
export interface IngestTarget {
  serviceId: string;
  projectId: string;
  orgId: string;
  serverId: string;
  /** The service's numeric id, the project id of its DSNs (Sentry SDKs want a number). */
  ingestNumber: number;
}

/** A key an agent may accept for one of its server's services. */
export interface ServerIngestKey {
  key: string;
  serviceId: string;
  /** When a rotated-out key stops working; null for the current key. */
  expiresAt: Date | null;
}

/** A new random ingest key: the prefix and 128 random bits in hex (the size of a Sentry DSN key). */
export function newIngestKey(): string {
  return `${INGEST_KEY_PREFIX}${randomBytes(16).toString("hex")}`;
}

// Lookups run per OTLP request, so answers are cached briefly. A rotation in this process drops its entries at once;
// one in another replica is seen within the TTL (the old key stays valid for its grace period anyway).
const CACHE_TTL_MS = 30_000;
// Unknown keys are cached too, so a flood of bad keys does not become a flood of queries; briefly, so a just-created
// service's key works at once in practice.
const MISS_TTL_MS = 2_000;
const CACHE_MAX = 10_000;

interface CacheEntry {
  target: IngestTarget | null;
  /** Until when this answer may be used (earlier than the TTL when the key's grace period ends sooner). */
  until: number;
}

const caches = new WeakMap<Db, Map<string, CacheEntry>>();

function cacheOf(db: Db): Map<string, CacheEntry> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  return cache;
}

/**
 * The service an ingest key belongs to: its current key, or its previous one within the grace period. Null for
 * unknown, malformed and expired keys. Cached for a few seconds per database.
 */
export async function resolveIngestKey(db: Db, key: string, now: Date = new Date()): Promise<IngestTarget | null> {
  if (!KEY_SHAPE.test(key)) return null;
  const cache = cacheOf(db);
  const hit = cache.get(key);
  if (hit && hit.until > now.getTime()) return hit.target;
  const [row] = await db
    .select({
      serviceId: services.id,
      projectId: services.projectId,
      orgId: projects.orgId,
      serverId: services.serverId,
      ingestNumber: services.ingestNumber,
      current: services.ingestKey,
      previousExpiresAt: services.previousIngestKeyExpiresAt,
    })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(
      or(
        eq(services.ingestKey, key),
        and(eq(services.previousIngestKey, key), gt(services.previousIngestKeyExpiresAt, now)),
      ),
    )
    .limit(1);
  const target = row
    ? {
        serviceId: row.serviceId,
        projectId: row.projectId,
        orgId: row.orgId,
        serverId: row.serverId,
        ingestNumber: row.ingestNumber,
      }
    : null;
  let until = now.getTime() + (row ? CACHE_TTL_MS : MISS_TTL_MS);
  if (row && row.current !== key && row.previousExpiresAt) until = Math.min(until, row.previousExpiresAt.getTime());
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, { target, until });
  return target;
}

/** Forgets cached answers for these keys (after a rotation or a deletion in this process). */
export function forgetIngestKeys(db: Db, keys: Iterable<string>): void {
  const cache = caches.get(db);
  if (!cache) return;
  for (const key of keys) cache.delete(key);
}

/**
 * The keys valid now for the services of a server: each service's current key and, within its grace period, its
 * previous one. An agent checks keys against this list without asking the control plane per request.
 */
export async function ingestKeysForServer(
  db: Db,
  serverId: string,
  now: Date = new Date(),
): Promise<ServerIngestKey[]> {
  const rows = await db
    .select({
      serviceId: services.id,
      current: services.ingestKey,
      previous: services.previousIngestKey,
      previousExpiresAt: services.previousIngestKeyExpiresAt,
    })
    .from(services)
    .where(eq(services.serverId, serverId));
  const keys: ServerIngestKey[] = [];
  for (const row of rows) {
    keys.push({ key: row.current, serviceId: row.serviceId, expiresAt: null });
    if (row.previous && row.previousExpiresAt && row.previousExpiresAt > now) {
      keys.push({ key: row.previous, serviceId: row.serviceId, expiresAt: row.previousExpiresAt });
    }
  }
  return keys;
}

/** `ingestKeysForServer` for many servers: one query per 1,000 servers, keyed by server id (absent: no keys). */
export async function ingestKeysForServers(
  db: Db,
  serverIds: readonly string[],
  now: Date = new Date(),
): Promise<Map<string, ServerIngestKey[]>> {
  const byServer = new Map<string, ServerIngestKey[]>();
  for (let i = 0; i < serverIds.length; i += 1000) {
    const rows = await db
      .select({
        serverId: services.serverId,
        serviceId: services.id,
        current: services.ingestKey,
        previous: services.previousIngestKey,
        previousExpiresAt: services.previousIngestKeyExpiresAt,
      })
      .from(services)
      // One array parameter, not 1,000: building a statement of 1,000 parameters cost the event loop ~7 ms each
      // (10 of them at every sweep of a 10,000-agent fleet).
      .where(sql`${services.serverId} = ANY(${sql.param(serverIds.slice(i, i + 1000))}::uuid[])`);
    for (const row of rows) {
      if (!row.serverId) continue;
      const keys = byServer.get(row.serverId) ?? [];
      keys.push({ key: row.current, serviceId: row.serviceId, expiresAt: null });
      if (row.previous && row.previousExpiresAt && row.previousExpiresAt > now) {
        keys.push({ key: row.previous, serviceId: row.serviceId, expiresAt: row.previousExpiresAt });
      }
      byServer.set(row.serverId, keys);
    }
  }
  return byServer;
}

/** The ingest identity of one service: its current key and numeric id. */
export interface ServiceIngestIdentity {
  key: string;
  ingestNumber: number;
  previousKey: string | null;
  previousKeyExpiresAt: Date | null;
}

/** A service's ingest identity (the caller has checked the service is in scope); null when it does not exist. */
export async function serviceIngestIdentity(db: Db, serviceId: string): Promise<ServiceIngestIdentity | null> {
  const [row] = await db
    .select({
      key: services.ingestKey,
      ingestNumber: services.ingestNumber,
      previousKey: services.previousIngestKey,
      previousKeyExpiresAt: services.previousIngestKeyExpiresAt,
    })
    .from(services)
    .where(eq(services.id, serviceId))
    .limit(1);
  return row ?? null;
}

/**
 * Gives a service a new ingest key. The current one becomes the previous key, valid for `graceMs` more (0 ends it at
 * once); a previous key still in its grace period is dropped, as only one old key is kept. Returns the new identity.
 */
export async function rotateIngestKey(
  db: Db,
  serviceId: string,
  graceMs: number,
  now: Date = new Date(),
  /** Whose cached lookups to drop: `db` itself, or the store a transaction `db` belongs to. */
  cacheOwner: Db = db,
): Promise<ServiceIngestIdentity | null> {
  const before = await serviceIngestIdentity(db, serviceId);
  if (!before) return null;
  const key = newIngestKey();
  const expiresAt = new Date(now.getTime() + graceMs);
  const [row] = await db
    .update(services)
    .set({
      ingestKey: key,
      previousIngestKey: before.key,
      previousIngestKeyExpiresAt: expiresAt,
      updatedAt: now,
    })
    // Only from the key read above: two rotations at once cannot both turn the same key into the previous one.
    .where(and(eq(services.id, serviceId), eq(services.ingestKey, before.key)))
    .returning({
      key: services.ingestKey,
      ingestNumber: services.ingestNumber,
      previousKey: services.previousIngestKey,
      previousKeyExpiresAt: services.previousIngestKeyExpiresAt,
    });
  forgetIngestKeys(cacheOwner, [before.key, ...(before.previousKey ? [before.previousKey] : [])]);
  if (!row) return rotateIngestKey(db, serviceId, graceMs, now, cacheOwner);
  return row;
}

/** True when a rotated-out key of the service is still in its grace period. */
export function hasValidPreviousKey(identity: ServiceIngestIdentity, now: Date): boolean {
  return identity.previousKey !== null && identity.previousKeyExpiresAt !== null && identity.previousKeyExpiresAt > now;
}
