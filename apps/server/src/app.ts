import { randomUUID } from "node:crypto";
import cookie from "@fastify/cookie";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { authenticateByToken, registerAgentSocket } from "./agents/ws-route";
import type { AppDeps } from "./deps";
import { installErrorHandler } from "./http/error-handler";
import { keepRawBodies } from "./http/raw-body";
import { registerRoutes } from "./http/register-routes";
import { registerErrorIngest } from "./issues/ingest-routes";
import { allRoutes } from "./routes";
import { registerOtlpHttp } from "./telemetry/ingest/otlp-http";
import { registerDashboard } from "./web/dashboard";

/** Options that differ between production and tests. */
export interface BuildAppOptions {
  /** Check every answer against its contract schema (tests); a mismatch becomes a 500. */
  validateResponses?: boolean;
}

/**
 * Builds the control plane's HTTP app on the given dependencies, without listening. main.ts listens;
 * tests call it with `app.inject()` on real stores.
 */
export async function buildApp(deps: AppDeps, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is Fastify's logger; the cast only widens the generic so route types stay the defaults.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    genReqId: () => `req_${randomUUID().replaceAll("-", "")}`,
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  await app.register(cookie);
  keepRawBodies(app, "/api/v1/webhooks/", deps.config.bodyLimitBytes);
  installErrorHandler(app);
  await registerAgentSocket(app, deps, (req) => authenticateByToken(deps, req));
  registerRoutes(app, deps, allRoutes, { validateResponses: opts.validateResponses ?? false });
  await registerErrorIngest(app, deps);
  await registerOtlpHttp(app, deps);
  await registerDashboard(app, deps.config.webDir);
  return app;
}
