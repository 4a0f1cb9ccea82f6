import { auditEntry, listAuditQuery } from "@syntra/contracts";
import { z } from "zod";
import { requireOrg } from "../http/org-context";
import { defineRoute } from "../http/route";
import { listAuditEntries } from "./audit-log";

const list = defineRoute({
  method: "GET",
  url: "/api/v1/audit-logs",
  summary: "The organization's audit log, newest first (cursor: created_at of the last entry seen)",
  tag: "audit",
  access: { permission: "audit:read" },
  query: listAuditQuery,
  response: z.array(auditEntry),
  handler: async ({ auth, deps, query, setMeta }) => {
    const items = await listAuditEntries(deps.db, requireOrg(auth), query);
    const last = items.at(-1);
    if (items.length === query.limit && last) setMeta({ cursor: last.created_at });
    return items;
  },
});

/** Reading the audit log (entries are written by `audit/audit-log.ts`, for HTTP calls and Syntra's own work). */
export const auditRoutes = [list];
