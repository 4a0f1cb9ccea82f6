import type { IncomingMessage, ServerResponse } from "node:http";
import { context, trace } from "@opentelemetry/api";
import { getRPCMetadata, RPCType } from "@opentelemetry/core";
import { captureException, getClient, getCurrentScope } from "../core/api";
import { requestData } from "./request-data";

/** The parts of an Express request the integration reads (Express 4 and 5). */
interface ExpressRequest extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown };
}

type ErrorMiddleware = (
  error: unknown,
  req: ExpressRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** The options of the Express error handler. */
export interface ExpressErrorHandlerOptions {
  /** Which errors are reported; default: those without a status, or with a status of 500 or more. */
  shouldHandleError?: (error: unknown) => boolean;
}

function statusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown } | null;
  const status = Number(e?.status ?? e?.statusCode);
  return Number.isInteger(status) ? status : undefined;
}

/** The route pattern that matched (`/users/:id` under its router's mount path), if any. */
export function routeOf(req: ExpressRequest): string | undefined {
  const path = req.route?.path;
  if (typeof path !== "string") return undefined;
  return `${req.baseUrl ?? ""}${path}` || "/";
}

/**
 * Express error middleware: reports the error with the request (method, URL, route, headers without credentials)
 * and names the request's span after its route, then passes the error on to Express's own handling. Add it after
 * the routes: `app.use(expressErrorHandler())`, or `setupExpressErrorHandler(app)`.
 */
export function expressErrorHandler(options: ExpressErrorHandlerOptions = {}): ErrorMiddleware {
  const should = options.shouldHandleError ?? ((e: unknown) => (statusOf(e) ?? 500) >= 500);
  return function syntraErrorHandler(error, req, _res, next) {
    if (should(error)) {
      const request = requestData(req, getClient()?.options.sendDefaultPii ?? false);
      const route = routeOf(req);
      if (route) {
        request.route = route;
        getCurrentScope().request = request;
        // The HTTP instrumentation names the server span `<method> <route>` from this when the response ends, as
        // with the OTel Express instrumentation (which cannot patch an Express imported as ESM without a loader).
        const rpc = getRPCMetadata(context.active());
        if (rpc?.type === RPCType.HTTP) rpc.route = route;
        trace.getActiveSpan()?.setAttribute("http.route", route);
      }
      captureException(error, { handled: false, mechanism: "express", request });
    }
    next(error);
  };
}

/** Adds the error handler to an Express app; call it after the routes and before other error middleware. */
export function setupExpressErrorHandler(
  app: { use(handler: ErrorMiddleware): unknown },
  options?: ExpressErrorHandlerOptions,
): void {
  app.use(expressErrorHandler(options));
}
