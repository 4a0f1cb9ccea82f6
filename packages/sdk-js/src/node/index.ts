// @syntra/sdk on Node.js: `import { Syntra } from "@syntra/sdk"; Syntra.init({ dsn })`.
// First of all: the OpenTelemetry instrumentations must exist before the SDK's dependencies load node:http.
import "./instrumentations";
import {
  addBreadcrumb,
  captureException,
  captureMessage,
  close,
  flush,
  getClient,
  getCurrentScope,
  getStats,
  lastEventId,
  setExtra,
  setExtras,
  setTag,
  setTags,
  setUser,
  withScope,
} from "../core/api";
import { installAsyncScopes } from "./async-scopes";
import { expressErrorHandler, setupExpressErrorHandler } from "./express";
import { init } from "./init";
import { activeSpanIds, startSpan } from "./tracing";

installAsyncScopes();

export {
  addBreadcrumb,
  captureException,
  captureMessage,
  close,
  flush,
  getClient,
  getCurrentScope,
  getStats,
  lastEventId,
  setExtra,
  setExtras,
  setTag,
  setTags,
  setUser,
  withScope,
} from "../core/api";
export type { Client } from "../core/client";
export { consoleBreadcrumbs } from "../core/console";
export { type Dsn, DsnError, parseDsn } from "../core/dsn";
export type { Scope } from "../core/scope";
export { isInApp, parseStack } from "../core/stack-parser";
export type { DropCounts, TransportStats } from "../core/transport";
export type * from "../core/types";
export { type ExpressErrorHandlerOptions, expressErrorHandler, setupExpressErrorHandler } from "./express";
export { httpBreadcrumbs } from "./http-breadcrumbs";
export { httpServerScopes } from "./http-server";
export { defaultNodeIntegrations, init } from "./init";
export { uncaughtExceptionHandler, unhandledRejectionHandler } from "./process-handlers";
export { activeSpanIds, type StartSpanOptions, startSpan } from "./tracing";

/** The whole API as one object: `Syntra.init({ dsn })`, `Syntra.captureException(err)`. */
export const Syntra = {
  init,
  captureException,
  captureMessage,
  addBreadcrumb,
  setUser,
  setTag,
  setTags,
  setExtra,
  setExtras,
  withScope,
  getCurrentScope,
  startSpan,
  activeSpanIds,
  flush,
  close,
  lastEventId,
  getStats,
  getClient,
  expressErrorHandler,
  setupExpressErrorHandler,
};
