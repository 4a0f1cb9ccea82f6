import {
  bulkUpdateIssuesBody,
  errorEventItem,
  errorGroup,
  idParam,
  issueDetail,
  issueEventsQuery,
  issueHistogram,
  issueHistogramQuery,
  issueListItem,
  listIssuesQuery,
  updateIssueBody,
} from "@syntra/contracts";
import { z } from "zod";
import { defineRoute } from "../http/route";
import { projectScope } from "../projects/routes";
import { getIssueDetail, issueHistogram as histogramOf, listIssueEvents } from "./issue-detail";
import { listIssues } from "./issue-list";
import { bulkUpdateIssues, updateIssue } from "./issues";

const issueParams = idParam("issueId");

const list = defineRoute({
  method: "GET",
  url: "/api/v1/projects/:projectId/issues",
  summary: "List a project's issues (filter by status, service, time, search; sort; cursor pages)",
  tag: "issues",
  access: { permission: "issues:read" },
  params: idParam("projectId"),
  query: listIssuesQuery,
  response: z.array(issueListItem),
  handler: async ({ auth, deps, params, query, setMeta }) => {
    const page = await listIssues(deps.db, projectScope(auth), params.projectId, query, deps.now());
    if (page.cursor) setMeta({ cursor: page.cursor });
    return page.items;
  },
});

const get = defineRoute({
  method: "GET",
  url: "/api/v1/issues/:issueId",
  summary: "Get an issue with its first-seen deployment, the one before it, and its tags",
  tag: "issues",
  access: { permission: "issues:read" },
  params: issueParams,
  response: issueDetail,
  handler: async ({ auth, deps, params }) => getIssueDetail(deps.db, projectScope(auth), params.issueId),
});

const update = defineRoute({
  method: "PATCH",
  url: "/api/v1/issues/:issueId",
  summary: "Resolve, ignore or reopen an issue, or assign it",
  tag: "issues",
  access: { permission: "issues:write" },
  params: issueParams,
  body: updateIssueBody,
  response: errorGroup,
  audit: { action: "issue.update", resourceType: "issue" },
  handler: async ({ auth, deps, params, body, audit }) => {
    const issue = await updateIssue(deps.db, projectScope(auth), params.issueId, body, deps.now());
    audit({ resourceId: issue.id, details: { ...body } });
    return issue;
  },
});

const bulkUpdate = defineRoute({
  method: "PATCH",
  url: "/api/v1/issues",
  summary: "Resolve, ignore, reopen or assign up to 100 issues at once (all or nothing)",
  tag: "issues",
  access: { permission: "issues:write" },
  body: bulkUpdateIssuesBody,
  response: z.array(errorGroup),
  audit: { action: "issue.bulk_update", resourceType: "issue" },
  handler: async ({ auth, deps, body, audit }) => {
    const issues = await bulkUpdateIssues(deps.db, projectScope(auth), body, deps.now());
    const { ids, ...change } = body;
    audit({ details: { ids, ...change } });
    return issues;
  },
});

const events = defineRoute({
  method: "GET",
  url: "/api/v1/issues/:issueId/events",
  summary: "An issue's events, newest first (cursor pages)",
  tag: "issues",
  access: { permission: "issues:read" },
  params: issueParams,
  query: issueEventsQuery,
  response: z.array(errorEventItem),
  handler: async ({ auth, deps, params, query, setMeta }) => {
    const page = await listIssueEvents(deps.db, projectScope(auth), params.issueId, query);
    if (page.cursor) setMeta({ cursor: page.cursor });
    return page.items;
  },
});

const histogram = defineRoute({
  method: "GET",
  url: "/api/v1/issues/:issueId/histogram",
  summary: "An issue's events per hour (24h) or day (14d), with the deployments made in the period",
  tag: "issues",
  access: { permission: "issues:read" },
  params: issueParams,
  query: issueHistogramQuery,
  response: issueHistogram,
  handler: async ({ auth, deps, params, query }) =>
    histogramOf(deps.db, projectScope(auth), params.issueId, query.period, deps.now()),
});

/** The issues API: list, detail, events, histogram, update one or many. */
export const issueRoutes = [list, get, update, bulkUpdate, events, histogram];
