import type { IssueListItem, IssueStatsPeriod, ListIssuesQuery } from "@syntra/contracts";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { PageHeader } from "../components/layout";
import { Sparkline } from "../components/sparkline";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent } from "../components/ui/card";
import { Input, Select } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";

const STATUS_TABS: { value: ListIssuesQuery["status"] | "all"; label: string }[] = [
  { value: "unresolved", label: "Unresolved" },
  { value: "resolved", label: "Resolved" },
  { value: "ignored", label: "Ignored" },
  { value: "all", label: "All" },
];

const SORTS: { value: ListIssuesQuery["sort"]; label: string }[] = [
  { value: "last_seen", label: "Last seen" },
  { value: "first_seen", label: "First seen" },
  { value: "events", label: "Events" },
  { value: "users", label: "Users" },
];

const SEVERITY_TONES = { critical: "red", high: "amber", medium: "blue", low: "neutral" } as const;
const STATUS_TONES = { unresolved: "neutral", regressed: "red", resolved: "green", ignored: "neutral" } as const;

/** An issue's status as a badge: regressed stands out. */
export function IssueStatusBadge({ status }: { status: IssueListItem["status"] }) {
  return (
    <Badge tone={STATUS_TONES[status]} data-status={status}>
      {status}
    </Badge>
  );
}

/** An issue's severity as a badge. */
export function SeverityBadge({ severity }: { severity: IssueListItem["severity"] }) {
  return <Badge tone={SEVERITY_TONES[severity]}>{severity}</Badge>;
}

/** /projects/:projectId/issues: the project's issues, filtered, searched, sorted, triaged in bulk. */
export function ProjectIssuesPage() {
  const { projectId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const { can } = useAuth();
  const status = (params.get("status") ?? "unresolved") as (typeof STATUS_TABS)[number]["value"];
  const sort = (params.get("sort") ?? "last_seen") as ListIssuesQuery["sort"];
  const period = (params.get("period") ?? "24h") as IssueStatsPeriod;
  const serviceId = params.get("service") ?? "";
  const search = params.get("q") ?? "";
  const [draft, setDraft] = useState(search);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const action = useAction();
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
    setSelected(new Set());
  };

  const key = `issues:${projectId}:${status}:${sort}:${period}:${serviceId}:${search}`;
  const query = useQuery(key, () =>
    api.issues.list({
      projectId,
      ...(status !== "all" && { status }),
      sort,
      stats_period: period,
      limit: 100,
      ...(serviceId && { service_id: serviceId }),
      ...(search && { query: search }),
    }),
  );
  const project = useQuery(`project:${projectId}`, async () => {
    const [p, services] = await Promise.all([
      api.projects.get({ projectId }),
      api.services.list({ project_id: projectId }),
    ]);
    return { project: p, services };
  });
  const members = useQuery(can("issues:write") ? "members" : null, () => api.org.members());

  const bulk = (change: { status?: "resolved" | "ignored" | "unresolved"; assigned_to?: string | null }) =>
    action.run(async () => {
      await api.issues.bulkUpdate({ ids: [...selected], ...change });
      setSelected(new Set());
    }, `issues:${projectId}`);

  return (
    <>
      <PageHeader
        title="Issues"
        description={project.data ? `Errors of ${project.data.project.name}, grouped` : undefined}
        back={{ to: `/projects/${projectId}/overview`, label: "Project" }}
      />
      <div className="mb-4 flex flex-wrap items-center gap-2">
        <div role="tablist" aria-label="Status" className="flex rounded-md border border-zinc-300 dark:border-zinc-700">
          {STATUS_TABS.map((tab) => (
            <button
              key={tab.value}
              type="button"
              role="tab"
              aria-selected={status === tab.value}
              className={`px-3 py-1.5 text-sm ${status === tab.value ? "bg-indigo-600 text-white" : "hover:bg-zinc-100 dark:hover:bg-zinc-800"}`}
              onClick={() => set("status", tab.value === "unresolved" ? "" : (tab.value ?? ""))}
            >
              {tab.label}
            </button>
          ))}
        </div>
        <form
          className="flex-1"
          onSubmit={(e) => {
            e.preventDefault();
            set("q", draft.trim());
          }}
        >
          <Input
            aria-label="Search issues"
            placeholder="Search title, type or culprit, then Enter"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
        </form>
        <Select
          aria-label="Service"
          value={serviceId}
          onChange={(e) => set("service", e.target.value)}
          className="w-40"
        >
          <option value="">All services</option>
          {(project.data?.services ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </Select>
        <Select aria-label="Sort" value={sort} onChange={(e) => set("sort", e.target.value)} className="w-36">
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </Select>
        <Select aria-label="Period" value={period} onChange={(e) => set("period", e.target.value)} className="w-24">
          <option value="24h">24 h</option>
          <option value="14d">14 d</option>
        </Select>
      </div>
      {action.error != null && <ErrorNote className="mb-3" error={action.error} />}
      {can("issues:write") && selected.size > 0 && (
        <div className="mb-3 flex flex-wrap items-center gap-2 rounded-md border border-indigo-200 bg-indigo-50 p-2 text-sm dark:border-indigo-900 dark:bg-indigo-950/40">
          <span className="px-1">{selected.size} selected</span>
          <Button size="sm" disabled={action.pending} onClick={() => bulk({ status: "resolved" })}>
            Resolve
          </Button>
          <Button size="sm" variant="secondary" disabled={action.pending} onClick={() => bulk({ status: "ignored" })}>
            Ignore
          </Button>
          <Button
            size="sm"
            variant="secondary"
            disabled={action.pending}
            onClick={() => bulk({ status: "unresolved" })}
          >
            Reopen
          </Button>
          <Select
            aria-label="Assign selected"
            className="h-8 w-48"
            value=""
            onChange={(e) => bulk({ assigned_to: e.target.value === "none" ? null : e.target.value })}
          >
            <option value="">Assign to…</option>
            <option value="none">Nobody</option>
            {(members.data ?? []).map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {m.name ?? m.email}
              </option>
            ))}
          </Select>
        </div>
      )}
      <QueryView query={query}>
        {(issues) =>
          issues.length === 0 ? (
            <Empty title={search ? "No issue matches" : "No issues"}>
              Errors reported by the project's services appear here, grouped by fingerprint. Point a Sentry SDK at a
              service's DSN (its settings show it) or send OpenTelemetry exceptions.
            </Empty>
          ) : (
            <Card>
              <CardContent className="p-0">
                <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Issues">
                  {issues.map((issue) => (
                    <IssueRow
                      key={issue.id}
                      issue={issue}
                      period={period}
                      assignee={members.data?.find((m) => m.user_id === issue.assigned_to)}
                      selectable={can("issues:write")}
                      selected={selected.has(issue.id)}
                      onSelect={(on) => {
                        const next = new Set(selected);
                        if (on) next.add(issue.id);
                        else next.delete(issue.id);
                        setSelected(next);
                      }}
                    />
                  ))}
                </ul>
              </CardContent>
            </Card>
          )
        }
      </QueryView>
    </>
  );
}

