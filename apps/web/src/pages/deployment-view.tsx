import type { DeploymentRecordStatus } from "@syntra/contracts";
import { XCircle } from "lucide-react";
import { type ReactNode, useState } from "react";
import { DockerfileOffer, failedWithoutDockerfile } from "../components/dockerfile-offer";
import { LogBox } from "../components/log-box";
import { ErrorNote, QueryView } from "../components/states";
import { StatusBadge } from "../components/status";
import { Button } from "../components/ui/button";
import { api } from "../lib/api";
import { useDeploymentLog } from "../lib/deployment-log";
import { dateTime, duration, short } from "../lib/format";
import { invalidate, useQuery } from "../lib/query";
import { cn } from "../lib/utils";

/** Statuses a deployment can be cancelled in: waiting, or being built (the build is stopped). */
export const CANCELLABLE: ReadonlySet<string> = new Set<DeploymentRecordStatus>(["queued", "building", "pushing"]);

/** Cancels a queued or building deployment; a refusal (it started deploying meanwhile) goes to `onError`. */
export function CancelButton({
  deploymentId,
  serviceId,
  label = "Cancel",
  onError,
}: {
  deploymentId: string;
  serviceId: string;
  label?: string;
  onError(err: unknown): void;
}) {
  const [pending, setPending] = useState(false);
  return (
    <Button
      size="sm"
      variant="secondary"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        onError(null);
        try {
          await api.deployments.cancel({ deploymentId });
          invalidate(`service:${serviceId}`, `deployment:${deploymentId}`);
        } catch (err) {
          onError(err);
        } finally {
          setPending(false);
        }
      }}
    >
      <XCircle /> {pending ? "Cancelling…" : label}
    </Button>
  );
}

function Fact({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  return (
    <div className={cn("min-w-0", className)}>
      <p className="text-xs text-zinc-500">{label}</p>
      {children}
    </div>
  );
}

const STREAM_STATE = {
  connecting: "connecting…",
  live: "live",
  ended: "complete",
  error: "could not be streamed; showing what is stored",
} as const;

/**
 * One deployment: its facts, the build log streamed live (for builds from git), the Dockerfile Syntra wrote
 * when it detected the stack, and the deploy steps the agent reported; Cancel while it waits or builds; "Generate a
 * Dockerfile" when a build without a usable Dockerfile failed.
 */
export function DeploymentView({ id, mayCancel }: { id: string; mayCancel: boolean }) {
  // mayCancel is the deployments:write permission: the same members (developers and up) may generate a Dockerfile.
  const query = useQuery(`deployment:${id}`, () => api.deployments.get({ deploymentId: id }));
  const log = useDeploymentLog(id);
  const [cancelError, setCancelError] = useState<unknown>(null);
  return (
    <QueryView query={query} rows={4}>
      {(d) => {
        const status = log.status ?? d.status;
        // A stream that was refused leaves what the detail holds, as it was when loaded.
        const stored = log.state === "error";
        const buildText = stored ? (d.build_logs ?? "") : log.build;
        const steps = stored ? d.deploy_log : log.deploy;
        return (
          <div className="flex flex-col gap-3">
            <div className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
              <Fact label="Status">
                <span data-testid="deployment-status">
                  <StatusBadge status={status} />
                </span>
              </Fact>
              {d.git_commit_sha ? (
                <Fact label="Commit">
                  <p className="truncate font-mono text-xs" title={d.git_commit_sha} data-testid="commit-sha">
                    {short(d.git_commit_sha, 7)}
                    {d.git_branch && <span className="text-zinc-500"> on {d.git_branch}</span>}
                  </p>
                </Fact>
              ) : (
                <Fact label={d.build_spec ? "Ref" : "Image"}>
                  <p className="truncate font-mono text-xs" title={d.image ?? undefined}>
                    {d.build_spec ? d.build_spec.ref : (d.image ?? "—")}
                  </p>
                </Fact>
              )}
              <Fact label={d.build_spec ? "Build / deploy" : "Deploy"}>
                <p>
                  {d.build_spec && `${duration(d.build_duration_ms)} / `}
                  {duration(d.deploy_duration_ms)}
                </p>
              </Fact>
              <Fact label="Started">
                <p>{dateTime(d.started_at ?? d.created_at)}</p>
              </Fact>
            </div>
            {d.git_commit_message && (
              <p className="truncate text-sm" title={d.git_commit_message} data-testid="commit-message">
                {d.git_commit_message.split("\n")[0]}
              </p>
            )}
            {mayCancel && CANCELLABLE.has(status) && (
              <div>
                <CancelButton
                  deploymentId={d.id}
                  serviceId={d.service_id}
                  label={status === "queued" ? "Cancel" : "Cancel build"}
                  onError={setCancelError}
                />
              </div>
            )}
            {cancelError != null && <ErrorNote error={cancelError} />}
            {d.error_message && (
              // The code (BUILD_FAILED, HEALTH_CHECK_FAILED ...) is what to search the docs and the logs for.
              <ErrorNote error={new Error(d.error_code ? `${d.error_message} (${d.error_code})` : d.error_message)} />
            )}
            {mayCancel && status === "failed" && d.build_spec && failedWithoutDockerfile(d.error_code, buildText) && (
              <DockerfileOffer
                serviceId={d.service_id}
                repoUrl={d.build_spec.repo_url}
                branch={d.build_spec.branch}
                dockerfilePath={d.build_spec.dockerfile_path}
              />
            )}
            {d.build_spec && (
              <LogBox
                label="Build log"
                text={buildText}
                status={STREAM_STATE[log.state]}
                placeholder={status === "queued" ? "Waiting for a build slot…" : "No build output yet."}
              />
            )}
            {d.generated_dockerfile && (
              <details className="rounded-md border border-zinc-200 dark:border-zinc-800">
                <summary className="cursor-pointer px-3 py-2 text-sm font-medium">
                  Generated Dockerfile (stack detected; add your own Dockerfile to the repository to replace it)
                </summary>
                <pre
                  data-testid="generated-dockerfile"
                  className="overflow-x-auto border-t border-zinc-200 bg-zinc-50 p-3 font-mono text-xs dark:border-zinc-800 dark:bg-zinc-950"
                >
                  {d.generated_dockerfile}
                </pre>
              </details>
            )}
            <ol
              aria-label="Deploy log"
              className="flex flex-col gap-1 rounded-md bg-zinc-950 p-3 font-mono text-xs text-zinc-200"
            >
              {steps.length === 0 && (
                <li className="text-zinc-500">
                  {d.build_spec && ["queued", "building", "pushing"].includes(status)
                    ? "The deploy starts once the image is built."
                    : "Waiting for the agent…"}
                </li>
              )}
              {steps.map((e, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the log is append-only
                <li key={i} className="flex gap-3">
                  <span className="shrink-0 text-zinc-500">{new Date(e.timestamp).toLocaleTimeString()}</span>
                  <span className="w-28 shrink-0 text-sky-300">{e.status}</span>
                  <span className={cn("min-w-0 wrap-anywhere", e.error && "text-red-300")}>{e.message}</span>
                </li>
              ))}
            </ol>
            <p className="text-xs text-zinc-500">Deployment {short(d.id)}</p>
          </div>
        );
      }}
    </QueryView>
  );
}
