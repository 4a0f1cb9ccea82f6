import { apiRoutes } from "@syntra/contracts";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { auditLogs, users } from "../db/schema";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";

const list = implement(apiRoutes.audit.list, {
  handler: async ({ auth, deps, query, setMeta }) => {
    const where: SQL[] = [eq(auditLogs.orgId, requireOrg(auth))];
    if (query.cursor) where.push(lt(auditLogs.createdAt, new Date(query.cursor)));
    if (query.resource_type) where.push(eq(auditLogs.resourceType, query.resource_type));
    if (query.resource_id) where.push(eq(auditLogs.resourceId, query.resource_id));
    if (query.action) where.push(eq(auditLogs.action, query.action));
    const rows = await deps.db
      .select({ a: auditLogs, email: users.email })
      .from(auditLogs)
      .leftJoin(users, eq(users.id, auditLogs.userId))
      .where(and(...where))
      .orderBy(desc(auditLogs.createdAt))
      .limit(query.limit);
    const items = rows.map(({ a, email }) => ({
      id: a.id,
      user_id: a.userId,
      user_email: email,
      action: a.action,
      resource_type: a.resourceType,
      resource_id: a.resourceId,
      details: a.details ?? null,
      ip_address: a.ipAddress,
      user_agent: a.userAgent,
      created_at: (a.createdAt ?? new Date(0)).toISOString(),
    }));
    const last = items.at(-1);
    if (items.length === query.limit && last) setMeta({ cursor: last.created_at });
    return items;
  },
});

/** Reading the audit log (writing happens in register-routes for every mutating call). */
export const auditRoutes = [list];
