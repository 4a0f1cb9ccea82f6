import type { ErrorEvent, LogEntry, TraceSpan } from "@syntra/contracts";
import type { AppDeps } from "../deps";
import type { IngestTarget } from "../telemetry/ingest-keys";
import { NO_DEPLOYMENT } from "../telemetry/store/rows";
import { attributeDeployment, loadDeployments } from "./event-deployments";
import { type ErrorIngestResult, ingestErrorEvents } from "./ingest";

/** What an app reported in one request: errors, and the spans and log records that came with them. */
export interface Report {
  errors: ErrorEvent[];
  spans: TraceSpan[];
  logs: LogEntry[];
}

/**
 * Stores a report of one service: spans and logs in the telemetry store (with the deployment that was live when
 * they happened, when the sender did not say), then the errors in the issues. The telemetry insert carries
 * `dedupToken` and error events are unique by id, so a sender retrying after a failure stores nothing twice.
 * `ingest` stores the errors (an ErrorIngestQueue's `submit` to share transactions with concurrent requests).
 */
export async function storeReport(
  deps: Pick<AppDeps, "database" | "telemetry" | "now">,
  target: IngestTarget,
  report: Report,
  dedupToken: string,
  ingest: (serviceId: string, events: ErrorEvent[]) => Promise<ErrorIngestResult> = (serviceId, events) =>
    ingestErrorEvents(deps, { serviceId }, events),
): Promise<ErrorIngestResult> {
  if (report.spans.length > 0 || report.logs.length > 0) {
    const attribute = await deploymentAttributor(deps, target.serviceId);
    await deps.telemetry.insert(
      {
        spans: report.spans.map((s) => ({
          ...s,
          service_id: target.serviceId,
          deployment_id: attribute(
            s.deployment_id,
            String(s.attributes["sentry.release"] ?? ""),
            new Date(s.start_time_ns / 1e6),
          ),
          org_id: target.orgId,
        })),
        logs: report.logs.map((l) => ({
          ...l,
          service_id: target.serviceId,
          deployment_id: attribute(
            l.deployment_id,
            String(l.attributes["sentry.release"] ?? ""),
            new Date(l.timestamp),
          ),
          org_id: target.orgId,
        })),
        metrics: [],
      },
      { dedupToken },
    );
  }
  return ingest(target.serviceId, report.errors);
}

/** Picks the deployment of a span or record the way errors are attributed (named, release, live at the time). */
async function deploymentAttributor(
  deps: Pick<AppDeps, "database">,
  serviceId: string,
): Promise<(named: string, release: string, at: Date) => string> {
  const deployments = await deps.database.rawTransaction((tx) => loadDeployments(tx, serviceId, []));
  return (named, release, at) =>
    (named !== NO_DEPLOYMENT && deployments.some((d) => d.id === named)
      ? named
      : attributeDeployment(deployments, { deploymentId: null, release, timestamp: at })?.id) ?? NO_DEPLOYMENT;
}
