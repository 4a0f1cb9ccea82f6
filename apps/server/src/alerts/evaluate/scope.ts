import { eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { projects, servers, services } from "../../db/schema";
import type { RuleRow, ScopeService } from "./types";

/** Every service of the organizations, with project and server names: one query for a whole batch of rules. */
export async function servicesOfOrgs(db: Db, orgIds: string[]): Promise<ScopeService[]> {
  if (orgIds.length === 0) return [];
  const rows = await db
    .select({
      id: services.id,
      name: services.name,
      orgId: projects.orgId,
      projectId: services.projectId,
      projectName: projects.name,
      serverId: services.serverId,
      serverName: servers.name,
      serverStatus: servers.status,
    })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .leftJoin(servers, eq(servers.id, services.serverId))
    .where(inArray(projects.orgId, [...new Set(orgIds)]));
  return rows.map((r) => ({ ...r, serverStatus: r.serverStatus ?? null }));
}

/** The services a rule's scope covers: all of its organization's, its project's, or its one service. */
export function servicesInScope(rule: RuleRow, all: ScopeService[]): ScopeService[] {
  return all.filter(
    (s) =>
      s.orgId === rule.orgId &&
      (rule.projectId === null || s.projectId === rule.projectId) &&
      (rule.serviceId === null || s.id === rule.serviceId),
  );
}
