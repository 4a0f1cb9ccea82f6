import { apiRoutes } from "@syntra/contracts";
import { requireOrg } from "../http/org-context";
import { implement } from "../http/route";
import { listAuditEntries } from "./audit-log";

const list = implement(apiRoutes.audit.list, {
  handler: async ({ auth, deps, query, setMeta }) => {
    const items = await listAuditEntries(deps.db, requireOrg(auth), query);
    const last = items.at(-1);
    if (items.length === query.limit && last) setMeta({ cursor: last.created_at });
    return items;
  },
});

/** Reading the audit log (entries are written by `audit/audit-log.ts`, for HTTP calls and Syntra's own work). */
export const auditRoutes = [list];
