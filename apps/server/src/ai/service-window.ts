import { and, desc, eq, gte, isNotNull, lte, or } from "drizzle-orm";
import { deployments, errorGroups } from "../db/schema";
import type { AppDeps } from "../deps";

/** A time window [from, to]. */
export interface Window {
  from: Date;
  to: Date;
}

/**
 * A service's deployments that finished (or, unfinished, were created) inside the window, newest first, at most
 * `limit`: what changed shortly before something went wrong (incident summaries, anomaly explanations).
 */
export async function deploymentsIn(
  deps: Pick<AppDeps, "db">,
  serviceId: string,
  { from, to }: Window,
  limit: number,
): Promise<(typeof deployments.$inferSelect)[]> {
  return deps.db
    .select()
    .from(deployments)
    .where(
      and(
        eq(deployments.serviceId, serviceId),
        or(
          and(isNotNull(deployments.finishedAt), gte(deployments.finishedAt, from), lte(deployments.finishedAt, to)),
          and(gte(deployments.createdAt, from), lte(deployments.createdAt, to)),
        ),
      ),
    )
    .orderBy(desc(deployments.createdAt))
    .limit(limit);
}

/** A service's issues seen inside the window (last seen after its start, first seen before its end), newest first. */
export async function issuesSeenIn(
  deps: Pick<AppDeps, "db">,
  serviceId: string,
  { from, to }: Window,
  limit: number,
): Promise<(typeof errorGroups.$inferSelect)[]> {
  return deps.db
    .select()
    .from(errorGroups)
    .where(
      and(eq(errorGroups.serviceId, serviceId), gte(errorGroups.lastSeenAt, from), lte(errorGroups.firstSeenAt, to)),
    )
    .orderBy(desc(errorGroups.firstSeenAt))
    .limit(limit);
}
