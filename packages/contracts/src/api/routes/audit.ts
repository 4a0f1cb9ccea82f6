import { z } from "zod";
import { auditEntry, listAuditQuery } from "../audit";
import { registryTokenQuery, registryTokenResponse } from "../registry";
import { defineApiRoute } from "../route";

/** Reading the audit log. */
export const auditRoutes = {
  list: defineApiRoute({
    method: "GET",
    path: "/api/v1/audit-logs",
    summary: "The organization's audit log, newest first (cursor: created_at of the last entry seen)",
    tag: "audit",
    access: { permission: "audit:read" },
    query: listAuditQuery,
    response: z.array(auditEntry),
  }),
};

/** The registry's token realm (SYNTRA_REGISTRY_AUTH=token): Docker clients trade Basic credentials for a JWT. */
export const registryRoutes = {
  token: defineApiRoute({
    method: "GET",
    path: "/api/v1/registry/token",
    summary: "Registry bearer token (Docker Registry v2 token authentication), for Basic credentials Syntra issued",
    tag: "registry",
    // Authenticated by its own Basic credentials (the build worker's, or a deploy's pull credential), not a user.
    access: { public: true },
    query: registryTokenQuery,
    answer: "json",
    response: registryTokenResponse,
    errors: ["UNAUTHORIZED", "NOT_FOUND"],
  }),
};
