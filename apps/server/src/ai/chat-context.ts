import type { AIChatBody } from "@syntra/contracts";
import { and, desc, eq, isNull, or } from "drizzle-orm";
import { deployments, errorGroups, services } from "../db/schema";
import type { AppDeps } from "../deps";
import { getIssueRow } from "../issues/issues";
import type { ProjectScope } from "../projects/projects";
import { getProject } from "../projects/projects";
import { getServiceRow } from "../services/services";
import type { AnalysisContext } from "./analysis-context";
import { loadAnalysisContext } from "./load-context";

/** Deployments and open issues of a service sent at most. */
const MAX_DEPLOYMENTS = 5;
const MAX_ISSUES = 10;

/** What a chat question is about, as the model sees it (redacted before it is sent). */
export interface ChatData {
  /** The issue asked about, with everything an analysis would use, and its stored analysis if any. */
  issue?: AnalysisContext & { storedAnalysis: unknown };
  /** The service asked about: its latest deployments and its open issues. */
  service?: {
    name: string;
    type: string | null;
    deployments: { status: string | null; commit: string | null; message: string | null; createdAt: string }[];
    openIssues: { title: string; events: number; lastSeenAt: string }[];
  };
  /** The project asked about: its services. */
  project?: { name: string; services: { name: string; type: string | null }[] };
}

/** A chat question with the data it is about. */
export interface ChatQuestion {
  message: string;
  data: ChatData;
}

/**
 * The data a chat question names (issue, service, project), each checked to be the organization's (NOT_FOUND
 * otherwise); also the service whose secrets the redactor must know (the issue's or the named service).
 */
export async function loadChatData(
  deps: AppDeps,
  scope: ProjectScope,
  context: AIChatBody["context"],
): Promise<{ data: ChatData; serviceId: string | null }> {
  const data: ChatData = {};
  let serviceId: string | null = null;
  if (context.issue_id) {
    const { issue } = await getIssueRow(deps.db, scope, context.issue_id);
    data.issue = { ...(await loadAnalysisContext(deps, scope, issue.id)), storedAnalysis: issue.aiAnalysis ?? null };
    serviceId = issue.serviceId;
  }
  if (context.service_id) {
    const row = await getServiceRow(deps.db, scope, context.service_id);
    serviceId ??= row.id;
    const [recent, open] = await Promise.all([
      deps.db
        .select()
        .from(deployments)
        .where(eq(deployments.serviceId, row.id))
        .orderBy(desc(deployments.createdAt))
        .limit(MAX_DEPLOYMENTS),
      deps.db
        .select()
        .from(errorGroups)
        .where(
          and(eq(errorGroups.serviceId, row.id), or(eq(errorGroups.status, "unresolved"), isNull(errorGroups.status))),
        )
        .orderBy(desc(errorGroups.lastSeenAt))
        .limit(MAX_ISSUES),
    ]);
    data.service = {
      name: row.name,
      type: row.type,
      deployments: recent.map((d) => ({
        status: d.status,
        commit: d.gitCommitSha,
        message: d.gitCommitMessage,
        createdAt: (d.createdAt ?? new Date(0)).toISOString(),
      })),
      openIssues: open.map((i) => ({
        title: i.title,
        events: i.eventCount ?? 0,
        lastSeenAt: i.lastSeenAt.toISOString(),
      })),
    };
  }
  if (context.project_id) {
    const project = await getProject(deps.db, scope, context.project_id);
    const list = await deps.db
      .select({ name: services.name, type: services.type })
      .from(services)
      .where(eq(services.projectId, project.id));
    data.project = { name: project.name, services: list };
  }
  return { data, serviceId };
}
