import type { AnyApiRoute, ApiRoute, ListMeta, RouteAnswer } from "@syntra/contracts";
import type { z } from "zod";
import type { Http } from "./http";
import { routeRequest } from "./route-request";
import { browserWebSocket, openSocket, type SocketOptions, type TypedSocket } from "./socket";
import { readSse, type SseMessage } from "./sse";
import { parseStreamEvent } from "./stream-events";

// The client is the contracts' route table turned into functions, as Hono's `hc` and tRPC's proxy client do:
// `client.services.get({ serviceId })` takes the route's params, query and body fields in one object, typed from
// its schemas, and answers its response schema's output. No path or schema is written here.

/** An input with no fields. */
type Empty = Record<never, never>;
type Simplify<T> = { [K in keyof T]: T[K] } & Empty;

/** What a schema accepts; nothing when the route declares none. */
type SchemaInput<S> = [S] extends [z.ZodType] ? z.input<S> : Empty;

/**
 * A query field as a caller gives it: what the schema accepts, or what it produces (a number for a field
 * coerced from its text, a boolean for "true"/"false"), since both travel as the same text.
 */
type QueryField<I, O> = unknown extends I ? O : I | O;
type QueryInput<S> = [S] extends [z.ZodType]
  ? { [K in keyof z.input<S>]: QueryField<z.input<S>[K], K extends keyof z.output<S> ? z.output<S>[K] : never> }
  : Empty;

/** The one input object of a route's call: path parameters, query fields and body fields side by side. */
export type RouteInput<P, Q, B> = Simplify<SchemaInput<P> & QueryInput<Q> & SchemaInput<B>>;

/** What a call answers: the response schema's output, or nothing (204). */
type Output<S> = [S] extends [z.ZodType] ? z.output<S> : undefined;

/** Options of one call. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of reading a stream: resolves when it ends or `signal` aborts. */
export interface StreamOptions extends CallOptions {
  /** Called with events that do not match the route's declared event (skipped otherwise). */
  onInvalid?(message: SseMessage): void;
}

type Args<I> = Empty extends I ? [input?: I, options?: CallOptions] : [input: I, options?: CallOptions];
type UrlArgs<I> = Empty extends I ? [input?: I] : [input: I];

/** Every derived function also gives its URL (for EventSource, links, or the browser to navigate to). */
interface HasUrl<I> {
  url(...args: UrlArgs<I>): string;
}

/**
 * A JSON call: resolves to the answer's data, checked against the response schema; rejects with ApiError.
 * `withMeta` also answers the envelope's `meta` (the next page's `cursor`, a list's `total`).
 */
export type CallMethod<I, O> = ((...args: Args<I>) => Promise<O>) &
  HasUrl<I> & { withMeta(...args: Args<I>): Promise<{ data: O; meta: ListMeta | undefined }> };
/** A Server-Sent Events route: reads the stream, calling `onEvent` with each declared event. */
export type StreamMethod<I, E> = ((input: I, onEvent: (event: E) => void, options?: StreamOptions) => Promise<void>) &
  HasUrl<I>;
/** A download: the raw response (its status checked). */
export type FileMethod<I> = ((...args: Args<I>) => Promise<Response>) & HasUrl<I>;
/** A route a browser is sent to (OAuth): the URL to navigate to. */
export type RedirectMethod<I> = ((...args: UrlArgs<I>) => string) & HasUrl<I>;

/**
 * A WebSocket route: opens it, calling `onFrame` with each frame the server sends (checked against the route's
 * declaration); resolves once open with a socket that sends the route's client frames.
 */
export type SocketMethod<I, E, C> = ((
  input: I,
  onFrame: (frame: E) => void,
  options?: SocketOptions,
) => Promise<TypedSocket<C>>) &
  HasUrl<I>;

/** What a schema accepts (a socket's client frames). */
type Sent<S> = [S] extends [z.ZodType] ? z.input<S> : never;

/** The function a route becomes, by its answer kind. */
export type RouteMethod<R> =
  R extends ApiRoute<infer _A, infer P, infer Q, infer B, infer Res, infer K, infer E, infer C>
    ? K extends "socket"
      ? SocketMethod<RouteInput<P, Q, B>, Output<E>, Sent<C>>
      : K extends "stream"
        ? StreamMethod<RouteInput<P, Q, B>, Output<E>>
        : K extends "redirect"
          ? RedirectMethod<RouteInput<P, Q, B>>
          : K extends "file"
            ? FileMethod<RouteInput<P, Q, B>>
            : CallMethod<RouteInput<P, Q, B>, Output<Res>>
    : never;

/** A route table turned into groups of functions: `client.<group>.<route>(input)`. */
export type RouteClient<T extends Record<string, Record<string, AnyApiRoute>>> = {
  [G in keyof T]: { [N in keyof T[G]]: RouteMethod<T[G][N]> };
};

type Input = Record<string, unknown>;

/** Turns each route of the table into its function. */
export function deriveClient<T extends Record<string, Record<string, AnyApiRoute>>>(
  http: Http,
  table: T,
): RouteClient<T> {
  const client: Record<string, Record<string, unknown>> = {};
  for (const [group, routes] of Object.entries(table)) {
    const fns: Record<string, unknown> = {};
    for (const [name, route] of Object.entries(routes)) fns[name] = routeMethod(http, route);
    client[group] = fns;
  }
  return client as RouteClient<T>;
}

function routeMethod(http: Http, route: AnyApiRoute): unknown {
  const url = (input?: Input) => http.baseUrl + routeRequest(route, input).path;
  const answer: RouteAnswer = route.answer ?? "envelope";
  switch (answer) {
    case "redirect":
      return Object.assign((input?: Input) => url(input), { url });
    case "file":
      return Object.assign(
        async (input?: Input, options: CallOptions = {}) => {
          const { path, body } = routeRequest(route, input);
          return http.raw(route.method, path, { body, signal: options.signal });
        },
        { url },
      );
    case "stream":
      return Object.assign(
        async (input: Input | undefined, onEvent: (event: unknown) => void, options: StreamOptions = {}) => {
          const { path } = routeRequest(route, input);
          const res = await http.raw(route.method, path, { signal: options.signal });
          if (!res.body) return;
          await readSse(
            res.body,
            (message) => {
              const event = route.events ? parseStreamEvent(route.events, message) : null;
              if (event !== null) onEvent(event);
              else options.onInvalid?.(message);
            },
            options.signal,
          );
        },
        { url },
      );
    case "socket":
      return Object.assign(
        (input: Input | undefined, onFrame: (frame: unknown) => void, options: SocketOptions = {}) =>
          openSocket(http, route, http.webSocket ?? browserWebSocket, input, onFrame, options),
        { url },
      );
    case "envelope":
    case "json": {
      const withMeta = async (input?: Input, options: CallOptions = {}) => {
        const { path, body } = routeRequest(route, input);
        const init = { body, signal: options.signal, envelope: answer === "envelope" };
        if (!route.response) {
          await http.raw(route.method, path, init);
          return { data: undefined, meta: undefined };
        }
        return http.callWithMeta(route.method, path, route.response, init);
      };
      return Object.assign(async (input?: Input, options?: CallOptions) => (await withMeta(input, options)).data, {
        url,
        withMeta,
      });
    }
    default: {
      const unknown: never = answer;
      throw new Error(`${route.method} ${route.path}: unknown answer kind ${String(unknown)}`);
    }
  }
}
