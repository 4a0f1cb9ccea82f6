import { z } from "zod";
import type { ErrorCode } from "../errors";
import type { Permission } from "../rbac";

/** HTTP methods the API uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Who may call a route: anyone, any signed-in user, or a member whose role (and token scopes) grant a permission. */
export type RouteAccess = { public: true } | { authenticated: true } | { permission: Permission };

/**
 * How a route's success answer travels:
 * - `envelope` (the default): JSON `{ success: true, data, meta? }`, `data` matching `response`;
 * - `json`: `response` is the whole JSON body (probes, the registry's token realm, which Docker clients read as is);
 * - `stream`: a `text/event-stream` of `events`, each sent as `event: <type>` with its JSON data;
 * - `file`: a download of content type `produces` (the agent installer, the agent bundle);
 * - `redirect`: a 302 to another page (OAuth), for a browser to follow;
 * - `socket`: a WebSocket (the GET upgrades): the server sends `events`, the client sends `sends`, each a JSON
 *   text frame. Access, params and query are checked before the upgrade, so failures are ordinary error answers.
 */
export type RouteAnswer = "envelope" | "json" | "stream" | "file" | "redirect" | "socket";

/** Success statuses a route may declare; 204 sends no body. */
export type SuccessStatus = 200 | 201 | 202 | 204;

/**
 * One REST route of the public API, declared once: the wire facts both the server and the clients derive
 * from (method, path, access, schemas of params, query, body and answer, success status). What only the server
 * knows (handler, audit action) stays in the server; the typed client is built from these alone.
 */
export interface ApiRoute<
  A extends RouteAccess = RouteAccess,
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType | undefined = z.ZodType | undefined,
  K extends RouteAnswer = RouteAnswer,
  E extends z.ZodType | undefined = z.ZodType | undefined,
  C extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: HttpMethod;
  /** Fastify-style path with `:name` parameters, each named by `params`: `/api/v1/services/:serviceId`. */
  path: string;
  /** One line for the API description. */
  summary: string;
  /** Group in the API description. */
  tag: string;
  access: A;
  /** Path parameters (a strict object naming each `:name` of `path`). */
  params?: P;
  /** Query string (a strict object; unknown fields are refused). */
  query?: Q;
  /** JSON body (an object schema). */
  body?: B;
  /** Schema of `data` in the success envelope, or of the whole body for `answer: "json"`. */
  response?: R;
  /** Success status; 200 when left out. */
  status?: SuccessStatus;
  /** How the answer travels; `envelope` when left out. */
  answer?: K;
  /** Content type of a `stream` or `file` answer. */
  produces?: string;
  /** For `stream` answers: one event, `{ type: <SSE event name>, ...data }`; for `socket` answers: one frame the server sends. */
  events?: E;
  /** For `socket` answers: one frame the client sends. */
  sends?: C;
  /**
   * Error codes this route answers besides the ones every route may (validation, authentication, permission,
   * not found, internal): documented in the API description with their statuses.
   */
  errors?: readonly ErrorCode[];
}

// biome-ignore lint/suspicious/noExplicitAny: the common supertype of every declared route; each is checked where it is defined
export type AnyApiRoute = ApiRoute<any, any, any, any, any, any, any, any>;

/** Declares a route with its types inferred from its schemas. */
export function defineApiRoute<
  const A extends RouteAccess,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
  K extends RouteAnswer = "envelope",
  E extends z.ZodType | undefined = undefined,
  C extends z.ZodType | undefined = undefined,
>(route: ApiRoute<A, P, Q, B, R, K, E, C>): ApiRoute<A, P, Q, B, R, K, E, C> {
  return route;
}

/** A named group of routes (`services`, `deployments` ...): the client's `client.<group>.<name>(...)`. */
export type RouteGroup = Record<string, AnyApiRoute>;

/** The route's path parameter names, in order: `["serviceId", "domain"]`. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string);
}

/**
 * The top-level field names of an object schema (of every option of a union); null when the schema is not an
 * object. Clients use it to tell a route's query fields from its body fields in one flat input.
 */
export function objectKeys(schema: z.ZodType): string[] | null {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) {
    const keys = new Set<string>();
    for (const option of schema.options as z.ZodType[]) {
      const own = objectKeys(option);
      if (!own) return null;
      for (const key of own) keys.add(key);
    }
    return [...keys];
  }
  if (schema instanceof z.ZodPipe) return objectKeys(schema.in as z.ZodType);
  return null;
}
