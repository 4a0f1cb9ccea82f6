import type { Deployment, DeploymentDetail, DeploymentLogStreamEvent } from "@syntra/contracts";
import { CliError, EXIT } from "../exit-codes";
import { statusText } from "../format";
import { resolveService, serviceLabel } from "../resolve";
import { type GlobalOptions, openSession, type Session } from "../session";

const FINAL = new Set(["running", "failed", "rolled_back", "cancelled"]);

interface DeployOptions extends GlobalOptions {
  detach?: boolean;
  ref?: string;
  tag?: string;
  strategy?: "rolling" | "blue_green" | "instant";
}

/**
 * `syn deploy [service]`: starts a deployment and, unless `--detach`, streams its build log and deploy progress
 * live until it ends. Exits 0 only when it runs; 6 when it failed, was rolled back or cancelled.
 */
export async function deploy(wanted: string | undefined, opts: DeployOptions): Promise<void> {
  const session = await openSession(opts);
  const service = await resolveService(session, wanted);
  const started = await session.api.services.deploy({
    serviceId: service.id,
    ...(opts.ref !== undefined && { git_ref: opts.ref }),
    ...(opts.tag !== undefined && { image_tag: opts.tag }),
    ...(opts.strategy !== undefined && { strategy: opts.strategy }),
  });
  session.out.note(`Deploying ${serviceLabel(service)}: deployment ${started.id}`);
  await followOrDetach(session, started, opts.detach === true);
}

/**
 * `syn rollback <service> [deployment]`: redeploys an earlier deployment's image and settings (by default the
 * newest one before the current that ran), followed like a deploy.
 */
export async function rollback(
  wanted: string | undefined,
  target: string | undefined,
  opts: DeployOptions,
): Promise<void> {
  const session = await openSession(opts);
  const service = await resolveService(session, wanted);
  let deploymentId = target;
  if (!deploymentId) {
    const history = await session.api.services.deployments({ serviceId: service.id, limit: 100 });
    const previous = history.find((d) => d.id !== service.current_deployment_id && d.status === "running");
    if (!previous) {
      throw new CliError(
        `${serviceLabel(service)} has no earlier deployment that ran`,
        EXIT.notFound,
        "Name one: syn services show lists them",
      );
    }
    deploymentId = previous.id;
  }
  const started = await session.api.services.rollback({ serviceId: service.id, deployment_id: deploymentId });
  session.out.note(`Rolling ${serviceLabel(service)} back to ${deploymentId}: deployment ${started.id}`);
  await followOrDetach(session, started, opts.detach === true);
}

async function followOrDetach(session: Session, started: Deployment, detach: boolean): Promise<void> {
  const { out } = session;
  if (detach) {
    out.result(started, () => out.print(started.id));
    return;
  }
  const final = await follow(session, started.id);
  out.result(final, () => {
    const how = statusText(out.paint, final.status);
    const why = final.error_message
      ? `: ${final.error_message}${final.error_code ? ` (${final.error_code})` : ""}`
      : "";
    out.print(
      `${final.status === "running" ? out.paint.green("✓") : out.paint.red("✗")} Deployment ${final.id} ${how}${why}`,
    );
  });
  if (final.status !== "running") process.exitCode = EXIT.deployFailed;
}

/**
 * Streams a deployment's log until it ends, and answers the finished deployment. The stream replays from the
 * start on every connection, so after a dropped connection what was shown already is skipped.
 */
export async function follow(session: Session, deploymentId: string): Promise<DeploymentDetail> {
  const { out } = session;
  // Logs go to stdout for people; with --json stdout holds the result alone, so they go to stderr.
  const show = (text: string) => (out.json ? process.stderr.write(text) : out.write(text));
  let shownBuild = 0;
  let shownDeploy = 0;
  const progress = out.progress("Waiting for the deployment to start…");
  try {
    for (let attempt = 0; ; attempt++) {
      let build = 0;
      let deploySteps = 0;
      let ended = false;
      const onEvent = (event: DeploymentLogStreamEvent) => {
        switch (event.type) {
          case "build": {
            const start = build;
            build += event.text.length;
            if (build <= shownBuild) return;
            progress.update("Building…");
            show(event.text.slice(Math.max(0, shownBuild - start)));
            shownBuild = build;
            return;
          }
          case "deploy": {
            if (++deploySteps <= shownDeploy) return;
            shownDeploy = deploySteps;
            const e = event.entry;
            progress.update(`${e.phase}: ${e.message}`);
            const error = e.error ? ` ${out.paint.red(`(${e.error.code}: ${e.error.message})`)}` : "";
            show(`${out.paint.dim(`[${e.phase} ${Math.round(e.progress_percent)}%]`)} ${e.message}${error}\n`);
            return;
          }
          case "status":
            progress.update(`Deployment ${event.status}…`);
            return;
          case "end":
            ended = true;
            return;
          default: {
            const unknown: never = event;
            return unknown;
          }
        }
      };
      try {
        await session.api.deployments.logStream({ deploymentId }, onEvent);
      } catch (err) {
        if (attempt >= 5) throw err;
      }
      const detail = await session.api.deployments.get({ deploymentId });
      if (ended || FINAL.has(detail.status)) return detail;
      if (attempt >= 20) throw new CliError("The deployment's log stream keeps closing early", EXIT.network);
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    progress.done();
  }
}
