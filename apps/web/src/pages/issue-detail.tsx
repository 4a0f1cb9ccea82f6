import type { IssueDeployment, IssueDetail, IssueStatsPeriod } from "@syntra/contracts";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AiAnalysisCard } from "../components/ai-analysis";
import { Breadcrumbs, StackTrace } from "../components/issue-event";
import { PageHeader } from "../components/layout";
import { ErrorNote, QueryView } from "../components/states";
import { Badge } from "../components/ui/badge";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { Select } from "../components/ui/input";
import { useAction } from "../lib/action";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { dateTime, timeAgo } from "../lib/format";
import { useQuery } from "../lib/query";
import { IssueStatusBadge, SeverityBadge } from "./issues";

const shortSha = (sha: string | null) => (sha ? sha.slice(0, 7) : null);

/** "4 min", "2 h", "3 d": how long after a deploy the issue first showed. */
function gap(fromIso: string, toIso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return `${Math.round(hours / 24)} days`;
}

function DeployRef({ d }: { d: IssueDeployment }) {
  return (
    <>
      deploy #{d.number}
      {d.git_commit_sha && (
        <>
          {" "}
          (commit <span className="font-mono">{shortSha(d.git_commit_sha)}</span>
          {d.git_commit_message && ` '${d.git_commit_message.split("\n")[0]}'`})
        </>
      )}
    </>
  );
}

/** "First seen 4 minutes after deploy #12 (commit abc123 'change checkout')", and the deploy before it. */
function FirstSeen({ issue }: { issue: IssueDetail }) {
  const first = issue.first_deployment;
  if (!first)
    return <p className="text-sm text-zinc-500">First seen {dateTime(issue.first_seen_at)}, in no known deployment.</p>;
  return (
    <div className="text-sm" data-testid="first-seen">
      <p>
        First seen <strong>{gap(first.live_at ?? first.created_at, issue.first_seen_at)} after</strong>{" "}
        <DeployRef d={first} />.
      </p>
      {issue.previous_deployment && (
        <p className="text-zinc-500">
          The deployment before it: <DeployRef d={issue.previous_deployment} />, live since{" "}
          {dateTime(issue.previous_deployment.live_at)}.
        </p>
      )}
    </div>
  );
}

function EventChart({ issueId }: { issueId: string }) {
  const [period, setPeriod] = useState<IssueStatsPeriod>("24h");
  const query = useQuery(`issue:${issueId}:histogram:${period}`, () => api.issues.histogram({ issueId, period }));
  const label = (iso: string) =>
    period === "24h"
      ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : new Date(iso).toLocaleDateString([], { month: "short", day: "numeric" });
  const bucketOf = (iso: string, buckets: { timestamp: string }[]) =>
    [...buckets].reverse().find((b) => Date.parse(b.timestamp) <= Date.parse(iso))?.timestamp;
  return (
    <Card>
      <CardHeader className="flex flex-row items-center justify-between">
        <CardTitle className="text-sm">Events</CardTitle>
        <Select
          aria-label="Chart period"
          className="h-8 w-24"
          value={period}
          onChange={(e) => setPeriod(e.target.value as IssueStatsPeriod)}
        >
          <option value="24h">24 h</option>
          <option value="14d">14 d</option>
        </Select>
      </CardHeader>
      <CardContent className="h-52">
        <QueryView query={query}>
          {(h) => (
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={h.buckets.map((b) => ({ t: b.timestamp, count: b.count }))}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="t" tickFormatter={label} fontSize={11} minTickGap={24} />
                <YAxis allowDecimals={false} fontSize={11} width={32} />
                <Tooltip labelFormatter={(v) => dateTime(String(v))} />
                <Bar dataKey="count" name="events" fill="#6366f1" />
                {h.deployments.map((d) => {
                  const x = bucketOf(d.live_at ?? d.created_at, h.buckets);
                  return x ? (
                    <ReferenceLine
                      key={d.id}
                      x={x}
                      stroke="#10b981"
                      strokeDasharray="4 2"
                      label={{ value: `#${d.number}`, position: "top", fontSize: 10, fill: "#10b981" }}
                    />
                  ) : null;
                })}
              </BarChart>
            </ResponsiveContainer>
          )}
        </QueryView>
      </CardContent>
    </Card>
  );
}

