import { readFile } from "node:fs/promises";
import type { AgentHelloPayload, HeartbeatPayload } from "@syntra/contracts";
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { type Db, resultRows } from "../db/client";
import { servers } from "../db/schema";

/** The server an agent connection speaks for, as authenticated by its token. */
export interface AgentServer {
  id: string;
  orgId: string;
  name: string;
}

/** The shape of an agent (install) token. */
export const AGENT_TOKEN = /^syn_agt_[A-Za-z0-9]{40}$/;

// The seed schema's VARCHAR limits: an agent's long kernel or version string must not fail the update.
const cut = (value: string, max: number) => value.slice(0, max);

/** A hello to record (see `recordHellos`). */
export interface HelloRecord {
  serverId: string;
  hello: AgentHelloPayload;
  /** A token let through on memory (a storm, see credential-cache.ts): the row must still carry it, unspent. */
  verifyTokenHash?: string | undefined;
  /** The same for a certificate (by fingerprint): still the server's, not revoked, not expired. */
  verifyCertificate?: string | undefined;
}

/** What `recordHellos` found of a recorded server: its last agent update, for the hello's bookkeeping. */
export interface RecordedHello {
  agentUpdateVersion: string | null;
  agentUpdateState: "pending" | "succeeded" | "failed" | null;
}

/**
 * Records what each agent said about its host in `agent_hello` and marks the servers online, with one statement
 * for the whole batch (a reconnect storm's hellos are admitted together). Answers, per server recorded, its last
 * agent update; a server missing from the answer no longer exists (deleted while its agent was connected) or, with
 * `verifyTokenHash`, no longer has that token unspent.
 */
export async function recordHellos(
  db: Db,
  hellos: readonly HelloRecord[],
  now: Date,
): Promise<Map<string, RecordedHello>> {
  if (hellos.length === 0) return new Map();
  const own = await ownMachineId();
  // One JSON parameter (jsonb_to_recordset) like the heartbeats; rows in id order so two writers cannot deadlock.
  const rows = [...hellos]
    .sort((a, b) => (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0))
    .map(({ serverId, hello, verifyTokenHash, verifyCertificate }) => ({
      id: serverId,
      // The seed schema's VARCHAR limits: an agent's long kernel or version string must not fail the update.
      hostname: cut(hello.network.hostname, 255),
      public_ip: hello.network.public_ip,
      private_ip: hello.network.private_ip,
      runtime: hello.runtime,
      runtime_version: cut(hello.runtime_version, 50),
      agent_version: cut(hello.version, 20),
      os_name: cut(hello.os.name, 50),
      os_version: cut(hello.os.version, 50),
      arch: hello.arch,
      cpu_cores: hello.resources.cpu_cores,
      memory_mb: hello.resources.memory_total_mb,
      disk_gb: Math.round(hello.resources.disk_total_gb),
      // An older agent says nothing of its proxy: what is known stays.
      has_proxy: hello.proxy !== undefined,
      proxy_http: hello.proxy?.http_port ?? null,
      proxy_https: hello.proxy?.https_port ?? null,
      proxy_tls: hello.proxy?.tls ?? null,
      same_host: hello.machine_id !== undefined && hello.machine_id === own,
      verify: verifyTokenHash ?? null,
      verify_cert: verifyCertificate ?? null,
    }));
  const at = now.toISOString();
  const result = await db.execute(sql`
    WITH v AS (
      SELECT DISTINCT ON (id) * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
        id uuid, hostname text, public_ip inet, private_ip inet, runtime text, runtime_version text,
        agent_version text, os_name text, os_version text, arch text, cpu_cores int, memory_mb int, disk_gb int,
        has_proxy boolean, proxy_http int, proxy_https int, proxy_tls boolean, same_host boolean, verify text,
        verify_cert text)
      ORDER BY id
    )
    UPDATE servers SET hostname = v.hostname, public_ip = v.public_ip, private_ip = v.private_ip,
      runtime = v.runtime::server_runtime, runtime_version = v.runtime_version, agent_version = v.agent_version,
      os_name = v.os_name, os_version = v.os_version, arch = v.arch, cpu_cores = v.cpu_cores,
      memory_mb = v.memory_mb, disk_gb = v.disk_gb, status = 'online', last_heartbeat_at = ${at}::timestamptz,
      updated_at = ${at}::timestamptz,
      proxy_http_port = CASE WHEN v.has_proxy THEN v.proxy_http ELSE servers.proxy_http_port END,
      proxy_https_port = CASE WHEN v.has_proxy THEN v.proxy_https ELSE servers.proxy_https_port END,
      proxy_tls = CASE WHEN v.has_proxy THEN v.proxy_tls ELSE servers.proxy_tls END,
      same_host = v.same_host
    FROM v
    WHERE servers.id = v.id
      AND (v.verify IS NULL OR (servers.agent_token_hash = v.verify AND servers.agent_token_used_at IS NULL))
      AND (v.verify_cert IS NULL OR EXISTS (SELECT 1 FROM agent_certificates c WHERE c.fingerprint_sha256 = v.verify_cert
        AND c.server_id = servers.id AND c.revoked_at IS NULL AND c.not_after > ${at}::timestamptz))
    RETURNING servers.id, servers.agent_update_version, servers.agent_update_state`);
  const out = new Map<string, RecordedHello>();
  for (const row of resultRows<{ id: string; agent_update_version: string | null; agent_update_state: string | null }>(
    result,
  )) {
    out.set(row.id, {
      agentUpdateVersion: row.agent_update_version,
      agentUpdateState: row.agent_update_state as RecordedHello["agentUpdateState"],
    });
  }
  return out;
}