function IssueRow({
  issue,
  period,
  assignee,
  selectable,
  selected,
  onSelect,
}: {
  issue: IssueListItem;
  period: IssueStatsPeriod;
  assignee: { name: string | null; email: string } | undefined;
  selectable: boolean;
  selected: boolean;
  onSelect(on: boolean): void;
}) {
  return (
    <li className="flex items-center gap-3 px-4 py-3" data-issue={issue.id}>
      {selectable && (
        <input
          type="checkbox"
          aria-label={`Select ${issue.title}`}
          checked={selected}
          onChange={(e) => onSelect(e.target.checked)}
          className="size-4"
        />
      )}
      <div className="min-w-0 flex-1">
        <Link to={`/issues/${issue.id}`} className="block truncate font-medium hover:underline">
          {issue.title}
        </Link>
        <p className="truncate text-xs text-zinc-500">
          {issue.culprit ?? "no stack"} · {issue.service_name} · first seen {timeAgo(issue.first_seen_at)}
          {assignee && ` · assigned to ${assignee.name ?? assignee.email}`}
        </p>
      </div>
      <div className="hidden items-center gap-2 sm:flex">
        <IssueStatusBadge status={issue.status} />
        <SeverityBadge severity={issue.severity} />
      </div>
      <Sparkline counts={issue.stats} label={`Events per ${period === "24h" ? "hour" : "day"}`} />
      <div className="w-20 text-right text-sm tabular-nums" title="Events">
        {issue.event_count.toLocaleString()}
      </div>
      <div className="hidden w-16 text-right text-sm tabular-nums text-zinc-500 md:block" title="Users">
        {issue.user_count.toLocaleString()} users
      </div>
      <div className="hidden w-24 text-right text-xs text-zinc-500 lg:block">{timeAgo(issue.last_seen_at)}</div>
    </li>
  );
}
