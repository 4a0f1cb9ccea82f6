import { errorCodes } from "@syntra/contracts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { auditLogs } from "../db/schema";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { type AuthContext, resolveAuth } from "./auth-context";
import { declaredErrors } from "./declared-errors";
import { DECLARED_STATUSES } from "./error-handler";
import { assertInTokenProject } from "./project-token-scope";
import type { AnyRouteSpec, AuditNote } from "./route";
import { parseInput } from "./validation";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Registers declared routes. Every route goes through the same steps: authenticate, check its declared
 * permission, validate params/query/body with its contract schemas, run the handler, write the audit entry,
 * wrap the answer in the success envelope. A mutating route without an audit action is a start-up error.
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
      config: { [DECLARED_STATUSES]: new Set(declaredErrors(spec).map((code) => errorCodes[code].status)) },
      handler: async (req, reply) => {
        const { auth, params } = await authorize(deps, req, spec);
        const query = spec.query ? parseInput(spec.query, req.query ?? {}, "query") : undefined;
        const body = spec.body ? parseInput(spec.body, req.body, "body") : undefined;
        let note: AuditNote = {};
        let meta: Record<string, unknown> | undefined;
        const data = await spec.handler({
          req,
          reply,
          params,
          query,
          body,
          auth,
          deps,
          audit: (n) => {
            note = { ...note, ...n, details: { ...note.details, ...n.details } };
          },
          setMeta: (m) => {
            meta = m;
          },
        });
        if (spec.audit) await writeAudit(deps, req, auth, spec.audit, note);
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

/**
 * Authenticates the caller (401), validates the path parameters (400), then checks the route's permission (403).
 * Parameters come before the permission so that a resource that is not there answers the same to every caller.
 */
async function authorize(
  deps: AppDeps,
  req: FastifyRequest,
  spec: AnyRouteSpec,
): Promise<{ auth: AuthContext | null; params: unknown }> {
  const parseParams = () => (spec.params ? parseInput(spec.params, req.params, "params") : undefined);
  if ("public" in spec.access) {
    // Public routes still see a caller who is signed in, but a bad credential must not block them.
    const auth = await resolveAuth(deps, req).catch((err: unknown) => {
      if (err instanceof AppError && (err.code === "UNAUTHORIZED" || err.code === "FORBIDDEN")) return null;
      throw err;
    });
    return { auth, params: parseParams() };
  }
  const auth = await resolveAuth(deps, req);
  if (!auth) throw new AppError("UNAUTHORIZED", "Sign in or send 'Authorization: Bearer <token>'");
  const params = parseParams();
  if ("permission" in spec.access) {
    if (!auth.orgId || !auth.role) throw new AppError("FORBIDDEN", "You are not a member of an organization");
    if (!auth.permissions.has(spec.access.permission)) {
      await assertInTokenProject(deps, auth, params as Record<string, unknown> | undefined);
      throw new AppError("FORBIDDEN", `This needs the '${spec.access.permission}' permission`, {
        required: spec.access.permission,
        role: auth.role,
      });
    }
  }
  return { auth, params };
}

async function writeAudit(
  deps: AppDeps,
  req: FastifyRequest,
  auth: AuthContext | null,
  action: { action: string; resourceType: string },
  note: AuditNote,
): Promise<void> {
  const orgId = note.orgId ?? auth?.orgId;
  // Every audited resource lives in an organization; a caller with none (a failed sign-up) has nothing to record.
  if (!orgId) return;
  await deps.db.insert(auditLogs).values({
    orgId,
    userId: note.userId ?? auth?.user.id ?? null,
    action: action.action,
    resourceType: action.resourceType,
    resourceId: note.resourceId ?? null,
    details: note.details && Object.keys(note.details).length > 0 ? note.details : null,
    ipAddress: req.ip,
    userAgent: req.headers["user-agent"]?.slice(0, 500) ?? null,
  });
}
