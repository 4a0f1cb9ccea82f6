import cookie from "@fastify/cookie";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { authenticateByToken, registerAgentSocket } from "./agents/ws-route";
import type { AppDeps } from "./deps";
import { answerClientError, newRequestId } from "./http/client-errors";
import { answerFrameworkError, installErrorHandler, type UndeclaredError } from "./http/error-handler";
import { keepRawBodies } from "./http/raw-body";
import { registerRoutes } from "./http/register-routes";
import { registerErrorIngest } from "./issues/ingest-routes";
import { allRoutes } from "./routes";
import { registerStatusPages } from "./status-pages/public-route";
import { registerOtlpHttp } from "./telemetry/ingest/otlp-http";
import { registerDashboard } from "./web/dashboard";

/** Longest path parameter the router takes (a longer one answers 414 URI_TOO_LONG with the envelope). */
export const MAX_PATH_PARAM_LENGTH = 2048;

/** Options that differ between production and tests. */
export interface BuildAppOptions {
  /** Check every answer against its contract schema (tests); a mismatch becomes a 500. */
  validateResponses?: boolean;
  /** Hears of error answers whose status the route does not declare in the API description (tests). */
  onUndeclaredError?: (answer: UndeclaredError) => void;
}

/**
 * Builds the control plane's HTTP app on the given dependencies, without listening. main.ts listens;
 * tests call it with `app.inject()` on real stores.
 */
export async function buildApp(deps: AppDeps, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const logger = deps.logger as FastifyBaseLogger;
  const { http } = deps.config;
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only widens the generic so route types stay the defaults.
    loggerInstance: logger,
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    genReqId: newRequestId,
    requestIdHeader: false,
    // An env var key may be 255 characters and a domain more once percent-encoded: every valid one must be
    // addressable (the default of 100 made long keys impossible to delete).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAM_LENGTH },
    // A client that sends its headers or body too slowly is cut off with 408 rather than holding a connection.
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    http: {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      // Node checks the two timeouts above this often (its default, 30 s, would stretch a 10 s limit to 40 s).
      connectionsCheckingInterval: Math.min(1000, http.headersTimeoutMs),
    },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: (err, socket) => answerClientError(logger, err, socket),
  });
  // Fastify reads text/plain bodies by default; the API takes JSON only, and says so with 415.
  app.removeContentTypeParser("text/plain");
  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  await app.register(cookie);
  keepRawBodies(app, "/api/v1/webhooks/", deps.config.bodyLimitBytes);
  installErrorHandler(app, opts.onUndeclaredError);
  await registerAgentSocket(app, deps, (req) => authenticateByToken(deps, req));
  registerRoutes(app, deps, allRoutes, { validateResponses: opts.validateResponses ?? false });
  await registerErrorIngest(app, deps);
  await registerOtlpHttp(app, deps);
  registerStatusPages(app, deps);
  await registerDashboard(app, deps.config.webDir);
  return app;
}
