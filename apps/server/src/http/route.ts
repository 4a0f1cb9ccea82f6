import type { Permission } from "@syntra/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { AuditNote, UnitOfWork } from "../audit/unit-of-work";
import type { AppDeps } from "../deps";
import type { AuthContext } from "./auth-context";

/** Who may call a route: anyone, any signed-in user, or a member whose role (and token scopes) grant a permission. */
export type Access = { public: true } | { authenticated: true } | { permission: Permission };

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: validated input, the caller, the app's dependencies. */
export interface RouteContext<A extends Access, P, Q, B> {
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
   * The audit action, e.g. "project.create"; required on every mutating route. `byDomain`: the domain code
   * records the entries itself (a webhook delivery: one per deployment it queues, by Syntra's webhook intake).
   */
  audit?: { action: string; resourceType: string; byDomain?: true };
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
