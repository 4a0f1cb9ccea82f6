import { readFile } from "node:fs/promises";
import type { AgentHelloPayload, HeartbeatPayload } from "@syntra/contracts";
import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { sha256Hex } from "../auth/random";
import type { Db } from "../db/client";
import { serverMetrics, servers } from "../db/schema";

/** The server an agent connection speaks for, as authenticated by its token. */
export interface AgentServer {
  id: string;
  orgId: string;
  name: string;
}

const AGENT_TOKEN = /^syn_agt_[A-Za-z0-9]{40}$/;

/** The server whose agent token this is, or null for a malformed, unknown or spent (enrolled) token. */
export async function findServerByAgentToken(db: Db, token: string): Promise<AgentServer | null> {
  if (!AGENT_TOKEN.test(token)) return null;
  const [row] = await db
    .select({ id: servers.id, orgId: servers.orgId, name: servers.name })
    .from(servers)
    .where(and(eq(servers.agentTokenHash, sha256Hex(token)), isNull(servers.agentTokenUsedAt)))
    .limit(1);
  return row ?? null;
}

// The seed schema's VARCHAR limits: an agent's long kernel or version string must not fail the update.
const cut = (value: string, max: number) => value.slice(0, max);

/**
 * Records what the agent said about its host in `agent_hello` and marks the server online.
 * Returns false when the server no longer exists (deleted while its agent was connected).
 */
export async function recordHello(db: Db, serverId: string, hello: AgentHelloPayload, now: Date): Promise<boolean> {
  const rows = await db
    .update(servers)
    .set({
      hostname: cut(hello.network.hostname, 255),
      publicIp: hello.network.public_ip,
      privateIp: hello.network.private_ip,
      runtime: hello.runtime,
      runtimeVersion: cut(hello.runtime_version, 50),
      agentVersion: cut(hello.version, 20),
      osName: cut(hello.os.name, 50),
      osVersion: cut(hello.os.version, 50),
      arch: hello.arch,
      cpuCores: hello.resources.cpu_cores,
      memoryMb: hello.resources.memory_total_mb,
      diskGb: Math.round(hello.resources.disk_total_gb),
      status: "online",
      lastHeartbeatAt: now,
      updatedAt: now,
      // An older agent says nothing of its proxy: what is known stays.
      ...(hello.proxy && {
        proxyHttpPort: hello.proxy.http_port,
        proxyHttpsPort: hello.proxy.https_port,
        proxyTls: hello.proxy.tls,
      }),
      sameHost: hello.machine_id !== undefined && hello.machine_id === (await ownMachineId()),
    })
    .where(eq(servers.id, serverId))
    .returning({ id: servers.id });
  return rows.length > 0;
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
 * Records a heartbeat: the server is online as of now, and its resources become one metrics row.
 * Returns false when the server no longer exists.
 */
export async function recordHeartbeat(db: Db, serverId: string, beat: HeartbeatPayload, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(servers)
      .set({ status: "online", lastHeartbeatAt: now })
      .where(eq(servers.id, serverId))
      .returning({ id: servers.id });
    if (rows.length === 0) return false;
    const r = beat.resources;
    await tx.insert(serverMetrics).values({
      serverId,
      // The control plane's clock, like last_heartbeat_at, so one skewed agent cannot scatter its own series.
      recordedAt: now,
      cpuPercent: r.cpu_usage_percent,
      memoryUsedMb: r.memory_used_mb,
      memoryAvailableMb: r.memory_available_mb,
      diskUsedGb: r.disk_used_gb,
      diskAvailableGb: r.disk_available_gb,
      networkRxBytes: r.network_rx_bytes,
      networkTxBytes: r.network_tx_bytes,
    });
    return true;
  });
}

/** Marks a server offline (its agent disconnected). */
export async function markServerOffline(db: Db, serverId: string, now: Date): Promise<void> {
  await db.update(servers).set({ status: "offline", updatedAt: now }).where(eq(servers.id, serverId));
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

/** Deletes heartbeat metrics recorded before `before`. */
export async function pruneServerMetrics(db: Db, before: Date): Promise<void> {
  await db.delete(serverMetrics).where(lt(serverMetrics.recordedAt, before));
}
