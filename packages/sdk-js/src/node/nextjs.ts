import type { Options } from "../core/types";
import { captureException, getClient, init } from "./index";

/** What Next.js passes to `onRequestError` about the request (Next 15+). */
export interface NextRequestInfo {
  path: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What Next.js passes to `onRequestError` about where the error happened. */
export interface NextErrorContext {
  routerKind: "Pages Router" | "App Router";
  routePath: string;
  routeType: "render" | "route" | "action" | "middleware" | "proxy";
  renderSource?: string;
  revalidateReason?: string;
}

const PRIVATE = /^(authorization|proxy-authorization|cookie|x-syntra-key|x-api-key|x-forwarded-for|x-real-ip)$/i;

/**
 * For `instrumentation.ts`: starts the SDK in the Node.js runtime of a Next.js server (`export { register,
 * onRequestError } from "@syntra/sdk/nextjs"`). Next registers its own OpenTelemetry spans through the SDK's tracer
 * provider, so pages, route handlers and fetches are traced.
 */
export function register(options: Options = {}): void {
  if (process.env.NEXT_RUNTIME && process.env.NEXT_RUNTIME !== "nodejs") return;
  init(options);
}

/** Next.js's server error hook: reports errors of rendering, route handlers, server actions and middleware. */
export function onRequestError(error: unknown, request: NextRequestInfo, context: NextErrorContext): void {
  const pii = getClient()?.options.sendDefaultPii ?? false;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value !== undefined && (pii || !PRIVATE.test(name)))
      headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const host = headers.host ?? "localhost";
  const path = request.path.split("?")[0] ?? request.path;
  captureException(error, {
    handled: false,
    mechanism: "nextjs",
    request: { method: request.method, url: `http://${host}${path}`, headers, route: context.routePath },
    tags: { "next.router_kind": context.routerKind, "next.route_type": context.routeType },
    ...(context.renderSource && { extra: { render_source: context.renderSource } }),
  });
}
