import type { Deployment } from "@syntra/contracts";
import { RotateCcw, XCircle } from "lucide-react";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { Dialog } from "../components/ui/dialog";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { dateTime, duration, short, timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";
import { cn } from "../lib/utils";
import { useService } from "./service";

const ACTIVE = new Set(["queued", "building", "pushing", "deploying"]);

function DeploymentLog({ id }: { id: string }) {
  const query = useQuery(`deployment:${id}`, () => api.deployments.get(id));
  return (
    <QueryView query={query} rows={4}>
      {(d) => (
        <div className="flex flex-col gap-3">
          <div className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
            <div>
              <p className="text-xs text-zinc-500">Status</p>
              <StatusBadge status={d.status} />
            </div>
            <div className="min-w-0">
              <p className="text-xs text-zinc-500">Image</p>
              <p className="truncate font-mono text-xs">{d.image ?? "—"}</p>
            </div>
            <div>
              <p className="text-xs text-zinc-500">Build / deploy</p>
              <p>
                {duration(d.build_duration_ms)} / {duration(d.deploy_duration_ms)}
              </p>
            </div>
            <div>
              <p className="text-xs text-zinc-500">Started</p>
              <p>{dateTime(d.started_at ?? d.created_at)}</p>
            </div>
          </div>
          {d.error_message && <ErrorNote error={new Error(d.error_message)} />}
          {d.build_logs && (
            <pre className="max-h-64 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs text-zinc-200">
              {d.build_logs}
            </pre>
          )}
          <ol
            aria-label="Deploy log"
            className="flex flex-col gap-1 rounded-md bg-zinc-950 p-3 font-mono text-xs text-zinc-200"
          >
            {d.deploy_log.length === 0 && <li className="text-zinc-500">Waiting for the agent…</li>}
            {d.deploy_log.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the log is append-only
              <li key={i} className="flex gap-3">
                <span className="shrink-0 text-zinc-500">{new Date(e.timestamp).toLocaleTimeString()}</span>
                <span className="w-28 shrink-0 text-sky-300">{e.status}</span>
                <span className={cn("break-words", e.error && "text-red-300")}>{e.message}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </QueryView>
  );
}

function RollbackDialog({
  target,
  serviceId,
  onClose,
}: {
  target: Deployment | null;
  serviceId: string;
  onClose(): void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  return (
    <Dialog open={target !== null} onClose={onClose} title="Roll back?">
      {target && (
        <>
          <p className="text-sm">
            Redeploy <span className="font-mono">{target.image}</span> with the settings of deployment{" "}
            <span className="font-mono">{short(target.id)}</span> from {timeAgo(target.created_at)}. The current version
            keeps serving until the new containers are healthy.
          </p>
          {error != null && <ErrorNote error={error} />}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={onClose}>
              Keep current
            </Button>
            <Button
              disabled={pending}
              onClick={async () => {
                setPending(true);
                setError(null);
                try {
                  await api.services.rollback(serviceId, { deployment_id: target.id });
                  invalidate(`service:${serviceId}`);
                  onClose();
                } catch (err) {
                  setError(err);
                } finally {
                  setPending(false);
                }
              }}
            >
              {pending ? "Rolling back…" : "Roll back"}
            </Button>
          </div>
        </>
      )}
    </Dialog>
  );
}

/** The Deployments tab: history with status and durations, the selected one's live log, rollback, cancel. */
export function ServiceDeploymentsPage() {
  const { service } = useService();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const [rollbackTarget, setRollbackTarget] = useState<Deployment | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const query = useQuery(`service:${service.id}:deployments`, () =>
    api.services.deployments(service.id, { limit: 50 }),
  );
  const selected = params.get("d") ?? query.data?.[0]?.id;
  const mayWrite = can("deployments:write");
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
      <Card>
        <CardHeader>
          <CardTitle>History</CardTitle>
        </CardHeader>
        <CardContent>
          {actionError != null && <ErrorNote className="mb-3" error={actionError} />}
          <QueryView query={query}>
            {(list) =>
              list.length === 0 ? (
                <Empty title="Not deployed yet">{mayWrite ? "Press Deploy to run it." : null}</Empty>
              ) : (
                <ul aria-label="Deployments" className="flex flex-col gap-1">
                  {list.map((d) => (
                    <li
                      key={d.id}
                      data-deployment={d.id}
                      className={cn(
                        "flex flex-col gap-2 rounded-md border p-2 sm:flex-row sm:items-center",
                        d.id === selected
                          ? "border-indigo-300 bg-indigo-50/50 dark:border-indigo-800 dark:bg-indigo-950/30"
                          : "border-transparent",
                      )}
                    >
                      <button
                        type="button"
                        className="flex min-w-0 flex-1 items-center gap-3 text-left"
                        aria-current={d.id === selected}
                        onClick={() => setParams({ d: d.id })}
                      >
                        <StatusBadge status={d.status} />
                        <span className="min-w-0">
                          <span className="block truncate font-mono text-xs">
                            {d.git_commit_sha ? short(d.git_commit_sha, 7) : (d.image?.split(":").pop() ?? short(d.id))}
                            {d.id === service.current_deployment_id && " · current"}
                          </span>
                          <span className="block text-xs text-zinc-500">
                            {d.trigger_type} · {timeAgo(d.created_at)} · {duration(d.deploy_duration_ms)}
                            {d.queue_position && ` · #${d.queue_position} in queue`}
                          </span>
                        </span>
                      </button>
                      {mayWrite && d.status === "running" && d.id !== service.current_deployment_id && (
                        <Button size="sm" variant="secondary" onClick={() => setRollbackTarget(d)}>
                          <RotateCcw /> Roll back
                        </Button>
                      )}
                      {mayWrite && ACTIVE.has(d.status) && d.status === "queued" && (
                        <Button
                          size="sm"
                          variant="secondary"
                          onClick={async () => {
                            setActionError(null);
                            try {
                              await api.deployments.cancel(d.id);
                              invalidate(`service:${service.id}`);
                            } catch (err) {
                              setActionError(err);
                            }
                          }}
                        >
                          <XCircle /> Cancel
                        </Button>
                      )}
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryView>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{selected ? `Deployment ${short(selected)}` : "Deployment"}</CardTitle>
        </CardHeader>
        <CardContent>
          {selected ? <DeploymentLog id={selected} /> : <p className="text-sm text-zinc-500">—</p>}
        </CardContent>
      </Card>
      <RollbackDialog target={rollbackTarget} serviceId={service.id} onClose={() => setRollbackTarget(null)} />
    </div>
  );
}
