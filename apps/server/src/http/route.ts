import type { AnyApiRoute, ApiRoute, RouteAccess } from "@syntra/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import type { z } from "zod";
import type { AppDeps } from "../deps";
import type { AuthContext } from "./auth-context";

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

/** The audit entry a mutating route writes: its action ("project.create") and the kind of resource touched. */
export interface AuditAction {
  action: string;
  resourceType: string;
}

/** What a handler receives: validated input, the caller, the app's dependencies. */
export interface RouteContext<A extends RouteAccess, P, Q, B> {
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

/** The handler's context for a declared route, typed from its schemas. */
export type ContextOf<R> =
  R extends ApiRoute<infer A, infer P, infer Q, infer B, infer _R, infer _K, infer _E>
    ? RouteContext<A, P, Q, B>
    : never;

/** What the handler of a socket route returns: takes over the socket once the upgrade is done. */
export type SocketOpener = (socket: WebSocket) => void;

/**
 * What a handler returns: the answer's `data` (or whole body), nothing for 204s and for answers the handler
 * sends itself (streams, files, redirects), or, for a socket route, what takes over the socket.
 */
export type ResultOf<R> =
  R extends ApiRoute<infer _A, infer _P, infer _Q, infer _B, infer Res, infer K, infer _E>
    ? K extends "socket"
      ? SocketOpener
      : Out<Res> | undefined
    : never;

/** The server's side of a declared route: only what the wire does not show. */
export interface RouteImplementation<R extends AnyApiRoute> {
  /** The audit action; required on every mutating route. */
  audit?: AuditAction;
  handler(ctx: ContextOf<R>): Promise<ResultOf<R>>;
}

/** A contract route with the server's implementation, as the registration and the API description read it. */
export interface ServerRoute {
  route: AnyApiRoute;
  audit?: AuditAction;
  // biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list; each handler is checked where it is implemented
  handler(ctx: RouteContext<any, any, any, any>): Promise<unknown>;
}

/**
 * Implements a route declared in `@syntra/contracts` (`apiRoutes`): the method, path, access, schemas and status
 * come from the declaration; the server adds the handler and the audit action.
 */
export function implement<R extends AnyApiRoute>(route: R, impl: RouteImplementation<R>): ServerRoute {
  return { route, ...(impl.audit && { audit: impl.audit }), handler: impl.handler as ServerRoute["handler"] };
}
