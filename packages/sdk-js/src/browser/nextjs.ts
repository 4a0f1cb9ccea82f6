// `@syntra/sdk/nextjs` in Next.js's edge runtime (middleware, edge route handlers): the same two hooks as on Node,
// on the browser build (fetch, no OpenTelemetry).
import type { Options } from "../core/types";
import { captureException, init } from "./index";

/** What Next.js passes to `onRequestError` about the request. */
export interface NextRequestInfo {
  path: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What Next.js passes to `onRequestError` about where the error happened. */
export interface NextErrorContext {
  routerKind: string;
  routePath: string;
  routeType: string;
}

/** For `instrumentation.ts`: starts the SDK in the edge runtime from NEXT_PUBLIC_SYNTRA_DSN or SYNTRA_DSN. */
export function register(options: Options = {}): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  init({ dsn: env.SYNTRA_DSN ?? env.NEXT_PUBLIC_SYNTRA_DSN, release: env.SYNTRA_RELEASE, ...options });
}

/** Next.js's server error hook, in the edge runtime. */
export function onRequestError(error: unknown, request: NextRequestInfo, context: NextErrorContext): void {
  captureException(error, {
    handled: false,
    mechanism: "nextjs",
    request: { method: request.method, url: request.path.split("?")[0] ?? request.path, route: context.routePath },
    tags: { "next.router_kind": context.routerKind, "next.route_type": context.routeType },
  });
}
