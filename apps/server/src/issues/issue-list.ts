import type { IssueListItem, IssueStatsPeriod, ListIssuesQuery } from "@syntra/contracts";
import { and, desc, eq, gte, inArray, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { resultRows } from "../db/client";
import { errorGroups, projects, services } from "../db/schema";
import { getProject, type ProjectScope } from "../projects/projects";
import { type Cursor, decodeCursor, encodeCursor } from "./cursor";
import { issueScopeWhere } from "./issues";
import { serializeIssue } from "./serialize";

/** Bucket width and count of each stats period. */
export const STATS_PERIODS: Record<IssueStatsPeriod, { bucketMs: number; buckets: number }> = {
  "24h": { bucketMs: 3_600_000, buckets: 24 },
  "14d": { bucketMs: 86_400_000, buckets: 14 },
};

const SORTS = {
  last_seen: { column: errorGroups.lastSeenAt, kind: "time" },
  first_seen: { column: errorGroups.firstSeenAt, kind: "time" },
  events: { column: errorGroups.eventCount, kind: "number" },
  users: { column: errorGroups.userCount, kind: "number" },
} as const;

/**
 * A project's issues, newest activity first (or by first seen, events, users), filtered by status, service,
 * time range and a search of title, type and culprit; a page at a time with a cursor. Each item carries its
 * event counts per hour of the last day (or per day of the last two weeks) for a sparkline.
 */
export async function listIssues(
  db: Db,
  scope: ProjectScope,
  projectId: string,
  query: ListIssuesQuery,
  now: Date,
): Promise<{ items: IssueListItem[]; cursor: string | undefined }> {
  await getProject(db, scope, projectId);
  const sort = SORTS[query.sort];
  const where: SQL[] = [eq(services.projectId, projectId), ...issueScopeWhere(scope)];
  if (query.service_id) where.push(eq(errorGroups.serviceId, query.service_id));
  if (query.status === "unresolved") where.push(inArray(errorGroups.status, ["unresolved", "regressed"]));
  else if (query.status) where.push(eq(errorGroups.status, query.status));
  if (query.from) where.push(gte(errorGroups.lastSeenAt, new Date(query.from)));
  if (query.to) where.push(lte(errorGroups.firstSeenAt, new Date(query.to)));
  if (query.query) {
    const pattern = `%${query.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const search = or(
      sql`${errorGroups.title} ILIKE ${pattern}`,
      sql`${errorGroups.exceptionType} ILIKE ${pattern}`,
      sql`${errorGroups.culprit} ILIKE ${pattern}`,
    );
    if (search) where.push(search);
  }
  if (query.cursor) where.push(afterCursor(sort, decodeCursor(query.cursor)));
  const rows = await db
    .select({ issue: errorGroups, serviceName: services.name })
    .from(errorGroups)
    .innerJoin(services, eq(services.id, errorGroups.serviceId))
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(and(...where))
    .orderBy(desc(sort.column), desc(errorGroups.id))
    .limit(query.limit);
  const stats = await issueStats(
    db,
    rows.map((r) => r.issue.id),
    query.stats_period,
    now,
  );
  const items = rows.map((r) => ({
    ...serializeIssue(r.issue),
    service_name: r.serviceName,
    stats: stats.get(r.issue.id) ?? new Array(STATS_PERIODS[query.stats_period].buckets).fill(0),
  }));
  const last = rows.at(-1)?.issue;
  const cursor =
    rows.length === query.limit && last ? encodeCursor({ value: sortValue(query.sort, last), id: last.id }) : undefined;
  return { items, cursor };
}

function sortValue(sort: ListIssuesQuery["sort"], row: typeof errorGroups.$inferSelect): string | number {
  switch (sort) {
    case "last_seen":
      return row.lastSeenAt.toISOString();
    case "first_seen":
      return row.firstSeenAt.toISOString();
    case "events":
      return Number(row.eventCount ?? 0);
    case "users":
      return row.userCount ?? 0;
    default: {
      const never: never = sort;
      throw new Error(`unknown sort ${String(never)}`);
    }
  }
}

function afterCursor(sort: (typeof SORTS)[keyof typeof SORTS], cursor: Cursor): SQL {
  const value = sort.kind === "time" ? new Date(String(cursor.value)) : Number(cursor.value);
  return sql`(${sort.column}, ${errorGroups.id}) < (${value}, ${cursor.id})`;
}

/** Event counts of each issue per bucket of the period, oldest bucket first, the last one holding `now`. */
export async function issueStats(
  db: Db,
  issueIds: string[],
  period: IssueStatsPeriod,
  now: Date,
): Promise<Map<string, number[]>> {
  const { bucketMs, buckets } = STATS_PERIODS[period];
  const start = periodStart(period, now);
  const out = new Map<string, number[]>();
  if (issueIds.length === 0) return out;
  const result = await db.execute(sql`
    SELECT error_group_id AS id,
           floor(extract(epoch FROM (timestamp - ${start.toISOString()}::timestamptz)) * 1000 / ${bucketMs})::int AS bucket,
           count(*)::int AS n
      FROM error_events
     WHERE error_group_id IN (${sql.join(
       issueIds.map((id) => sql`${id}::uuid`),
       sql`, `,
     )})
       AND timestamp >= ${start.toISOString()}::timestamptz
     GROUP BY 1, 2`);
  for (const row of resultRows<{ id: string; bucket: number; n: number }>(result)) {
    if (row.bucket < 0 || row.bucket >= buckets) continue;
    const series = out.get(row.id) ?? new Array<number>(buckets).fill(0);
    series[row.bucket] = row.n;
    out.set(row.id, series);
  }
  return out;
}

/** The start of a period's first bucket: whole hours (24h) or whole UTC days (14d), the last bucket holding now. */
export function periodStart(period: IssueStatsPeriod, now: Date): Date {
  const { bucketMs, buckets } = STATS_PERIODS[period];
  const current = Math.floor(now.getTime() / bucketMs) * bucketMs;
  return new Date(current - (buckets - 1) * bucketMs);
}
