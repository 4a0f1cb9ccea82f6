import { z } from "zod";
import { isoTimestamp, text, uuid } from "../common";

/** One audit log entry: who did what to which resource, from where. */
export const auditEntry = z.object({
  id: uuid,
  user_id: uuid.nullable(),
  user_email: z.string().nullable(),
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
});