function Tags({ issue }: { issue: IssueDetail }) {
  if (issue.tags.length === 0) return <p className="text-sm text-zinc-500">No tags.</p>;
  return (
    <section className="grid gap-3 sm:grid-cols-2" aria-label="Tags">
      {issue.tags.map((tag) => (
        <div key={tag.key} data-tag={tag.key}>
          <p className="text-xs font-medium text-zinc-500">{tag.key}</p>
          {tag.values.map((v) => {
            const pct = Math.round((v.count / Math.max(1, tag.total)) * 100);
            return (
              <div key={v.value} className="relative mt-1 overflow-hidden rounded bg-zinc-100 text-xs dark:bg-zinc-800">
                <div
                  className="absolute inset-y-0 left-0 bg-indigo-200 dark:bg-indigo-900"
                  style={{ width: `${pct}%` }}
                />
                <div className="relative flex justify-between px-2 py-0.5">
                  <span className="truncate">{v.value}</span>
                  <span className="tabular-nums">{pct}%</span>
                </div>
              </div>
            );
          })}
        </div>
      ))}
    </section>
  );
}

/** The newest events; `traceBase` is the service's page under which a trace opens. */
function LatestEvents({ issueId, traceBase }: { issueId: string; traceBase: string }) {
  const query = useQuery(`issue:${issueId}:events`, () => api.issues.events({ issueId, limit: 20 }));
  const [index, setIndex] = useState(0);
  return (
    <QueryView query={query}>
      {(events) => {
        const event = events[Math.min(index, events.length - 1)];
        if (!event) return <p className="text-sm text-zinc-500">No events stored.</p>;
        return (
          <Card>
            <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
              <CardTitle className="text-sm">
                Event {index + 1} of the latest {events.length} · {dateTime(event.timestamp)}
              </CardTitle>
              <div className="flex gap-2">
                <Button size="sm" variant="secondary" disabled={index === 0} onClick={() => setIndex(index - 1)}>
                  Newer
                </Button>
                <Button
                  size="sm"
                  variant="secondary"
                  disabled={index >= events.length - 1}
                  onClick={() => setIndex(index + 1)}
                >
                  Older
                </Button>
              </div>
            </CardHeader>
            <CardContent className="flex flex-col gap-5">
              <div className="flex flex-wrap gap-2 text-xs">
                {event.release && <Badge>release {event.release}</Badge>}
                {event.environment && <Badge>{event.environment}</Badge>}
                {event.handled === false && <Badge tone="red">unhandled</Badge>}
                {event.context?.user && (
                  <Badge tone="blue">user {event.context.user.email ?? event.context.user.id}</Badge>
                )}
                {event.trace_id && (
                  <Link
                    className="text-indigo-600 underline dark:text-indigo-400"
                    to={`${traceBase}/traces/${event.trace_id}`}
                    data-testid="trace-link"
                  >
                    trace {event.trace_id.slice(0, 12)}…
                  </Link>
                )}
              </div>
              <section>
                <h3 className="mb-2 text-sm font-semibold">Stack trace</h3>
                <StackTrace key={event.id} frames={event.stack_trace} />
              </section>
              <section>
                <h3 className="mb-2 text-sm font-semibold">Breadcrumbs</h3>
                <Breadcrumbs crumbs={event.breadcrumbs ?? []} event={event} />
              </section>
            </CardContent>
          </Card>
        );
      }}
    </QueryView>
  );
}

