import type { BulkUpdateIssuesBody, ErrorGroup, UpdateIssueBody } from "@syntra/contracts";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { errorGroups, orgMembers, projects, services } from "../db/schema";
import { AppError, notFound } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { type IssueRow, serializeIssue } from "./serialize";

/** The conditions that keep a query on `error_groups` inside the caller's organization (and project token). */
export function issueScopeWhere(scope: ProjectScope): SQL[] {
  const where = [eq(projects.orgId, scope.orgId)];
  if (scope.projectId) where.push(eq(projects.id, scope.projectId));
  return where;
}

/** An issue in scope with its service's name and project; NOT_FOUND otherwise, whoever owns it. */
export async function getIssueRow(
  db: Db,
  scope: ProjectScope,
  issueId: string,
): Promise<{ issue: IssueRow; service: { id: string; name: string; projectId: string } }> {
  const [row] = await db
    .select({ issue: errorGroups, serviceName: services.name, projectId: services.projectId })
    .from(errorGroups)
    .innerJoin(services, eq(services.id, errorGroups.serviceId))
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(and(eq(errorGroups.id, issueId), ...issueScopeWhere(scope)))
    .limit(1);
  if (!row) throw notFound("Issue");
  return { issue: row.issue, service: { id: row.issue.serviceId, name: row.serviceName, projectId: row.projectId } };
}

/** Changes one issue's status or assignee. */
export async function updateIssue(
  db: Db,
  scope: ProjectScope,
  issueId: string,
  body: UpdateIssueBody,
  now: Date,
): Promise<ErrorGroup> {
  const [updated] = await bulkUpdateIssues(db, scope, { ids: [issueId], ...body }, now);
  if (!updated) throw notFound("Issue");
  return updated;
}

/**
 * Applies one change to several issues in one transaction, all or nothing: an id that is not in scope
 * answers 404 and changes none. Resolving remembers the deployment and release of each issue's latest event,
 * so ingest can tell a regression (a later version) from the resolved version's own stragglers.
 */
export async function bulkUpdateIssues(
  db: Db,
  scope: ProjectScope,
  body: BulkUpdateIssuesBody,
  now: Date,
): Promise<ErrorGroup[]> {
  if (body.assigned_to) await assertMember(db, scope.orgId, body.assigned_to);
  return db.transaction(async (tx) => {
    const found = await tx
      .select({ id: errorGroups.id })
      .from(errorGroups)
      .innerJoin(services, eq(services.id, errorGroups.serviceId))
      .innerJoin(projects, eq(projects.id, services.projectId))
      .where(and(inArray(errorGroups.id, body.ids), ...issueScopeWhere(scope)))
      .orderBy(errorGroups.id)
      .for("update", { of: errorGroups });
    if (found.length !== body.ids.length) {
      const known = new Set(found.map((r) => r.id));
      throw new AppError("NOT_FOUND", "Issue not found", { ids: body.ids.filter((id) => !known.has(id)) });
    }
    const rows = await tx
      .update(errorGroups)
      .set({
        ...(body.assigned_to !== undefined && { assignedTo: body.assigned_to }),
        ...(body.status === "resolved" && {
          status: "resolved" as const,
          resolvedAt: now,
          resolvedDeploymentId: sql`${errorGroups.lastDeploymentId}`,
          resolvedRelease: sql`${errorGroups.lastRelease}`,
        }),
        ...((body.status === "unresolved" || body.status === "ignored") && {
          status: body.status,
          resolvedAt: null,
          resolvedDeploymentId: null,
          resolvedRelease: null,
        }),
      })
      .where(inArray(errorGroups.id, body.ids))
      .returning();
    const order = new Map(body.ids.map((id, i) => [id, i]));
    return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)).map(serializeIssue);
  });
}

async function assertMember(db: Db, orgId: string, userId: string): Promise<void> {
  const [member] = await db
    .select({ userId: orgMembers.userId })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)))
    .limit(1);
  if (!member) {
    throw new AppError("UNPROCESSABLE", "Issues can only be assigned to members of the organization", [
      { path: "body.assigned_to", message: "not a member of this organization" },
    ]);
  }
}
