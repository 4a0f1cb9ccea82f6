// What @syntra/sdk exports the same on every runtime: the scope and capture API, its types, DSN and stack parsing.
// Each runtime's entry (node/, browser/) re-exports this and adds its own init and integrations.

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
} from "./api";
export type { Client } from "./client";
export { consoleBreadcrumbs } from "./console";
export { type Dsn, DsnError, parseDsn } from "./dsn";
export type { Scope } from "./scope";
export { isInApp, parseStack } from "./stack-parser";
export type { DropCounts, TransportStats } from "./transport";
export type * from "./types";
