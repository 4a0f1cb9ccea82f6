import type { IssueListItem, UserIssueStatus } from "@syntra/contracts";
import { CliError, EXIT } from "../exit-codes";
import { ago, statusText } from "../format";
import { resolveService } from "../resolve";
import { type GlobalOptions, openSession, type Session } from "../session";

interface ListOptions extends GlobalOptions {
  project?: string;
  status?: "unresolved" | "resolved" | "ignored" | "regressed";
  search?: string;
  limit?: string;
}

/** The projects (and service) a list covers: the service's, the named project, the linked one, or all. */
async function scope(session: Session, wanted: string | undefined, project: string | undefined) {
  if (wanted !== undefined || (session.link && project === undefined)) {
    const service = await resolveService(session, wanted);
    return { projectIds: [service.project.id], serviceId: service.id as string | undefined };
  }
  const projects = await session.api.projects.list();
  if (project === undefined) return { projectIds: projects.map((p) => p.id), serviceId: undefined };
  const match = projects.find((p) => p.id === project || p.slug === project || p.name === project);
  if (!match) throw new CliError(`No project '${project}'`, EXIT.notFound, "syn projects list shows them");
  return { projectIds: [match.id], serviceId: undefined };
}

/**
 * `syn issues list [service]`: issues (errors grouped by fingerprint), newest seen first; unresolved ones (with
 * regressions) unless `--status` says otherwise.
 */
export async function listIssues(wanted: string | undefined, opts: ListOptions): Promise<void> {
  const limit = opts.limit === undefined ? 25 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new CliError("--limit takes 1 to 100", EXIT.usage);
  const session = await openSession(opts);
  const { projectIds, serviceId } = await scope(session, wanted, opts.project);
  const lists = await Promise.all(
    projectIds.map((projectId) =>
      session.api.issues.list({
        projectId,
        status: opts.status ?? "unresolved",
        limit,
        ...(serviceId !== undefined && { service_id: serviceId }),
        ...(opts.search !== undefined && { query: opts.search }),
      }),
    ),
  );
  const issues: IssueListItem[] = lists
    .flat()
    .sort((a, b) => Date.parse(b.last_seen_at) - Date.parse(a.last_seen_at))
    .slice(0, limit);
  const { out } = session;
  out.result(issues, () => {
    if (issues.length === 0) return out.print(out.paint.dim("No issues"));
    out.table(
      ["ISSUE", "STATUS", "EVENTS", "USERS", "LAST SEEN", "SERVICE", "TITLE"],
      issues.map((i) => [
        i.id,
        statusText(out.paint, i.status === "unresolved" ? "unresolved" : i.status),
        String(i.event_count),
        String(i.user_count),
        ago(i.last_seen_at),
        i.service_name,
        i.title.length > 70 ? `${i.title.slice(0, 69)}…` : i.title,
      ]),
    );
  });
}

/** `syn issues show <issue>`: the issue with where it points, when it first appeared, and its tags. */
export async function showIssue(issueId: string, opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const issue = await session.api.issues.get({ issueId });
  const { out } = session;
  out.result(issue, () => {
    out.print(`${out.paint.bold(issue.title)}  ${out.paint.dim(issue.id)}`);
    out.print(`Status:     ${statusText(out.paint, issue.status)} (${issue.severity})`);
    if (issue.culprit) out.print(`Culprit:    ${issue.culprit}`);
    out.print(`Service:    ${issue.service.name}`);
    out.print(`Events:     ${issue.event_count}, users ${issue.user_count}`);
    out.print(`Seen:       first ${ago(issue.first_seen_at)}, last ${ago(issue.last_seen_at)}`);
    const first = issue.first_deployment;
    if (first) out.print(`First seen in deployment ${first.id}`);
    for (const tag of issue.tags.slice(0, 5)) {
      out.print(`Tag ${tag.key}: ${tag.values.map((v) => `${v.value} (${v.count})`).join(", ")}`);
    }
  });
}

/** `syn issues resolve|ignore|reopen <issue...>`: all of them or none (the API's bulk change). */
export async function setIssueStatus(status: UserIssueStatus, ids: string[], opts: GlobalOptions): Promise<void> {
  const session = await openSession(opts);
  const changed = await session.api.issues.bulkUpdate({ ids, status });
  const { out } = session;
  const verb = { resolved: "Resolved", ignored: "Ignored", unresolved: "Reopened" }[status];
  out.result(changed, () => {
    for (const issue of changed) out.print(`${verb} ${issue.id} ${out.paint.dim(issue.title)}`);
  });
}
