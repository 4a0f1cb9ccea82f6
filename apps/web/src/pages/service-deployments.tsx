import type { Deployment } from "@syntra/contracts";
import { RotateCcw } from "lucide-react";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { Empty, ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button } from "../components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "../components/ui/card";
import { Dialog } from "../components/ui/dialog";
import { api } from "../lib/api";
import { useAuth } from "../lib/auth";
import { duration, short, timeAgo } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";
import { cn } from "../lib/utils";
import { CANCELLABLE, CancelButton, DeploymentView } from "./deployment-view";
import { useService } from "./service";

/** Trigger, age, build and deploy durations, queue place: the second line of a history row. */
function rowFacts(d: Deployment): string {
  return [
    d.trigger_type.replace("_", " "),
    timeAgo(d.created_at),
    d.build_duration_ms !== null && `build ${duration(d.build_duration_ms)}`,
    d.deploy_duration_ms !== null && `deploy ${duration(d.deploy_duration_ms)}`,
    d.queue_position && `#${d.queue_position} in queue`,
  ]
    .filter(Boolean)
    .join(" · ");
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
                  await api.services.rollback({ serviceId, deployment_id: target.id });
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
    api.services.deployments({ serviceId: service.id, limit: 50 }),
  );
  const selected = params.get("d") ?? query.data?.[0]?.id;
  const mayWrite = can("deployments:write");
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
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
                          <span className="block truncate text-xs">
                            <span className="font-mono">
                              {d.git_commit_sha
                                ? short(d.git_commit_sha, 7)
                                : (d.image?.split(":").pop() ?? short(d.id))}
                            </span>
                            {d.id === service.current_deployment_id && " · current"}
                            {d.git_commit_message && (
                              <span className="text-zinc-600 dark:text-zinc-400">
                                {" "}
                                {d.git_commit_message.split("\n")[0]}
                              </span>
                            )}
                          </span>
                          <span className="block text-xs text-zinc-500">{rowFacts(d)}</span>
                        </span>
                      </button>
                      {mayWrite && d.status === "running" && d.id !== service.current_deployment_id && (
                        <Button size="sm" variant="secondary" onClick={() => setRollbackTarget(d)}>
                          <RotateCcw /> Roll back
                        </Button>
                      )}
                      {mayWrite && CANCELLABLE.has(d.status) && (
                        <CancelButton deploymentId={d.id} serviceId={service.id} onError={setActionError} />
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
          {selected ? (
            <DeploymentView key={selected} id={selected} mayCancel={mayWrite} />
          ) : (
            <p className="text-sm text-zinc-500">—</p>
          )}
        </CardContent>
      </Card>
      <RollbackDialog target={rollbackTarget} serviceId={service.id} onClose={() => setRollbackTarget(null)} />
    </div>
  );
}
