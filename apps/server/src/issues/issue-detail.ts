import type {
  ErrorEventItem,
  IssueDeployment,
  IssueDetail,
  IssueEventsQuery,
  IssueHistogram,
  IssueStatsPeriod,
  IssueTag,
} from "@syntra/contracts";
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { resultRows } from "../db/client";
import { errorEvents, errorStacks } from "../db/schema";
import type { ProjectScope } from "../projects/projects";
import { decodeCursor, encodeCursor } from "./cursor";
import { eventColumns, stackJoin } from "./event-stacks";
import { issueStats, periodStart, STATS_PERIODS } from "./issue-list";
import { getIssueRow } from "./issues";
import { serializeEvent, serializeIssue } from "./serialize";

/** How many of an issue's newest events its tag distribution counts. */
const TAG_SAMPLE_EVENTS = 1000;
/** Values shown per tag, most frequent first. */
const TAG_TOP_VALUES = 10;

/** An issue with its service, deployments (first seen in, the one before, latest) and tag distribution. */
export async function getIssueDetail(db: Db, scope: ProjectScope, issueId: string): Promise<IssueDetail> {
  const { issue, service } = await getIssueRow(db, scope, issueId);
  const ids = [issue.firstDeploymentId, issue.lastDeploymentId].filter((id): id is string => id !== null);
  const refs = await deploymentRefs(db, service.id, ids.length > 0 ? sql`d.id IN (${joinIds(ids)})` : sql`false`);
  const first = refs.find((d) => d.id === issue.firstDeploymentId) ?? null;
  const previous = first
    ? ((
        await deploymentRefs(
          db,
          service.id,
          sql`d.status = 'running' AND d.created_at < ${first.created_at}::timestamptz`,
          1,
        )
      )[0] ?? null)
    : null;
  const tags = await issueTags(db, issue.id);
  return {
    ...serializeIssue(issue),
    service: { id: service.id, name: service.name, project_id: service.projectId },
    first_deployment: first,
    previous_deployment: previous,
    last_deployment: refs.find((d) => d.id === issue.lastDeploymentId) ?? null,
    tags: tags.tags,
    tags_sampled_events: tags.sampled,
  };
}

const joinIds = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );

/**
 * Deployments of a service matching `where` (on alias `d`), newest first, each with its number in the
 * service's history (1 for the first deployment).
 */
export async function deploymentRefs(db: Db, serviceId: string, where: SQL, limit = 100): Promise<IssueDeployment[]> {
  const result = await db.execute(sql`
    SELECT * FROM (
      SELECT id, status, created_at, finished_at, git_commit_sha, git_commit_message, image,
             row_number() OVER (ORDER BY created_at, id)::int AS number
        FROM deployments WHERE service_id = ${serviceId}
    ) d
    WHERE ${where}
    ORDER BY d.created_at DESC
    LIMIT ${limit}`);
  return resultRows<{
    id: string;
    status: string;
    number: number;
    created_at: string | Date;
    finished_at: string | Date | null;
    git_commit_sha: string | null;
    git_commit_message: string | null;
    image: string | null;
  }>(result).map((r) => ({
    id: r.id,
    number: r.number,
    git_commit_sha: r.git_commit_sha,
    git_commit_message: r.git_commit_message,
    image: r.image,
    created_at: new Date(r.created_at).toISOString(),
    live_at: r.status === "running" && r.finished_at ? new Date(r.finished_at).toISOString() : null,
  }));
}

/** Tag keys with their most frequent values over the issue's newest events, plus environment and release. */
async function issueTags(db: Db, issueId: string): Promise<{ tags: IssueTag[]; sampled: number }> {
  const result = await db.execute(sql`
    WITH recent AS (
      SELECT context, environment, release FROM error_events
       WHERE error_group_id = ${issueId} ORDER BY timestamp DESC LIMIT ${TAG_SAMPLE_EVENTS}
    )
    SELECT key, value, count(*)::int AS n, (SELECT count(*)::int FROM recent) AS sampled FROM (
      SELECT t.key, t.value FROM recent, jsonb_each_text(COALESCE(recent.context -> 'tags', '{}'::jsonb)) t
      UNION ALL SELECT 'environment', environment FROM recent WHERE environment IS NOT NULL
      UNION ALL SELECT 'release', release FROM recent WHERE release IS NOT NULL
    ) x
    GROUP BY key, value
    ORDER BY key, n DESC, value`);
  const rows = resultRows<{ key: string; value: string; n: number; sampled: number }>(result);
  const tags = new Map<string, IssueTag>();
  for (const r of rows) {
    const tag = tags.get(r.key) ?? { key: r.key, total: 0, values: [] };
    tag.total += r.n;
    if (tag.values.length < TAG_TOP_VALUES) tag.values.push({ value: r.value, count: r.n });
    tags.set(r.key, tag);
  }
  return { tags: [...tags.values()], sampled: rows[0]?.sampled ?? 0 };
}

/** An issue's events, newest first, a page at a time. */
export async function listIssueEvents(
  db: Db,
  scope: ProjectScope,
  issueId: string,
  query: IssueEventsQuery,
): Promise<{ items: ErrorEventItem[]; cursor: string | undefined }> {
  await getIssueRow(db, scope, issueId);
  const where: SQL[] = [eq(errorEvents.errorGroupId, issueId)];
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    where.push(sql`(${errorEvents.timestamp}, ${errorEvents.id}) < (${new Date(String(c.value))}, ${c.id}::uuid)`);
  }
  const rows = await db
    .select(eventColumns)
    .from(errorEvents)
    .leftJoin(errorStacks, stackJoin)
    .where(and(...where))
    .orderBy(desc(errorEvents.timestamp), desc(errorEvents.id))
    .limit(query.limit);
  const last = rows.at(-1);
  return {
    items: rows.map(serializeEvent),
    cursor:
      rows.length === query.limit && last
        ? encodeCursor({ value: last.timestamp.toISOString(), id: last.id })
        : undefined,
  };
}

/** An issue's events per hour or day of the period, with the service's deployments that went live in it. */
export async function issueHistogram(
  db: Db,
  scope: ProjectScope,
  issueId: string,
  period: IssueStatsPeriod,
  now: Date,
): Promise<IssueHistogram> {
  const { issue } = await getIssueRow(db, scope, issueId);
  const start = periodStart(period, now);
  const { bucketMs, buckets } = STATS_PERIODS[period];
  const counts = (await issueStats(db, [issue.id], period, now)).get(issue.id) ?? new Array(buckets).fill(0);
  const deployments = await deploymentRefs(
    db,
    issue.serviceId,
    sql`d.status = 'running' AND d.finished_at >= ${start.toISOString()}::timestamptz`,
  );
  return {
    period,
    buckets: counts.map((count, i) => ({ timestamp: new Date(start.getTime() + i * bucketMs).toISOString(), count })),
    deployments: deployments.reverse(),
  };
}
