import {
  type AnyApiRoute,
  apiRouteList,
  declaredErrorStatuses,
  type NamedApiRoute,
  type RouteAccess,
} from "@syntra/contracts";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { type AuthContext, resolveAuth } from "./auth-context";
import { callAudit } from "./call-audit";
import { DECLARED_STATUSES } from "./error-handler";
import { assertInTokenProject } from "./project-token-scope";
import type { ServerRoute } from "./route";
import { registerSocketRoute } from "./socket-routes";
import { parseInput } from "./validation";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * What is wrong between the contract's route table and the server's implementations: a declared route with no
 * implementation or with two, an implemented route the table does not hold. Empty when they match.
 */
export function implementationProblems(
  routes: readonly ServerRoute[],
  table: readonly NamedApiRoute[] = apiRouteList(),
): string[] {
  const problems: string[] = [];
  const count = new Map(table.map((t) => [t.route, 0]));
  for (const { route } of routes) {
    const seen = count.get(route);
    if (seen === undefined) problems.push(`${route.method} ${route.path} is not declared in the contracts' apiRoutes`);
    else count.set(route, seen + 1);
  }
  for (const { name, route } of table) {
    const n = count.get(route) ?? 0;
    if (n !== 1) problems.push(`${name} (${route.method} ${route.path}) is implemented ${n} times, not once`);
  }
  return problems;
}

/**
 * Registers the implementations of the contract's routes (each exactly once, or start-up fails). Every route goes
 * through the same steps: authenticate, check its declared permission, validate params/query/body with its
 * contract schemas, run the handler (its database change and audit entry stored
 * together by `ctx.change`, see `audit/unit-of-work.ts`), answer as declared (the success envelope, bare JSON,
 * or whatever the handler sent for streams, files and redirects). A mutating route without an audit action is a
 * start-up error.
 */
export function registerRoutes(
  app: FastifyInstance,
  deps: AppDeps,
  routes: readonly ServerRoute[],
  opts: { validateResponses: boolean },
): void {
  const problems = implementationProblems(routes);
  if (problems.length > 0) throw new Error(`The routes do not match their contract:\n${problems.join("\n")}`);
  for (const impl of routes) {
    const spec = impl.route;
    if (MUTATING.has(spec.method) && !impl.audit) {
      throw new Error(`${spec.method} ${spec.path} changes state but declares no audit action`);
    }
    const answer = spec.answer ?? "envelope";
    if (answer === "socket") {
      registerSocketRoute(app, deps, impl);
      continue;
    }
    const answersItself = answer === "stream" || answer === "file" || answer === "redirect";
    app.route({
      method: spec.method,
      url: spec.path,
      config: { [DECLARED_STATUSES]: declaredErrorStatuses(spec) },
      handler: async (req, reply) => {
        const { auth, params } = await authorize(deps, req, spec);
        const query = spec.query ? parseInput(spec.query, req.query ?? {}, "query") : undefined;
        const body = spec.body ? parseInput(spec.body, req.body, "body") : undefined;
        const audited = callAudit(deps, impl.audit, auth, req);
        let meta: Record<string, unknown> | undefined;
        const data = await impl.handler({
          req,
          reply,
          params,
          query,
          body,
          auth,
          deps,
          audit: audited.audit,
          change: audited.change,
          setMeta: (m) => {
            meta = m;
          },
        });
        await audited.settle();
        if (answersItself) return reply;
        if (opts.validateResponses && spec.response && spec.status !== 204) {
          const checked = spec.response.safeParse(data);
          if (!checked.success) {
            throw new Error(`${spec.method} ${spec.path} answered outside its contract: ${checked.error.message}`);
          }
        }
        reply.code(spec.status ?? 200);
        if (spec.status === 204) return reply.send();
        if (answer === "json") return data;
        return meta ? { success: true, data, meta } : { success: true, data };
      },
    });
  }
}

/**
 * Authenticates the caller (401), validates the path parameters (400), then checks the route's permission (403).
 * Parameters come before the permission so that a resource that is not there answers the same to every caller.
 */
export async function authorize(
  deps: AppDeps,
  req: FastifyRequest,
  spec: AnyApiRoute,
): Promise<{ auth: AuthContext | null; params: unknown }> {
  const access: RouteAccess = spec.access;
  const parseParams = () => (spec.params ? parseInput(spec.params, req.params, "params") : undefined);
  if ("public" in access) {
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
  if ("permission" in access) {
    if (!auth.orgId || !auth.role) throw new AppError("FORBIDDEN", "You are not a member of an organization");
    if (!auth.permissions.has(access.permission)) {
      await assertInTokenProject(deps, auth, params as Record<string, unknown> | undefined);
      throw new AppError("FORBIDDEN", `This needs the '${access.permission}' permission`, {
        required: access.permission,
        role: auth.role,
      });
    }
  }
  return { auth, params };
}
