import type { Server, ServerAgent } from "@syntra/contracts";
import { and, count, desc, eq, type SQL } from "drizzle-orm";
import { currentCertificates } from "../agents/enrolment";
import { generateToken } from "../auth/api-tokens";
import { sha256Hex } from "../auth/random";
import type { Db } from "../db/client";
import { servers, services } from "../db/schema";
import { AppError, conflict, isUniqueViolation, notFound } from "../errors";

type ServerRow = typeof servers.$inferSelect;

/** A server as the API shows it, with what is known of its agent (see `presentServers`). */
export function serializeServer(row: ServerRow, agent: ServerAgent): Server {
  return {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    public_ip: row.publicIp,
    private_ip: row.privateIp,
    runtime: row.runtime ?? "docker",
    runtime_version: row.runtimeVersion,
    status: row.status ?? "offline",
    agent_version: row.agentVersion,
    os_name: row.osName,
    os_version: row.osVersion,
    arch: row.arch,
    cpu_cores: row.cpuCores,
    memory_mb: row.memoryMb,
    disk_gb: row.diskGb,
    last_heartbeat_at: row.lastHeartbeatAt?.toISOString() ?? null,
    tags: row.tags ?? [],
    created_at: (row.createdAt ?? new Date(0)).toISOString(),
    updated_at: (row.updatedAt ?? new Date(0)).toISOString(),
    agent,
  };
}

/** Servers as the API shows them, their agents' current certificates read in one query. */
export async function presentServers(
  db: Db,
  rows: ServerRow[],
  opts: { now: Date; latestAgentVersion: string },
): Promise<Server[]> {
  const certificates = await currentCertificates(
    db,
    rows.map((r) => r.id),
    opts.now,
  );
  return rows.map((row) => {
    const cert = certificates.get(row.id);
    return serializeServer(row, {
      enrolled: row.agentTokenUsedAt !== null && cert !== undefined,
      certificate: cert
        ? {
            fingerprint_sha256: cert.fingerprintSha256,
            serial: cert.serialHex,
            not_before: cert.notBefore.toISOString(),
            not_after: cert.notAfter.toISOString(),
            issued_by: cert.issuedBy,
            issued_at: (cert.createdAt ?? cert.notBefore).toISOString(),
          }
        : null,
      latest_version: opts.latestAgentVersion,
      update:
        row.agentUpdateVersion && row.agentUpdateState && row.agentUpdateAt
          ? {
              version: row.agentUpdateVersion,
              state: row.agentUpdateState,
              message: row.agentUpdateMessage,
              at: row.agentUpdateAt.toISOString(),
            }
          : null,
    });
  });
}

/** One page of the organization's servers, newest first, with the total for `meta`. */
export async function listServers(
  db: Db,
  orgId: string,
  q: { page: number; per_page: number; status: "online" | "offline" | "all" },
): Promise<{ items: ServerRow[]; total: number }> {
  const where: SQL[] = [eq(servers.orgId, orgId)];
  if (q.status !== "all") where.push(eq(servers.status, q.status));
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(servers)
      .where(and(...where))
      .orderBy(desc(servers.createdAt), desc(servers.id))
      .limit(q.per_page)
      .offset((q.page - 1) * q.per_page),
    db
      .select({ value: count() })
      .from(servers)
      .where(and(...where)),
  ]);
  return { items: rows, total: total?.value ?? 0 };
}

/** A server of the organization; NOT_FOUND for unknown ids and other organizations' servers alike. */
export async function getServer(db: Db, orgId: string, serverId: string): Promise<ServerRow> {
  const [row] = await db
    .select()
    .from(servers)
    .where(and(eq(servers.id, serverId), eq(servers.orgId, orgId)))
    .limit(1);
  if (!row) throw notFound("Server");
  return row;
}

/** Registers a server and mints its agent token; only the token's hash is kept. */
export async function createServer(
  db: Db,
  orgId: string,
  input: { name: string; tags?: string[] | undefined },
): Promise<{ row: ServerRow; token: string }> {
  const token = generateToken("agt");
  try {
    const [row] = await db
      .insert(servers)
      .values({ orgId, name: input.name, tags: input.tags ?? [], agentTokenHash: sha256Hex(token) })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return { row, token };
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A server named '${input.name}' already exists`);
    throw err;
  }
}

/**
 * Replaces a server's one-time install token (the old one stops working) and returns the new one. Its agent's
 * certificates stay valid: the token only lets an agent enrol (again).
 */
export async function rotateAgentToken(db: Db, serverId: string): Promise<string> {
  const token = generateToken("agt");
  await db
    .update(servers)
    .set({ agentTokenHash: sha256Hex(token), agentTokenUsedAt: null })
    .where(eq(servers.id, serverId));
  return token;
}

/** Renames or retags a server. */
export async function updateServer(
  db: Db,
  orgId: string,
  serverId: string,
  input: { name?: string | undefined; tags?: string[] | undefined },
): Promise<ServerRow> {
  try {
    const [row] = await db
      .update(servers)
      .set({
        ...(input.name !== undefined && { name: input.name }),
        ...(input.tags !== undefined && { tags: input.tags }),
      })
      .where(and(eq(servers.id, serverId), eq(servers.orgId, orgId)))
      .returning();
    if (!row) throw notFound("Server");
    return row;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`A server named '${input.name}' already exists`);
    throw err;
  }
}

/** Deletes a server that runs no services; with services on it, refuses rather than cascade-deleting them. */
export async function deleteServer(db: Db, orgId: string, serverId: string): Promise<void> {
  await getServer(db, orgId, serverId);
  const [used] = await db.select({ value: count() }).from(services).where(eq(services.serverId, serverId));
  if ((used?.value ?? 0) > 0) {
    throw new AppError("UNPROCESSABLE", `This server still runs ${used?.value} service(s); move or delete them first`, {
      services: used?.value,
    });
  }
  await db.delete(servers).where(and(eq(servers.id, serverId), eq(servers.orgId, orgId)));
}

/** The one-liner that installs the agent on a machine and connects it with its token. */
export function installCommand(publicUrl: string, serverId: string, token: string): string {
  return `curl -fsSL ${publicUrl}/install/agent.sh | sudo SYNTRA_URL=${publicUrl} SYNTRA_SERVER_ID=${serverId} SYNTRA_TOKEN=${token} sh`;
}