/** /issues/:issueId: what happened, where in the code, since which deploy, how often and to whom. */
export function IssuePage() {
  const { issueId = "" } = useParams();
  const { can } = useAuth();
  const query = useQuery(`issue:${issueId}`, () => api.issues.get({ issueId }));
  const members = useQuery(can("issues:write") ? "members" : null, () => api.org.members());
  const action = useAction();
  const change = (body: { status?: "resolved" | "ignored" | "unresolved"; assigned_to?: string | null }) =>
    action.run(() => api.issues.update({ issueId, ...body }), `issue:${issueId}`, "issues:");
  return (
    <QueryView query={query}>
      {(issue) => (
        <>
          <PageHeader
            title={issue.title}
            description={issue.culprit}
            back={{ to: `/projects/${issue.service.project_id}/issues`, label: "Issues" }}
            actions={
              can("issues:write") && (
                <>
                  {issue.status === "resolved" || issue.status === "ignored" ? (
                    <Button
                      variant="secondary"
                      disabled={action.pending}
                      onClick={() => change({ status: "unresolved" })}
                    >
                      Reopen
                    </Button>
                  ) : (
                    <>
                      <Button disabled={action.pending} onClick={() => change({ status: "resolved" })}>
                        Resolve
                      </Button>
                      <Button
                        variant="secondary"
                        disabled={action.pending}
                        onClick={() => change({ status: "ignored" })}
                      >
                        Ignore
                      </Button>
                    </>
                  )}
                  <Select
                    aria-label="Assignee"
                    className="w-48"
                    value={issue.assigned_to ?? ""}
                    onChange={(e) => change({ assigned_to: e.target.value || null })}
                  >
                    <option value="">Unassigned</option>
                    {(members.data ?? []).map((m) => (
                      <option key={m.user_id} value={m.user_id}>
                        {m.name ?? m.email}
                      </option>
                    ))}
                  </Select>
                </>
              )
            }
          />
          {action.error != null && <ErrorNote className="mb-3" error={action.error} />}
          <div className="mb-4 flex flex-wrap items-center gap-2 text-sm">
            <IssueStatusBadge status={issue.status} />
            <SeverityBadge severity={issue.severity} />
            <span className="text-zinc-500">
              in{" "}
              <Link
                className="underline"
                to={`/projects/${issue.service.project_id}/services/${issue.service.id}/deployments`}
              >
                {issue.service.name}
              </Link>
            </span>
            {issue.status === "regressed" && issue.regressed_at && (
              <span className="text-red-700 dark:text-red-300">regressed {timeAgo(issue.regressed_at)}</span>
            )}
          </div>
          <div className="mb-4 grid gap-3 sm:grid-cols-4">
            {[
              ["Events", issue.event_count.toLocaleString()],
              ["Users affected", issue.user_count.toLocaleString()],
              ["First seen", timeAgo(issue.first_seen_at)],
              ["Last seen", timeAgo(issue.last_seen_at)],
            ].map(([label, value]) => (
              <Card key={label}>
                <CardContent className="pt-4">
                  <p className="text-xs text-zinc-500">{label}</p>
                  <p className="text-xl font-semibold tabular-nums" data-stat={label}>
                    {value}
                  </p>
                </CardContent>
              </Card>
            ))}
          </div>
          <Card className="mb-4">
            <CardContent className="pt-4">
              <FirstSeen issue={issue} />
            </CardContent>
          </Card>
          <AiAnalysisCard
            issueId={issue.id}
            analysis={issue.ai_analysis}
            autoOutcome={issue.ai_auto_outcome}
            canRun={can("issues:write")}
          />
          <div className="mb-4">
            <EventChart issueId={issue.id} />
          </div>
          <div className="grid gap-4 lg:grid-cols-3">
            <div className="lg:col-span-2">
              <LatestEvents
                issueId={issue.id}
                traceBase={`/projects/${issue.service.project_id}/services/${issue.service.id}`}
              />
            </div>
            <Card>
              <CardHeader>
                <CardTitle className="text-sm">Tags</CardTitle>
              </CardHeader>
              <CardContent>
                <Tags issue={issue} />
                <p className="mt-3 text-xs text-zinc-500">Over the newest {issue.tags_sampled_events} events.</p>
              </CardContent>
            </Card>
          </div>
        </>
      )}
    </QueryView>
  );
}
