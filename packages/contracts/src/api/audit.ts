import { z } from "zod";
import { isoTimestamp, text, uuid } from "../common";

/** Who made an audited change: a signed-in user, an API token acting for its user, or Syntra itself. */
export const auditActorType = z.enum(["user", "token", "system"]);
export type AuditActorType = z.infer<typeof auditActorType>;

/** The actor of an entry: for a token its id (and name while it exists), for Syntra the component that acted. */
export const auditActor = z.object({
  type: auditActorType,
  token_id: uuid.nullable(),
  token_name: z.string().nullable(),
  /** Syntra's component for `system` entries: "webhook", "build-worker", "local-agent", "agent-enrolment". */
  component: z.string().nullable(),
});

/** One audit log entry: who did what to which resource, from where. */
export const auditEntry = z.object({
  id: uuid,
  /** The person behind a user or token entry; null for system entries. */
  user_id: uuid.nullable(),
  user_email: z.string().nullable(),
  actor: auditActor,
  action: z.string(),
  resource_type: z.string(),
  resource_id: uuid.nullable(),
  details: z.unknown().nullable(),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: isoTimestamp,
});
export type AuditEntry = z.infer<typeof auditEntry>;

/** GET /audit-logs query: newest first, cursor is the last entry's created_at from the previous page. */
export const listAuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: isoTimestamp.optional(),
  resource_type: text(50).optional(),
  resource_id: uuid.optional(),
  action: text(100).optional(),
  actor_type: auditActorType.optional(),
});
export type ListAuditQuery = z.infer<typeof listAuditQuery>;
