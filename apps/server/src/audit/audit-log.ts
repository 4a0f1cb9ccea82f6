import type { AuditEntry as AuditEntryAnswer, ListAuditQuery } from "@syntra/contracts";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiTokens, auditLogs, users } from "../db/schema";

/** Syntra's own components that change things without a person asking at that moment. */
export type SystemComponent = "webhook" | "build-worker" | "local-agent" | "agent-enrolment";

/** Who made a change: a signed-in user, an API token acting for its user, or Syntra itself. */
export type AuditActor =
  | { type: "user"; userId: string }
  | { type: "token"; userId: string; tokenId: string }
  | { type: "system"; component: SystemComponent };

/** The HTTP client a change came from, when a request made it. */
export interface AuditClient {
  ip: string;
  userAgent: string | null;
}

/** One audit log entry to record. */
export interface AuditRecord {
  orgId: string;
  actor: AuditActor;
  /** What was done, `<resource>.<verb>`: "project.create", "deployment.build". */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** Safe details only: names, keys, ids. Never a secret value, password or token. */
  details?: Record<string, unknown> | null;
  client?: AuditClient;
}

/**
 * Records an audit entry. Pass the transaction of the change it describes, so that the change and its entry are
 * stored together or not at all (see `audit/unit-of-work.ts`).
 */
export async function recordAudit(db: Db, entry: AuditRecord): Promise<void> {
  const { actor } = entry;
  await db.insert(auditLogs).values({
    orgId: entry.orgId,
    userId: actor.type === "system" ? null : actor.userId,
    actorType: actor.type,
    actorTokenId: actor.type === "token" ? actor.tokenId : null,
    actorComponent: actor.type === "system" ? actor.component : null,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    details: entry.details && Object.keys(entry.details).length > 0 ? entry.details : null,
    ipAddress: entry.client?.ip ?? null,
    userAgent: entry.client?.userAgent?.slice(0, 500) ?? null,
  });
}

/** An organization's audit log, newest first, filtered as the query asks (cursor: created_at of the last seen). */
export async function listAuditEntries(db: Db, orgId: string, query: ListAuditQuery): Promise<AuditEntryAnswer[]> {
  const where: SQL[] = [eq(auditLogs.orgId, orgId)];
  if (query.cursor) where.push(lt(auditLogs.createdAt, new Date(query.cursor)));
  if (query.resource_type) where.push(eq(auditLogs.resourceType, query.resource_type));
  if (query.resource_id) where.push(eq(auditLogs.resourceId, query.resource_id));
  if (query.action) where.push(eq(auditLogs.action, query.action));
  if (query.actor_type) where.push(eq(auditLogs.actorType, query.actor_type));
  const rows = await db
    .select({ a: auditLogs, email: users.email, tokenName: apiTokens.name })
    .from(auditLogs)
    .leftJoin(users, eq(users.id, auditLogs.userId))
    .leftJoin(apiTokens, eq(apiTokens.id, auditLogs.actorTokenId))
    .where(and(...where))
    .orderBy(desc(auditLogs.createdAt))
    .limit(query.limit);
  return rows.map(({ a, email, tokenName }) => ({
    id: a.id,
    user_id: a.userId,
    user_email: email,
    actor: {
      type: a.actorType,
      token_id: a.actorTokenId,
      // null once the token is revoked (its row is gone); the id still says which one it was.
      token_name: tokenName,
      component: a.actorComponent,
    },
    action: a.action,
    resource_type: a.resourceType,
    resource_id: a.resourceId,
    details: a.details ?? null,
    ip_address: a.ipAddress,
    user_agent: a.userAgent,
    created_at: (a.createdAt ?? new Date(0)).toISOString(),
  }));
}
