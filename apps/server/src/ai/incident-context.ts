import type { AlertLabels } from "@syntra/contracts";
import { eq } from "drizzle-orm";
import { alertIncidents, alerts, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { notFound } from "../errors";
import type { ContextMetrics } from "./analysis-context";
import { metricsAround } from "./context-extras";
import { deploymentsIn, issuesSeenIn } from "./service-window";

/** Deployments this long before the incident fired are part of its story. */
const DEPLOYS_BEFORE_MS = 2 * 3_600_000;
/** Issues seen in this window before the incident fired (and a few minutes after) are part of its story. */
const ISSUES_BEFORE_MS = 3_600_000;
const ISSUES_AFTER_MS = 5 * 60_000;
const MAX_DEPLOYS = 5;
const MAX_ISSUES = 8;

/** A deployment of the incident's service that went live shortly before it fired. */
export interface IncidentDeployment {
  id: string;
  status: string;
  commitSha: string | null;
  commitMessage: string | null;
  createdAt: string;
  /** When the deploy finished (went live if its status is running). */
  finishedAt: string | null;
  /** Minutes between finishing (or being created) and the incident firing. */
  minutesBeforeFiring: number;
}

/** An issue of the incident's service seen around the time it fired. */
export interface IncidentIssue {
  title: string;
  culprit: string | null;
  events: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** First seen inside the window: new, not an old issue that goes on happening. */
  isNew: boolean;
  rootCause: string | null;
}

/**
 * What an incident summary is made from: the rule and its condition, the incident (title, message, value,
 * labels, when it fired), and for an incident of one service: its deployments that went live in the two hours
 * before, its issues seen in the hour before, and its requests in the hour before and after the firing.
 */
export interface IncidentContext {
  rule: { name: string; type: string; condition: unknown };
  incident: {
    title: string;
    message: string;
    severity: string;
    status: string;
    value: number | null;
    labels: AlertLabels;
    firedAt: string;
  };
  service: { name: string } | null;
  deployments: IncidentDeployment[];
  issues: IncidentIssue[];
  metrics: ContextMetrics | null;
}

/** The incident's context with its organization and service (for the budget and the redaction). */
export async function loadIncidentContext(
  deps: Pick<AppDeps, "db" | "telemetry">,
  incidentId: string,
): Promise<{ context: IncidentContext; orgId: string; serviceId: string | null }> {
  const [row] = await deps.db
    .select({ incident: alertIncidents, rule: alerts })
    .from(alertIncidents)
    .innerJoin(alerts, eq(alerts.id, alertIncidents.alertId))
    .where(eq(alertIncidents.id, incidentId));
  if (!row) throw notFound("Incident");
  const { incident, rule } = row;
  const labels = incident.labels;
  const fired = incident.firedAt;
  const [service] = labels.service_id
    ? await deps.db
        .select({ id: services.id, name: services.name })
        .from(services)
        .where(eq(services.id, labels.service_id))
    : [];
  const context: IncidentContext = {
    rule: { name: rule.name, type: rule.type, condition: rule.condition },
    incident: {
      title: incident.title,
      message: incident.message,
      severity: incident.severity,
      status: incident.status ?? "firing",
      value: incident.value,
      labels,
      firedAt: fired.toISOString(),
    },
    service: service ? { name: service.name } : null,
    deployments: [],
    issues: [],
    metrics: null,
  };
  if (service) {
    const scope = { orgId: rule.orgId, serviceId: service.id };
    [context.deployments, context.issues, context.metrics] = await Promise.all([
      deploymentsBefore(deps, service.id, fired),
      issuesAround(deps, service.id, fired),
      metricsAround(deps.telemetry, scope, fired),
    ]);
  }
  return { context, orgId: rule.orgId, serviceId: service?.id ?? null };
}

async function deploymentsBefore(
  deps: Pick<AppDeps, "db">,
  serviceId: string,
  fired: Date,
): Promise<IncidentDeployment[]> {
  const rows = await deploymentsIn(
    deps,
    serviceId,
    { from: new Date(fired.getTime() - DEPLOYS_BEFORE_MS), to: fired },
    MAX_DEPLOYS,
  );
  return rows.map((d) => {
    const at = d.finishedAt ?? d.createdAt ?? fired;
    return {
      id: d.id,
      status: d.status ?? "unknown",
      commitSha: d.gitCommitSha,
      commitMessage: d.gitCommitMessage,
      createdAt: (d.createdAt ?? fired).toISOString(),
      finishedAt: d.finishedAt?.toISOString() ?? null,
      minutesBeforeFiring: Math.round((fired.getTime() - at.getTime()) / 60_000),
    };
  });
}

async function issuesAround(deps: Pick<AppDeps, "db">, serviceId: string, fired: Date): Promise<IncidentIssue[]> {
  const from = new Date(fired.getTime() - ISSUES_BEFORE_MS);
  const rows = await issuesSeenIn(
    deps,
    serviceId,
    { from, to: new Date(fired.getTime() + ISSUES_AFTER_MS) },
    MAX_ISSUES,
  );
  return rows.map((g) => ({
    title: g.title,
    culprit: g.culprit,
    events: g.eventCount ?? 0,
    firstSeenAt: g.firstSeenAt.toISOString(),
    lastSeenAt: g.lastSeenAt.toISOString(),
    isNew: g.firstSeenAt >= from,
    rootCause:
      typeof (g.aiAnalysis as { root_cause?: unknown } | null)?.root_cause === "string"
        ? (g.aiAnalysis as { root_cause: string }).root_cause
        : null,
  }));
}
