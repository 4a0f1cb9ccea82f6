import { z } from "zod";
import { idParam } from "../envelope";
import {
  bulkUpdateIssuesBody,
  errorEventItem,
  errorGroup,
  issueDetail,
  issueEventsQuery,
  issueHistogram,
  issueHistogramQuery,
  issueListItem,
  listIssuesQuery,
  updateIssueBody,
} from "../issues";
import { defineApiRoute } from "../route";

const issueParams = idParam("issueId");

/** Issues: errors grouped by fingerprint, listed per project, triaged one by one or in bulk. */
export const issueRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/projects/:projectId/issues",
    summary: "List a project's issues (filter by status, service, time, search; sort; cursor pages)",
    tag: "issues",
    access: { permission: "issues:read" },
    params: idParam("projectId"),
    query: listIssuesQuery,
    response: z.array(issueListItem),
  }),
  get: defineApiRoute({
    method: "GET",
    path: "/api/v1/issues/:issueId",
    summary: "Get an issue with its first-seen deployment, the one before it, and its tags",
    tag: "issues",
    access: { permission: "issues:read" },
    params: issueParams,
    response: issueDetail,
  }),
  update: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/issues/:issueId",
    summary: "Resolve, ignore or reopen an issue, or assign it",
    tag: "issues",
    access: { permission: "issues:write" },
    params: issueParams,
    body: updateIssueBody,
    response: errorGroup,
    errors: ["UNPROCESSABLE"],
  }),
  bulkUpdate: defineApiRoute({
    method: "PATCH",
    path: "/api/v1/issues",
    summary: "Resolve, ignore, reopen or assign up to 100 issues at once (all or nothing)",
    tag: "issues",
    access: { permission: "issues:write" },
    body: bulkUpdateIssuesBody,
    response: z.array(errorGroup),
    // An id in the list that is not one of the organization's issues (all or nothing).
    errors: ["UNPROCESSABLE", "NOT_FOUND"],
  }),
  events: defineApiRoute({
    method: "GET",
    path: "/api/v1/issues/:issueId/events",
    summary: "An issue's events, newest first (cursor pages)",
    tag: "issues",
    access: { permission: "issues:read" },
    params: issueParams,
    query: issueEventsQuery,
    response: z.array(errorEventItem),
  }),
  histogram: defineApiRoute({
    method: "GET",
    path: "/api/v1/issues/:issueId/histogram",
    summary: "An issue's events per hour (24h) or day (14d), with the deployments made in the period",
    tag: "issues",
    access: { permission: "issues:read" },
    params: issueParams,
    query: issueHistogramQuery,
    response: issueHistogram,
  }),
};