let machineId: Promise<string | null> | undefined;

/** This machine's /etc/machine-id (systemd's host identity), or null where there is none. */
export function ownMachineId(): Promise<string | null> {
  machineId ??= readFile("/etc/machine-id", "utf8").then(
    (text) => (/^[0-9a-f]{32}$/.test(text.trim()) ? text.trim() : null),
    () => null,
  );
  return machineId;
}

/**
 * Records a batch of heartbeats (at most one per server) with one statement: each server is online as of its
 * heartbeat (its resources go to the telemetry store: `storeHeartbeatMetrics`). Rows are updated in id order, so
 * two writers (replicas) cannot deadlock. Returns the ids of the servers that still exist.
 */
export async function recordHeartbeats(
  db: Db,
  beats: readonly { serverId: string; beat: HeartbeatPayload; at: Date }[],
): Promise<Set<string>> {
  if (beats.length === 0) return new Set();
  // One JSON parameter (jsonb_to_recordset) rather than 2 per row: no parameter limit, the same on PGlite.
  const rows = [...beats]
    .sort((a, b) => (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0))
    .map(({ serverId, at }) => ({ id: serverId, at: at.toISOString() }));
  const result = await db.execute(sql`
    WITH v AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(id uuid, at timestamptz)
    )
    UPDATE servers SET status = 'online', last_heartbeat_at = v.at FROM v WHERE servers.id = v.id
    RETURNING servers.id`);
  return new Set(resultRows<{ id: string }>(result).map((r) => r.id));
}

/** Marks a server offline (its agent disconnected). */
export async function markServerOffline(db: Db, serverId: string, now: Date): Promise<void> {
  await db.update(servers).set({ status: "offline", updatedAt: now }).where(eq(servers.id, serverId));
}

/**
 * Marks servers offline (agents disconnected together) with one statement per 2,000 servers; answers those that
 * exist, with their organization.
 */
export async function markServersOffline(
  db: Db,
  serverIds: readonly string[],
  now: Date,
): Promise<{ id: string; orgId: string }[]> {
  const out: { id: string; orgId: string }[] = [];
  for (let i = 0; i < serverIds.length; i += 2000) {
    const rows = await db
      .update(servers)
      .set({ status: "offline", updatedAt: now })
      .where(inArray(servers.id, serverIds.slice(i, i + 2000)))
      .returning({ id: servers.id, orgId: servers.orgId });
    out.push(...rows);
  }
  return out;
}

/**
 * Marks offline every online server whose last heartbeat is older than `before`; returns their ids. With
 * `replica` (several replicas), only the servers that replica holds or no replica does: another live replica
 * judges its own agents (it alone sees their sockets).
 */
export async function markStaleServersOffline(db: Db, before: Date, now: Date, replica?: string): Promise<string[]> {
  const rows = await db
    .update(servers)
    .set({ status: "offline", updatedAt: now })
    .where(
      and(
        inArray(servers.status, ["online", "updating"]),
        or(isNull(servers.lastHeartbeatAt), lt(servers.lastHeartbeatAt, before)),
        ...(replica ? [or(isNull(servers.connectedReplica), eq(servers.connectedReplica, replica))] : []),
      ),
    )
    .returning({ id: servers.id });
  return rows.map((r) => r.id);
}
