import { apiRoutes } from "@syntra/contracts";
import { implement } from "../http/route";
import { projectScope } from "../projects/routes";
import { getIssueDetail, issueHistogram, listIssueEvents } from "./issue-detail";
import { listIssues } from "./issue-list";
import { bulkUpdateIssues, updateIssue } from "./issues";

const list = implement(apiRoutes.issues.list, {
  handler: async ({ auth, deps, params, query, setMeta }) => {
    const page = await listIssues(deps.db, projectScope(auth), params.projectId, query, deps.now());
    if (page.cursor) setMeta({ cursor: page.cursor });
    return page.items;
  },
});

const get = implement(apiRoutes.issues.get, {
  handler: async ({ auth, deps, params }) => getIssueDetail(deps.db, projectScope(auth), params.issueId),
});

const update = implement(apiRoutes.issues.update, {
  audit: { action: "issue.update", resourceType: "issue" },
  handler: async ({ auth, deps, params, body, audit, change }) => {
    audit({ resourceId: params.issueId, details: { ...body } });
    return change((tx) => updateIssue(tx, projectScope(auth), params.issueId, body, deps.now()));
  },
});

const bulkUpdate = implement(apiRoutes.issues.bulkUpdate, {
  audit: { action: "issue.bulk_update", resourceType: "issue" },
  handler: async ({ auth, deps, body, audit, change }) => {
    const { ids, ...fields } = body;
    audit({ details: { ids, ...fields } });
    return change((tx) => bulkUpdateIssues(tx, projectScope(auth), body, deps.now()));
  },
});

const events = implement(apiRoutes.issues.events, {
  handler: async ({ auth, deps, params, query, setMeta }) => {
    const page = await listIssueEvents(deps.db, projectScope(auth), params.issueId, query);
    if (page.cursor) setMeta({ cursor: page.cursor });
    return page.items;
  },
});

const histogram = implement(apiRoutes.issues.histogram, {
  handler: async ({ auth, deps, params, query }) =>
    issueHistogram(deps.db, projectScope(auth), params.issueId, query.period, deps.now()),
});

/** The issues API: list, detail, events, histogram, update one or many. */
export const issueRoutes = [list, get, update, bulkUpdate, events, histogram];
