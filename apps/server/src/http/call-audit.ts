import type { FastifyRequest } from "fastify";
import type { AuditActor } from "../audit/audit-log";
import { AuditDraft, type AuditNote, auditedWork, plainWork, type UnitOfWork } from "../audit/unit-of-work";
import type { AppDeps } from "../deps";
import type { AuthContext } from "./auth-context";
import type { AuditAction } from "./route";

/** The audit side of one call of a route: `ctx.audit` and `ctx.change` for its handler, and `settle` after it. */
export interface CallAudit {
  audit(note: AuditNote): void;
  change: UnitOfWork;
  /** After a successful handler: a call that changed nothing in the database itself (an agent command) is recorded now. */
  settle(): Promise<void>;
}

/**
 * The audit entry of one call of a route with an audit action (none for reads, and none of its own for a route
 * whose domain records its entries): the caller (user or token, when known yet) and the client's address.
 */
export function callAudit(
  deps: AppDeps,
  action: AuditAction | undefined,
  auth: AuthContext | null,
  req: FastifyRequest,
): CallAudit {
  if (!action || action.byDomain) {
    return { audit: () => {}, change: plainWork(deps.db), settle: async () => {} };
  }
  const actor: AuditActor | null = !auth
    ? null
    : auth.tokenId
      ? { type: "token", userId: auth.user.id, tokenId: auth.tokenId }
      : { type: "user", userId: auth.user.id };
  const draft = new AuditDraft({
    ...action,
    actor,
    orgId: auth?.orgId ?? null,
    client: { ip: req.ip, userAgent: req.headers["user-agent"] ?? null },
  });
  return {
    audit: (note) => draft.add(note),
    change: auditedWork(deps.db, draft),
    settle: async () => {
      if (!draft.started) await draft.record(deps.db);
    },
  };
}
