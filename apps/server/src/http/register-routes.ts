import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuditActor } from "../audit/audit-log";
import { AuditDraft, auditedWork, plainWork } from "../audit/unit-of-work";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { type AuthContext, resolveAuth } from "./auth-context";
import type { AnyRouteSpec } from "./route";
import { parseInput } from "./validation";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Registers declared routes. Every route goes through the same steps: authenticate, check its declared
 * permission, validate params/query/body with its contract schemas, run the handler (its database change and
 * audit entry stored together by `ctx.change`, see `audit/unit-of-work.ts`), wrap the answer in the success
 * envelope. A mutating route without an audit action is a start-up error.
 */
export function registerRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  routes: readonly AnyRouteSpec[],
  opts: { validateResponses: boolean },
): void {
  for (const spec of routes) {
    if (MUTATING.has(spec.method) && !spec.audit) {
      throw new Error(`${spec.method} ${spec.url} changes state but declares no audit action`);
    }
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (req, reply) => {
        const auth = await authorize(deps, req, spec);
        const params = spec.params ? parseInput(spec.params, req.params, "params") : undefined;
        const query = spec.query ? parseInput(spec.query, req.query ?? {}, "query") : undefined;
        const body = spec.body ? parseInput(spec.body, req.body, "body") : undefined;
        const draft = spec.audit && !spec.audit.byDomain ? auditDraftOf(spec.audit, auth, req) : null;
        let meta: Record<string, unknown> | undefined;
        const data = await spec.handler({
          req,
          reply,
          params,
          query,
          body,
          auth,
          deps,
          audit: (n) => draft?.add(n),
          change: draft ? auditedWork(deps.db, draft) : plainWork(deps.db),
          setMeta: (m) => {
            meta = m;
          },
        });
        // A handler that changed nothing in the database itself (an agent command) is audited once it succeeded.
        if (draft && !draft.started) await draft.record(deps.db);
        if (spec.raw) return reply;
        if (opts.validateResponses && spec.response && spec.status !== 204) {
          const checked = spec.response.safeParse(data);
          if (!checked.success) {
            throw new Error(`${spec.method} ${spec.url} answered outside its contract: ${checked.error.message}`);
          }
        }
        reply.code(spec.status ?? 200);
        if (spec.status === 204) return reply.send();
        if (spec.envelope === false) return data;
        return meta ? { success: true, data, meta } : { success: true, data };
      },
    });
  }
}

async function authorize(deps: AppDeps, req: FastifyRequest, spec: AnyRouteSpec): Promise<AuthContext | null> {
  if ("public" in spec.access) {
    // Public routes still see a caller who is signed in, but a bad credential must not block them.
    return resolveAuth(deps, req).catch((err: unknown) => {
      if (err instanceof AppError && (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN")) return null;
      throw err;
    });
  }
  const auth = await resolveAuth(deps, req);
  if (!auth) throw new AppError("UNAUTHORIZED", "Sign in or send 'Authorization: Bearer <token>'");
  if ("permission" in spec.access) {
    if (!auth.orgId || !auth.role) throw new AppError("FORBIDDEN", "You are not a member of an organization");
    if (!auth.permissions.has(spec.access.permission)) {
      throw new AppError("FORBIDDEN", `This needs the '${spec.access.permission}' permission`, {
        required: spec.access.permission,
        role: auth.role,
      });
    }
  }
  return auth;
}

/** The audit entry of one call of an audited route: its action, the caller (if known yet) and the client. */
function auditDraftOf(
  action: { action: string; resourceType: string },
  auth: AuthContext | null,
  req: FastifyRequest,
): AuditDraft {
  const actor: AuditActor | null = !auth
    ? null
    : auth.tokenId
      ? { type: "token", userId: auth.user.id, tokenId: auth.tokenId }
      : { type: "user", userId: auth.user.id };
  return new AuditDraft({
    ...action,
    actor,
    orgId: auth?.orgId ?? null,
    client: { ip: req.ip, userAgent: req.headers["user-agent"] ?? null },
  });
}
