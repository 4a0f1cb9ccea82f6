// @syntra/sdk on Node.js: `import { Syntra } from "@syntra/sdk"; Syntra.init({ dsn })`.
// First of all: the OpenTelemetry instrumentations must exist before the SDK's dependencies load node:http.
import "./instrumentations";
import { coreApi } from "../core/api";
import { installAsyncScopes } from "./async-scopes";
import { expressErrorHandler, setupExpressErrorHandler } from "./express";
import { init } from "./init";
import { activeSpanIds, startSpan } from "./tracing";

installAsyncScopes();

export * from "../core/public";
export { type ExpressErrorHandlerOptions, expressErrorHandler, setupExpressErrorHandler } from "./express";
export { httpBreadcrumbs } from "./http-breadcrumbs";
export { httpServerScopes } from "./http-server";
export { defaultNodeIntegrations, init } from "./init";
export { uncaughtExceptionHandler, unhandledRejectionHandler } from "./process-handlers";
export { activeSpanIds, type StartSpanOptions, startSpan } from "./tracing";

/** The whole API as one object: `Syntra.init({ dsn })`, `Syntra.captureException(err)`. */
export const Syntra = {
  init,
  ...coreApi,
  startSpan,
  activeSpanIds,
  expressErrorHandler,
  setupExpressErrorHandler,
};
