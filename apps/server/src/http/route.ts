import type { ErrorCode, Permission } from "@syntra/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { AppDeps } from "../deps";
import type { AuthContext } from "./auth-context";

/** Who may call a route: anyone, any signed-in user, or a member whose role (and token scopes) grant a permission. */
export type Access = { public: true } | { authenticated: true } | { permission: Permission };

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What an audited call records beyond the route's action: the resource touched and safe details. */
export interface AuditNote {
  resourceId?: string | null;
  details?: Record<string, unknown>;
  /** For calls that create or switch the organization (sign-up), which org the entry belongs to. */
  orgId?: string;
  /** For calls made before the caller is known (sign-up, login), who it was. */
  userId?: string;
}

/** What a handler receives: validated input, the caller, the app's dependencies. */
export interface RouteContext<A extends Access, P, Q, B> {
  req: FastifyRequest;
  reply: FastifyReply;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  auth: A extends { public: true } ? AuthContext | null : AuthContext;
  deps: AppDeps;
  /** Adds to the audit entry written after a successful mutating call. */
  audit(note: AuditNote): void;
  /** Sets the `meta` of the success envelope (pagination). */
  setMeta(meta: { total?: number; page?: number; per_page?: number; cursor?: string }): void;
}

/** One API route, declared: the single place that states its access, input, output and audit action. */
export interface RouteSpec<A extends Access = Access, P = unknown, Q = unknown, B = unknown, R = unknown> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  summary: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Schema of `data` in the success envelope (or of the whole body when `envelope` is false). */
  response?: R;
  /** Success status; 204 sends no body. */
  status?: 200 | 201 | 202 | 204;
  /**
   * Error codes this route answers beyond those every route of its kind can (see `declaredErrors`): e.g.
   * `["CONFLICT"]` on a create with a unique name. The API description declares their statuses.
   */
  errors?: readonly ErrorCode[];
  /** The audit action, e.g. "project.create"; required on every mutating route. */
  audit?: { action: string; resourceType: string };
  /** false: the handler's result is the body as is (probes), or the handler answers itself (redirects). */
  envelope?: false;
  /** The handler sends the reply itself (redirects). */
  raw?: true;
  /** Content type of a raw answer that is not a redirect (`text/event-stream`), for the API description. */
  produces?: string;
  handler(ctx: RouteContext<A, P, Q, B>): Promise<Out<R> | undefined>;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of specs; each one is checked where it is defined
export type AnyRouteSpec = RouteSpec<any, any, any, any, any>;

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<
  A extends Access,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(spec: RouteSpec<A, P, Q, B, R>): RouteSpec<A, P, Q, B, R> {
  return spec;
}
