import type { AnyApiRoute, ApiRoute, RouteAccess } from "@syntra/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import type { z } from "zod";
import type { AuditNote, UnitOfWork } from "../audit/unit-of-work";
import type { AppDeps } from "../deps";
import type { AuthContext } from "./auth-context";

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * The audit entry a mutating route writes: its action ("project.create") and the kind of resource touched.
 * `byDomain`: the domain code records the entries itself (a webhook delivery: one per deployment it queues, by
 * Syntra's webhook intake), the route none.
 */
export interface AuditAction {
  action: string;
  resourceType: string;
  byDomain?: true;
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
  /** Adds to the route's audit entry (before or inside `change`; the entry is stored with the change). */
  audit(note: AuditNote): void;
  /**
   * Runs the call's database change and stores the route's audit entry in the same short transaction (see the
   * rules on `UnitOfWork`: `tx` only, no agent or network waits inside). Once per call. A mutating handler that
   * never calls it changes nothing in the database itself (agent commands): its entry is stored after it returns.
   */
  change: UnitOfWork;
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
